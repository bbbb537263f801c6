package mapping

import (
	"fmt"
	"slices"
)

// Plan is the compiled transformation of one source table: the target's
// names, columns and primary key, and how to build a target row from a
// source row. It is immutable and safe for concurrent use.
type Plan struct {
	// Schema and Table are the target names.
	Schema string
	Table  string
	// Columns are the target columns in order: the source columns that are
	// kept (renamed, retyped), then the add-column columns in rule order,
	// then the add-before-image-columns columns.
	Columns    []Column
	PrimaryKey []string

	source   *Table
	srcIndex map[string]int
	outs     []output
	identity bool
}

// output says where a target column's value comes from.
type output struct {
	src     int         // source column index, or -1
	expr    *Expression // add-column with an expression
	before  bool        // the before image of source column src
	convert bool        // the value needs converting to the column's type
}

// Identity reports whether the plan changes nothing: same names, columns,
// types and key, so rows pass through untouched.
func (p *Plan) Identity() bool { return p.identity }

// Plan compiles the transformation rules that apply to a source table.
// It fails when the rules produce an invalid table: an empty or
// duplicated column name, an expression or primary key naming a column the
// table lacks.
func (m *TableMappings) Plan(t *Table) (*Plan, error) {
	p := &Plan{Schema: t.Schema, Table: t.Name, source: t, srcIndex: make(map[string]int, len(t.Columns))}
	for i, c := range t.Columns {
		p.srcIndex[c.Name] = i
	}
	var trs []*transformRule
	if m != nil {
		for _, tr := range m.transforms {
			if tr.matchesTable(t.Schema, t.Name) {
				trs = append(trs, tr)
			}
		}
	}
	// first returns the first rule (in precedence order) of a kind that
	// applies to the object, or nil.
	first := func(target string, kind func(string) bool, column string) *Rule {
		for _, tr := range trs {
			r := tr.rule
			if r.RuleTarget != target || !kind(r.RuleAction) || tr.hasColumn && !tr.column.match(column) {
				continue
			}
			return r
		}
		return nil
	}
	is := func(actions ...string) func(string) bool {
		return func(a string) bool { return slices.Contains(actions, a) }
	}
	if r := first(TargetSchema, isNameAction, ""); r != nil {
		p.Schema = rename(r, t.Schema)
	}
	if r := first(TargetTable, isNameAction, ""); r != nil {
		p.Table = rename(r, t.Name)
	}

	includeMode := false
	for _, tr := range trs {
		if tr.rule.RuleAction == ActionIncludeColumn {
			includeMode = true
		}
	}
	targetName := make(map[string]string, len(t.Columns)) // source name → target name, for kept columns
	for i, c := range t.Columns {
		presence := first(TargetColumn, is(ActionRemoveColumn, ActionIncludeColumn), c.Name)
		if presence != nil && presence.RuleAction == ActionRemoveColumn || presence == nil && includeMode {
			continue
		}
		out, o := c, output{src: i}
		if r := first(TargetColumn, isNameAction, c.Name); r != nil {
			out.Name = rename(r, c.Name)
		}
		if r := first(TargetColumn, is(ActionChangeDataType), c.Name); r != nil {
			nc := columnOf(out.Name, r.DataType)
			nc.Nullable = c.Nullable
			out, o.convert = nc, true
		}
		targetName[c.Name] = out.Name
		p.Columns = append(p.Columns, out)
		p.outs = append(p.outs, o)
	}
	for _, tr := range trs {
		r := tr.rule
		if r.RuleAction != ActionAddColumn {
			continue
		}
		if tr.expr != nil {
			for _, name := range tr.expr.Columns() {
				if _, ok := p.srcIndex[name]; !ok {
					return nil, ruleError(r, "expression", fmt.Sprintf("expression references column $%s, which table %s.%s does not have", name, t.Schema, t.Name))
				}
			}
		}
		p.Columns = append(p.Columns, columnOf(r.Value, r.DataType))
		p.outs = append(p.outs, output{src: -1, expr: tr.expr, convert: true})
	}

	pk, err := p.primaryKey(first(TargetTable, is(ActionDefinePrimaryKey), ""), targetName)
	if err != nil {
		return nil, err
	}
	p.PrimaryKey = pk
	p.addBeforeImageColumns(trs, targetName)
	if err := p.checkNames(); err != nil {
		return nil, err
	}
	p.identity = p.Schema == t.Schema && p.Table == t.Name && len(p.Columns) == len(t.Columns) &&
		slices.Equal(p.PrimaryKey, t.PrimaryKey) && !slices.ContainsFunc(p.outs, func(o output) bool { return o.convert || o.src < 0 })
	if p.identity {
		for i, c := range p.Columns {
			if c.Name != t.Columns[i].Name {
				p.identity = false
			}
		}
	}
	return p, nil
}

// primaryKey is the define-primary-key rule's key when there is one (its
// columns named by target name, or by source name), else the source key
// without its removed columns.
func (p *Plan) primaryKey(def *Rule, targetName map[string]string) ([]string, error) {
	if def == nil {
		var pk []string
		for _, c := range p.source.PrimaryKey {
			if n, ok := targetName[c]; ok {
				pk = append(pk, n)
			}
		}
		return pk, nil
	}
	var pk []string
	for _, c := range def.PrimaryKeyDef.Columns {
		switch {
		case slices.ContainsFunc(p.Columns, func(col Column) bool { return col.Name == c }):
			pk = append(pk, c)
		case targetName[c] != "":
			pk = append(pk, targetName[c])
		default:
			return nil, ruleError(def, "primary-key-def.columns", fmt.Sprintf("primary key column %s does not exist in table %s.%s", c, p.source.Schema, p.source.Name))
		}
	}
	return pk, nil
}

func (p *Plan) addBeforeImageColumns(trs []*transformRule, targetName map[string]string) {
	for _, tr := range trs {
		r := tr.rule
		if r.RuleAction != ActionAddBeforeImageColumns {
			continue
		}
		def := BeforeImageDef{ColumnPrefix: "BI_", ColumnFilter: ColumnFilterPKOnly}
		if r.BeforeImageDef != nil {
			def = *r.BeforeImageDef
			if def.ColumnFilter == "" {
				def.ColumnFilter = ColumnFilterPKOnly
			}
		}
		for i, c := range p.source.Columns {
			name, kept := targetName[c.Name]
			if !kept || tr.hasColumn && !tr.column.match(c.Name) {
				continue
			}
			switch def.ColumnFilter {
			case ColumnFilterPKOnly:
				if !slices.Contains(p.source.PrimaryKey, c.Name) {
					continue
				}
			case ColumnFilterNonLOB:
				if isLOB(c.Type) {
					continue
				}
			}
			out := p.Columns[slices.IndexFunc(p.outs, func(o output) bool { return o.src == i && !o.before })]
			out.Name = def.ColumnPrefix + name + def.ColumnSuffix
			out.Nullable = true
			p.Columns = append(p.Columns, out)
			p.outs = append(p.outs, output{src: i, before: true, convert: out.Type != c.Type})
		}
		return // one add-before-image-columns rule per table
	}
}

func isLOB(t string) bool { return t == "CLOB" || t == "NCLOB" || t == "BLOB" }

func (p *Plan) checkNames() error {
	if p.Schema == "" && p.source.Schema != "" || p.Table == "" {
		return &Error{Field: "rules", Message: fmt.Sprintf("Error in mapping rules. Transformations give table %s.%s an empty name", p.source.Schema, p.source.Name)}
	}
	seen := make(map[string]bool, len(p.Columns))
	for _, c := range p.Columns {
		if c.Name == "" || seen[c.Name] {
			return &Error{Field: "rules", Message: fmt.Sprintf("Error in mapping rules. Transformations give table %s.%s two columns named %q", p.source.Schema, p.source.Name, c.Name)}
		}
		seen[c.Name] = true
	}
	return nil
}

// Row builds the target row of a change from its source row (data) and,
// for updates, its before image (before, else nil), both in source column
// order with the Go types Column.Type prescribes. outBefore is the before
// image in target layout (nil when before is nil): its add-column values are
// computed from the before image, its before-image columns are NULL. h
// feeds header references; Row fills its SourceSchema and SourceTable when
// empty.
func (p *Plan) Row(data, before []any, h *Header) (out, outBefore []any, err error) {
	if p.identity {
		return data, before, nil
	}
	hdr := Header{}
	if h != nil {
		hdr = *h
	}
	if hdr.SourceSchema == "" && hdr.SourceTable == "" {
		hdr.SourceSchema, hdr.SourceTable = p.source.Schema, p.source.Name
	}
	if out, err = p.build(data, before, &hdr, false); err != nil {
		return nil, nil, err
	}
	if before != nil {
		if outBefore, err = p.build(before, nil, &hdr, true); err != nil {
			return nil, nil, err
		}
	}
	return out, outBefore, nil
}

func (p *Plan) build(row, before []any, h *Header, isBefore bool) ([]any, error) {
	out := make([]any, len(p.outs))
	for i, o := range p.outs {
		var v any
		switch {
		case o.before:
			if isBefore || before == nil || o.src >= len(before) {
				continue
			}
			v = before[o.src]
		case o.src >= 0:
			if o.src < len(row) {
				v = row[o.src]
			}
		case o.expr != nil:
			r, err := o.expr.root.eval(planEnv{p: p, row: row, h: h})
			if err != nil {
				return nil, fmt.Errorf("column %s of %s.%s: %w", p.Columns[i].Name, p.Schema, p.Table, err)
			}
			v = r
		}
		if o.convert {
			c, err := convertValue(v, p.Columns[i])
			if err != nil {
				return nil, fmt.Errorf("table %s.%s: %w", p.source.Schema, p.source.Name, err)
			}
			v = c
		}
		out[i] = v
	}
	return out, nil
}

// planEnv evaluates expressions over a source row, giving each column the
// affinity of its DMS type (NUMERIC text reads as a number).
type planEnv struct {
	p   *Plan
	row []any
	h   *Header
}

func (e planEnv) column(name string) (any, affinity, bool) {
	i, ok := e.p.srcIndex[name]
	if !ok {
		return nil, affNone, false
	}
	var v any
	if i < len(e.row) {
		v = e.row[i]
	}
	switch kindOf(e.p.source.Columns[i].Type) {
	case compareNumber:
		if s, ok := v.(string); ok {
			// NUMERIC text, read with SQLite's NUMERIC affinity: a whole
			// number becomes an integer ("250.00" is 250).
			if n := numericIfNumber(s); n != any(s) {
				v = cast(n, castNumeric)
			}
		}
		return storage(v), affNumeric, true
	case compareBytes:
		return storage(v), affNone, true
	}
	return storage(v), affText, true
}

func (e planEnv) header() *Header { return e.h }

// ColumnName returns the target name of a source column, and false when
// the transformation removes it or the table has no such column.
func (p *Plan) ColumnName(source string) (string, bool) {
	i, ok := p.srcIndex[source]
	if !ok {
		return "", false
	}
	for j, o := range p.outs {
		if o.src == i && !o.before {
			return p.Columns[j].Name, true
		}
	}
	return "", false
}
