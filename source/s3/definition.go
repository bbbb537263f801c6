package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/minidms/minidms/dms"
)

// DefinitionError is an invalid ExternalTableDefinition. AWS rejects an
// endpoint with one as InvalidParameterValueException; Error returns Message
// unchanged so an API layer can pass it through.
type DefinitionError struct {
	// Table is "owner.name" of the offending table, "" when the error is
	// about the document as a whole.
	Table string
	// Column is the offending column's name, "" when the error is not about
	// one column.
	Column string
	// Message is the whole error message.
	Message string
}

func (e *DefinitionError) Error() string { return e.Message }

// msgDefinition starts every DefinitionError message, in the shape of AWS's
// "Invalid Table Mappings document." errors.
const msgDefinition = "Invalid external table definition document. "

// Limits AWS documents for NUMERIC and for fractional seconds.
const (
	maxPrecision     = 38
	maxNumericScale  = 31
	maxFractionScale = 9
)

// text is a JSON value read as text. The definition's numbers and booleans
// are strings on AWS ("TableCount": "3"); bare JSON numbers and booleans are
// accepted too, so a hand-written document is not rejected for its quotes.
type text struct {
	s   string
	set bool
}

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = text{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text{s: s, set: true}
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9' || b[0] == 't' || b[0] == 'f'):
		*t = text{s: string(b), set: true}
	default:
		return &json.UnmarshalTypeError{Value: "object or array", Type: reflect.TypeFor[string]()}
	}
	return nil
}

type definitionDoc struct {
	TableCount text       `json:"TableCount"`
	Tables     []tableDoc `json:"Tables"`
}

type tableDoc struct {
	TableName         text        `json:"TableName"`
	TablePath         text        `json:"TablePath"`
	TableOwner        text        `json:"TableOwner"`
	TableColumns      []columnDoc `json:"TableColumns"`
	TableColumnsTotal text        `json:"TableColumnsTotal"`
}

type columnDoc struct {
	ColumnName       text `json:"ColumnName"`
	ColumnType       text `json:"ColumnType"`
	ColumnLength     text `json:"ColumnLength"`
	ColumnNullable   text `json:"ColumnNullable"`
	ColumnIsPk       text `json:"ColumnIsPk"`
	ColumnPrecision  text `json:"ColumnPrecision"`
	ColumnScale      text `json:"ColumnScale"`
	ColumnDateFormat text `json:"ColumnDateFormat"`
}

// table is one table of the definition, ready for reading.
type table struct {
	def *dms.TableDef
	// path is TablePath with exactly one trailing slash, so "hr/emp/" does
	// not also match "hr/employee/".
	path string
	cols []column
}

// column is a column with what converting its text needs beyond the
// dms.Column.
type column struct {
	dms.Column
	// layouts are the time layouts a DATE, TIME or DATETIME value is parsed
	// with, tried in order.
	layouts []string
}

// columnType maps a definition's column type to its DMS type. TIMESTAMP
// is listed by older editions of the AWS guide and read as DATETIME.
func columnType(name string) (dms.DataType, bool) {
	switch name {
	case "BYTE":
		return dms.TypeBytes, true
	case "DATETIME", "TIMESTAMP":
		return dms.TypeDateTime, true
	case "DATE", "TIME", "INT1", "INT2", "INT4", "INT8", "UINT1", "UINT2", "UINT4", "UINT8",
		"NUMERIC", "REAL4", "REAL8", "STRING", "BLOB", "CLOB", "BOOLEAN":
		return dms.DataType(name), true
	}
	return "", false
}

// parseDefinition reads and validates an ExternalTableDefinition.
func parseDefinition(doc string) ([]*table, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, &DefinitionError{Message: msgDefinition + "ExternalTableDefinition is required"}
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	var d definitionDoc
	if err := dec.Decode(&d); err != nil {
		return nil, jsonError(err)
	}
	if dec.More() {
		return nil, &DefinitionError{Message: msgDefinition + "Invalid json: unexpected data after the document"}
	}
	if len(d.Tables) == 0 {
		return nil, &DefinitionError{Message: msgDefinition + "Tables must hold at least one table"}
	}
	if d.TableCount.set {
		n, err := strconv.Atoi(strings.TrimSpace(d.TableCount.s))
		if err != nil {
			return nil, &DefinitionError{Message: fmt.Sprintf("%sInvalid TableCount '%s'", msgDefinition, d.TableCount.s)}
		}
		if n != len(d.Tables) {
			return nil, &DefinitionError{Message: fmt.Sprintf("%sTableCount is %d but Tables holds %d tables", msgDefinition, n, len(d.Tables))}
		}
	}
	seen := map[dms.TableID]bool{}
	out := make([]*table, 0, len(d.Tables))
	for i, td := range d.Tables {
		t, err := parseTable(i, td)
		if err != nil {
			return nil, err
		}
		if seen[t.def.ID()] {
			return nil, tableError(t.def, "", "is defined twice")
		}
		seen[t.def.ID()] = true
		out = append(out, t)
	}
	return out, nil
}

func parseTable(i int, td tableDoc) (*table, error) {
	if td.TableName.s == "" {
		return nil, &DefinitionError{Message: fmt.Sprintf("%sTable %d has no TableName", msgDefinition, i+1)}
	}
	if td.TableOwner.s == "" {
		return nil, &DefinitionError{Table: td.TableName.s, Message: fmt.Sprintf("%sTable '%s' has no TableOwner", msgDefinition, td.TableName.s)}
	}
	def := &dms.TableDef{Schema: td.TableOwner.s, Table: td.TableName.s}
	if len(td.TableColumns) == 0 {
		return nil, tableError(def, "", "has no TableColumns")
	}
	if td.TableColumnsTotal.set {
		n, err := strconv.Atoi(strings.TrimSpace(td.TableColumnsTotal.s))
		if err != nil {
			return nil, tableError(def, "", fmt.Sprintf("has invalid TableColumnsTotal '%s'", td.TableColumnsTotal.s))
		}
		if n != len(td.TableColumns) {
			return nil, tableError(def, "", fmt.Sprintf("has TableColumnsTotal %d but %d TableColumns", n, len(td.TableColumns)))
		}
	}
	// The AWS guide's layout is schemaName/tableName/ under the bucket
	// folder; a definition without TablePath gets that.
	path := strings.Trim(td.TablePath.s, "/")
	if path == "" {
		path = def.Schema + "/" + def.Table
	}
	t := &table{def: def, path: path + "/"}
	for j, cd := range td.TableColumns {
		c, pk, err := parseColumn(def, j, cd)
		if err != nil {
			return nil, err
		}
		if def.ColumnIndex(c.Name) >= 0 {
			return nil, tableError(def, c.Name, fmt.Sprintf("has duplicate column '%s'", c.Name))
		}
		def.Columns = append(def.Columns, c.Column)
		t.cols = append(t.cols, c)
		if pk {
			def.PrimaryKey = append(def.PrimaryKey, c.Name)
		}
	}
	return t, nil
}

func parseColumn(def *dms.TableDef, j int, cd columnDoc) (column, bool, error) {
	name := cd.ColumnName.s
	if name == "" {
		return column{}, false, tableError(def, "", fmt.Sprintf("column %d has no ColumnName", j+1))
	}
	fail := func(format string, args ...any) (column, bool, error) {
		return column{}, false, tableError(def, name, fmt.Sprintf("column '%s' ", name)+fmt.Sprintf(format, args...))
	}
	typeName := strings.ToUpper(strings.TrimSpace(cd.ColumnType.s))
	if typeName == "" {
		return fail("has no ColumnType")
	}
	typ, ok := columnType(typeName)
	if !ok {
		return fail("has unsupported ColumnType '%s'", cd.ColumnType.s)
	}
	c := column{Column: dms.Column{Name: name, Type: typ, SourceType: typeName}}

	number := func(field string, v text) (int, error) {
		if !v.set || strings.TrimSpace(v.s) == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v.s))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("has invalid %s '%s'", field, v.s)
		}
		return n, nil
	}
	flag := func(field string, v text) (bool, error) {
		if !v.set || strings.TrimSpace(v.s) == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v.s)))
		if err != nil {
			return false, fmt.Errorf("has invalid %s '%s'", field, v.s)
		}
		return b, nil
	}
	var errs []error
	length, err := number("ColumnLength", cd.ColumnLength)
	errs = append(errs, err)
	precision, err := number("ColumnPrecision", cd.ColumnPrecision)
	errs = append(errs, err)
	scale, err := number("ColumnScale", cd.ColumnScale)
	errs = append(errs, err)
	nullable, err := flag("ColumnNullable", cd.ColumnNullable)
	errs = append(errs, err)
	pk, err := flag("ColumnIsPk", cd.ColumnIsPk)
	errs = append(errs, err)
	for _, err := range errs {
		if err != nil {
			return fail("%s", err.Error())
		}
	}
	c.Nullable = nullable

	switch typ {
	case dms.TypeBytes, dms.TypeString:
		if length == 0 {
			return fail("of type %s requires a ColumnLength greater than 0", typeName)
		}
		c.Length = length
		c.SourceType = fmt.Sprintf("%s(%d)", typeName, length)
	case dms.TypeNumeric:
		switch {
		case precision == 0:
			return fail("of type NUMERIC requires ColumnPrecision")
		case precision > maxPrecision:
			return fail("has ColumnPrecision %d, more than the maximum %d", precision, maxPrecision)
		case scale > maxNumericScale:
			return fail("has ColumnScale %d, more than the maximum %d", scale, maxNumericScale)
		case scale > precision:
			return fail("has ColumnScale %d greater than its ColumnPrecision %d", scale, precision)
		}
		c.Precision, c.Scale = precision, scale
		c.SourceType = fmt.Sprintf("NUMERIC(%d,%d)", precision, scale)
	case dms.TypeDate, dms.TypeTime, dms.TypeDateTime:
		if typ != dms.TypeDate {
			if scale > maxFractionScale {
				return fail("has ColumnScale %d, more than the maximum %d", scale, maxFractionScale)
			}
			c.Scale = scale
		}
		c.layouts = defaultLayouts(typ)
		if f := strings.TrimSpace(cd.ColumnDateFormat.s); f != "" {
			layout, err := dateLayout(f)
			if err != nil {
				return fail("has unsupported ColumnDateFormat '%s'", cd.ColumnDateFormat.s)
			}
			c.layouts = []string{layout}
		}
	}
	return c, pk, nil
}

func tableError(def *dms.TableDef, col, what string) *DefinitionError {
	id := def.ID().String()
	return &DefinitionError{Table: id, Column: col, Message: fmt.Sprintf("%sTable '%s' %s", msgDefinition, id, what)}
}

func jsonError(err error) *DefinitionError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &DefinitionError{Message: fmt.Sprintf("%sInvalid json: unexpected %s at %s", msgDefinition, te.Value, te.Field)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &DefinitionError{Message: fmt.Sprintf("%sInvalid json: %s at offset %d", msgDefinition, se.Error(), se.Offset)}
	}
	return &DefinitionError{Message: msgDefinition + "Invalid json: " + err.Error()}
}

// defaultLayouts are the time layouts values of a type are read with when
// its column has no ColumnDateFormat. Go's parser takes a fractional second
// after the seconds without the layout naming it, so these also read
// ".123456".
func defaultLayouts(typ dms.DataType) []string {
	switch typ {
	case dms.TypeDate:
		return []string{"2006-01-02"}
	case dms.TypeTime:
		return []string{"15:04:05"}
	}
	return []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}
}

// dateLayout translates a ColumnDateFormat such as "MM/dd/YYYY HH:mm:ss[.F]"
// to a Go layout. Letters outside the tokens, and digits (which Go would
// read as layout elements), are refused.
func dateLayout(format string) (string, error) {
	// ColumnDateFormat's Java-style tokens and their Go layout elements.
	dateTokens := [...]struct{ token, layout string }{
		{"[.F]", ""}, // fractional seconds are optional in Go's parser anyway
		{"YYYY", "2006"}, {"yyyy", "2006"}, {"MM", "01"}, {"dd", "02"},
		{"HH", "15"}, {"mm", "04"}, {"ss", "05"},
	}
	var b strings.Builder
next:
	for rest := format; rest != ""; {
		for _, t := range dateTokens {
			if strings.HasPrefix(rest, t.token) {
				b.WriteString(t.layout)
				rest = rest[len(t.token):]
				continue next
			}
		}
		switch c := rest[0]; {
		case c == ' ' || c == '-' || c == '/' || c == ':' || c == '.' || c == 'T':
			b.WriteByte(c)
			rest = rest[1:]
		default:
			return "", fmt.Errorf("unsupported element at %q", rest)
		}
	}
	return b.String(), nil
}
