package mapping

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Table describes a source table to Filter and Plan, in DMS's neutral
// vocabulary; the engine builds it from its own table definition.
type Table struct {
	Schema     string
	Name       string
	Columns    []Column
	PrimaryKey []string
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Type is the DMS data type name: INT1…INT8, UINT1…UINT8, NUMERIC,
	// REAL4, REAL8, STRING, WSTRING, CLOB, NCLOB, BYTES, BLOB, DATE, TIME,
	// DATETIME or BOOLEAN.
	Type      string
	Length    int
	Precision int
	Scale     int // NUMERIC scale; fractional second digits of TIME and DATETIME
	Nullable  bool
}

func (t *Table) column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Filter operators (filter-operator).
const (
	FilterEq         = "eq"
	FilterNotEq      = "noteq"
	FilterGte        = "gte"
	FilterLte        = "lte"
	FilterSte        = "ste" // an alias of lte
	FilterBetween    = "between"
	FilterNotBetween = "notbetween"
	FilterNull       = "null"
	FilterNotNull    = "notnull"
)

// RowFilter is the compiled source filter of one table: a row passes when
// some include rule selecting the table passes it, and an include rule
// passes a row when every one of its filters has a condition that holds.
// A nil *RowFilter passes every row. It is immutable.
type RowFilter struct {
	rules [][]compiledFilter // OR of rules, AND of filters
}

type compiledFilter struct {
	column string
	kind   compareKind
	conds  []compiledCond // OR-ed
}

type compiledCond struct {
	op     string
	values [2]filterValue // value, or start-value and end-value
}

// compareKind is how a column's values compare with filter values: by the
// column's type, as the source database would compare them.
type compareKind uint8

const (
	compareText compareKind = iota
	compareNumber
	compareBytes
)

type filterValue struct {
	text   string
	num    *big.Rat
	isInt  bool
	intVal int64
}

func kindOf(dmsType string) compareKind {
	switch dmsType {
	case "INT1", "INT2", "INT4", "INT8", "UINT1", "UINT2", "UINT4", "UINT8", "NUMERIC", "REAL4", "REAL8", "BOOLEAN":
		return compareNumber
	case "BYTES", "BLOB":
		return compareBytes
	}
	return compareText
}

// Filter compiles the filters of the include rules that select the table
// (nil when some selecting rule has none, or no rule selects the table).
// It fails when a filter names a column the table lacks or gives a
// number column a value that is not a number.
func (m *TableMappings) Filter(t *Table) (*RowFilter, error) {
	if m == nil {
		return nil, nil
	}
	var out RowFilter
	for i := range m.selectors {
		s := &m.selectors[i]
		if s.exclude || !s.tables || !s.schema.match(t.Schema) || !s.table.match(t.Name) {
			continue
		}
		if len(s.filters) == 0 {
			return nil, nil // this rule takes every row
		}
		var fs []compiledFilter
		for _, f := range s.filters {
			cf, err := compileFilterFor(s.rule, f, t)
			if err != nil {
				return nil, err
			}
			fs = append(fs, cf)
		}
		out.rules = append(out.rules, fs)
	}
	if len(out.rules) == 0 {
		return nil, nil
	}
	return &out, nil
}

func compileFilterFor(r *Rule, f Filter, t *Table) (compiledFilter, error) {
	col, ok := t.column(f.ColumnName)
	if !ok {
		return compiledFilter{}, ruleError(r, "filters.column-name", "filter column "+f.ColumnName+" does not exist in table "+t.Schema+"."+t.Name)
	}
	cf := compiledFilter{column: col.Name, kind: kindOf(col.Type)}
	for _, c := range f.Conditions {
		cc := compiledCond{op: c.Operator}
		if cc.op == FilterSte {
			cc.op = FilterLte
		}
		raw := [2]string{c.Value}
		if cc.op == FilterBetween || cc.op == FilterNotBetween {
			raw = [2]string{c.StartValue, c.EndValue}
		}
		for i, s := range raw {
			v := filterValue{text: s}
			if cf.kind == compareNumber && cc.op != FilterNull && cc.op != FilterNotNull && (i == 0 || cc.op == FilterBetween || cc.op == FilterNotBetween) {
				n, ok := new(big.Rat).SetString(strings.TrimSpace(s))
				if !ok || strings.Contains(s, "/") { // big.Rat reads fractions, SQL does not

					return compiledFilter{}, ruleError(r, "filters.filter-conditions.value",
						"filter value '"+s+"' is not a number, as column "+col.Name+" of type "+col.Type+" requires")
				}
				v.num = n
				if n.IsInt() && n.Num().IsInt64() {
					v.isInt, v.intVal = true, n.Num().Int64()
				}
			}
			cc.values[i] = v
		}
		cf.conds = append(cf.conds, cc)
	}
	return cf, nil
}

// Match reports whether the row passes. column returns a column's value
// (nil for NULL), of the Go types the engine uses: int64, uint64, float32,
// float64, string (NUMERIC as decimal text), []byte, bool. A column the row
// lacks reads as NULL.
func (f *RowFilter) Match(column func(name string) (any, bool)) bool {
	if f == nil {
		return true
	}
	for _, rule := range f.rules {
		if matchAll(rule, column) {
			return true
		}
	}
	return false
}

func matchAll(filters []compiledFilter, column func(string) (any, bool)) bool {
	for i := range filters {
		cf := &filters[i]
		v, _ := column(cf.column)
		hit := false
		for j := range cf.conds {
			if cf.conds[j].holds(cf.kind, v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// holds evaluates one condition. As in SQL, a comparison with NULL never
// holds; only null does.
func (c *compiledCond) holds(kind compareKind, v any) bool {
	switch c.op {
	case FilterNull:
		return v == nil
	case FilterNotNull:
		return v != nil
	}
	if v == nil {
		return false
	}
	cmp := func(fv *filterValue) (int, bool) { return compareFilter(kind, v, fv) }
	switch c.op {
	case FilterEq, FilterNotEq, FilterGte, FilterLte:
		r, ok := cmp(&c.values[0])
		if !ok {
			return false
		}
		switch c.op {
		case FilterEq:
			return r == 0
		case FilterNotEq:
			return r != 0
		case FilterGte:
			return r >= 0
		}
		return r <= 0
	}
	lo, ok1 := cmp(&c.values[0])
	hi, ok2 := cmp(&c.values[1])
	if !ok1 || !ok2 {
		return false
	}
	in := lo >= 0 && hi <= 0
	return in == (c.op == FilterBetween)
}

// compareFilter compares a row value with a filter value; ok is false when
// the value cannot be compared (a NaN).
func compareFilter(kind compareKind, v any, fv *filterValue) (int, bool) {
	switch kind {
	case compareNumber:
		return compareNumberValue(v, fv)
	case compareBytes:
		if b, ok := v.([]byte); ok {
			return strings.Compare(string(b), fv.text), true
		}
	}
	return strings.Compare(text(storage(v)), fv.text), true
}

func compareNumberValue(v any, fv *filterValue) (int, bool) {
	switch x := v.(type) {
	case int64:
		if fv.isInt {
			return cmpOrdered(x, fv.intVal), true
		}
		return new(big.Rat).SetInt64(x).Cmp(fv.num), true
	case uint64:
		return new(big.Rat).SetUint64(x).Cmp(fv.num), true
	case bool:
		return new(big.Rat).SetInt64(boolValue(x)).Cmp(fv.num), true
	case float32:
		return compareFloat(float64(x), fv)
	case float64:
		return compareFloat(x, fv)
	case string:
		if n, ok := new(big.Rat).SetString(strings.TrimSpace(x)); ok {
			return n.Cmp(fv.num), true
		}
		return 0, false
	}
	return compareFloat(toFloat(storage(v)), fv)
}

func compareFloat(f float64, fv *filterValue) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case math.IsInf(f, 1):
		return 1, true
	case math.IsInf(f, -1):
		return -1, true
	}
	return new(big.Rat).SetFloat64(f).Cmp(fv.num), true
}

// SQL renders the filter as a SQL WHERE condition (without WHERE) for a
// source to push down into its full-load query, quoting identifiers and
// string literals with the source's own functions. Number columns get
// number literals. It returns "" for a nil filter.
func (f *RowFilter) SQL(quoteIdent, quoteString func(string) string) string {
	if f == nil {
		return ""
	}
	rules := make([]string, len(f.rules))
	for i, rule := range f.rules {
		ands := make([]string, len(rule))
		for j, cf := range rule {
			ors := make([]string, len(cf.conds))
			for k, c := range cf.conds {
				ors[k] = c.sql(quoteIdent(cf.column), cf.kind, quoteString)
			}
			ands[j] = "(" + strings.Join(ors, " OR ") + ")"
		}
		rules[i] = strings.Join(ands, " AND ")
	}
	if len(rules) == 1 {
		return rules[0]
	}
	return "(" + strings.Join(rules, ") OR (") + ")"
}

func (c *compiledCond) sql(col string, kind compareKind, quoteString func(string) string) string {
	lit := func(v filterValue) string {
		if kind == compareNumber {
			if v.isInt {
				return strconv.FormatInt(v.intVal, 10)
			}
			return strings.TrimSpace(v.text)
		}
		return quoteString(v.text)
	}
	switch c.op {
	case FilterNull:
		return col + " IS NULL"
	case FilterNotNull:
		return col + " IS NOT NULL"
	case FilterEq:
		return col + " = " + lit(c.values[0])
	case FilterNotEq:
		return col + " <> " + lit(c.values[0])
	case FilterGte:
		return col + " >= " + lit(c.values[0])
	case FilterLte:
		return col + " <= " + lit(c.values[0])
	case FilterBetween:
		return col + " BETWEEN " + lit(c.values[0]) + " AND " + lit(c.values[1])
	}
	return col + " NOT BETWEEN " + lit(c.values[0]) + " AND " + lit(c.values[1])
}
