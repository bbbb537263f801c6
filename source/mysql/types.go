package mysql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/minidms/minidms/dms"
)

// sqlType is a MySQL column type in a form every reader of column types
// produces: information_schema discovery (fromInfoSchema), DDL parsing
// (fromFieldType) and binlog table maps (fromTableMap). mapType turns it into
// the DMS type, so all three paths share one type map.
type sqlType struct {
	// Base is the type name as information_schema.COLUMNS.DATA_TYPE spells
	// it, lower case: "int", "varchar", "longtext", "enum", "json", ...
	Base     string
	Unsigned bool
	// Length is the declared length of CHAR and VARCHAR (characters), of
	// BINARY and VARBINARY (bytes) and the width of BIT (bits).
	Length int
	// Precision and Scale are DECIMAL's; Scale is also the fractional-second
	// digits of DATETIME, TIMESTAMP and TIME.
	Precision int
	Scale     int
	// Elems are the values of ENUM and SET.
	Elems []string
}

// mapped is the DMS side of a column type.
type mapped struct {
	Type      dms.DataType
	Length    int
	Precision int
	Scale     int
}

// mapType is the one MySQL → DMS type map (AWS DMS User Guide, "Source data
// types for MySQL"; see the package doc for the choices).
func mapType(t sqlType) (mapped, error) {
	switch t.Base {
	case "tinyint":
		return intType(t.Unsigned, dms.TypeInt1, dms.TypeUint1), nil
	case "smallint":
		return intType(t.Unsigned, dms.TypeInt2, dms.TypeUint2), nil
	case "mediumint", "int", "integer":
		return intType(t.Unsigned, dms.TypeInt4, dms.TypeUint4), nil
	case "bigint":
		return intType(t.Unsigned, dms.TypeInt8, dms.TypeUint8), nil
	case "decimal", "numeric", "dec", "fixed":
		return mapped{Type: dms.TypeNumeric, Precision: t.Precision, Scale: t.Scale}, nil
	case "float":
		return mapped{Type: dms.TypeReal4}, nil
	case "double", "real", "double precision":
		return mapped{Type: dms.TypeReal8}, nil
	case "bit":
		if t.Length <= 1 {
			return mapped{Type: dms.TypeBoolean}, nil
		}
		return mapped{Type: dms.TypeBytes, Length: (t.Length + 7) / 8}, nil
	case "date":
		return mapped{Type: dms.TypeDate}, nil
	case "datetime", "timestamp":
		return mapped{Type: dms.TypeDateTime, Scale: t.Scale}, nil
	case "time":
		return mapped{Type: dms.TypeTime, Scale: t.Scale}, nil
	case "year":
		return mapped{Type: dms.TypeInt2}, nil
	case "char", "varchar":
		return mapped{Type: dms.TypeWString, Length: t.Length}, nil
	case "tinytext":
		return mapped{Type: dms.TypeWString, Length: 255}, nil
	case "text":
		return mapped{Type: dms.TypeWString, Length: 65535}, nil
	case "mediumtext", "longtext":
		return mapped{Type: dms.TypeNCLOB}, nil
	case "binary", "varbinary":
		return mapped{Type: dms.TypeBytes, Length: t.Length}, nil
	case "tinyblob":
		return mapped{Type: dms.TypeBytes, Length: 255}, nil
	case "blob":
		return mapped{Type: dms.TypeBytes, Length: 65535}, nil
	case "mediumblob", "longblob":
		return mapped{Type: dms.TypeBLOB}, nil
	case "enum", "set":
		return mapped{Type: dms.TypeWString, Length: elemsLength(t.Base, t.Elems)}, nil
	case "json":
		return mapped{Type: dms.TypeCLOB}, nil
	case "geometry", "point", "linestring", "polygon", "multipoint",
		"multilinestring", "multipolygon", "geometrycollection", "geomcollection":
		return mapped{Type: dms.TypeBLOB}, nil
	}
	return mapped{}, fmt.Errorf("unsupported column type %q", t.Base)
}

func intType(unsigned bool, signed, uns dms.DataType) mapped {
	if unsigned {
		return mapped{Type: uns}
	}
	return mapped{Type: signed}
}

// elemsLength is the longest text an ENUM or SET column can hold, in
// characters: the longest value of an ENUM, all values joined by commas for
// a SET (what information_schema reports as CHARACTER_MAXIMUM_LENGTH).
func elemsLength(base string, elems []string) int {
	n := 0
	for _, e := range elems {
		l := utf8.RuneCountInString(e)
		if base == "set" {
			n += l
		} else if l > n {
			n = l
		}
	}
	if base == "set" && len(elems) > 1 {
		n += len(elems) - 1
	}
	return n
}

// String renders the type the way MySQL 8 writes COLUMN_TYPE (without
// integer display widths); used as SourceType where information_schema's own
// text is not at hand.
func (t sqlType) String() string {
	var b strings.Builder
	b.WriteString(t.Base)
	switch t.Base {
	case "decimal":
		fmt.Fprintf(&b, "(%d,%d)", t.Precision, t.Scale)
	case "char", "varchar", "binary", "varbinary", "bit":
		fmt.Fprintf(&b, "(%d)", t.Length)
	case "datetime", "timestamp", "time":
		if t.Scale > 0 {
			fmt.Fprintf(&b, "(%d)", t.Scale)
		}
	case "enum", "set":
		b.WriteByte('(')
		for i, e := range t.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteString(e))
		}
		b.WriteByte(')')
	}
	if t.Unsigned {
		b.WriteString(" unsigned")
	}
	return b.String()
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// normalize clears signedness where MySQL has none (the binlog marks YEAR
// unsigned).
func (t sqlType) normalize() sqlType {
	switch t.Base {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "float", "double":
	default:
		t.Unsigned = false
	}
	return t
}

// isFixedBinary reports whether values of the type are bytes rather than
// text.
func (t sqlType) isFixedBinary() bool { return t.Base == "binary" }

// fromInfoSchema builds the type of one information_schema.COLUMNS row.
func fromInfoSchema(dataType, columnType string, charMaxLen, numPrecision, numScale, dtPrecision int64) (sqlType, error) {
	t := sqlType{
		Base:     strings.ToLower(dataType),
		Unsigned: strings.Contains(strings.ToLower(columnType), " unsigned"),
	}
	switch t.Base {
	case "char", "varchar", "binary", "varbinary":
		t.Length = int(charMaxLen)
	case "bit":
		t.Length = int(numPrecision)
	case "decimal":
		t.Precision, t.Scale = int(numPrecision), int(numScale)
	case "datetime", "timestamp", "time":
		t.Scale = int(dtPrecision)
	case "enum", "set":
		elems, err := parseElems(columnType)
		if err != nil {
			return t, err
		}
		t.Elems = elems
	}
	if _, err := mapType(t); err != nil {
		return t, err
	}
	return t.normalize(), nil
}

// parseElems reads the values out of "enum('a','b”c')" or "set(...)".
func parseElems(columnType string) ([]string, error) {
	open := strings.IndexByte(columnType, '(')
	if open < 0 {
		return nil, fmt.Errorf("no values in %q", columnType)
	}
	s := columnType[open+1:]
	var elems []string
	for {
		if len(s) == 0 || s[0] != '\'' {
			return nil, fmt.Errorf("malformed values in %q", columnType)
		}
		var b strings.Builder
		i := 1
		for {
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated value in %q", columnType)
			}
			c := s[i]
			if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		}
		elems = append(elems, b.String())
		s = s[i:]
		if len(s) == 0 {
			return nil, fmt.Errorf("unterminated values in %q", columnType)
		}
		if s[0] == ')' {
			return elems, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("malformed values in %q", columnType)
		}
		s = s[1:]
	}
}

// colInfo is one column of a tracked table definition.
type colInfo struct {
	Name       string
	Type       sqlType
	Nullable   bool
	SourceType string
}

// column builds the dms.Column of c.
func (c colInfo) column() (dms.Column, error) {
	m, err := mapType(c.Type)
	if err != nil {
		return dms.Column{}, fmt.Errorf("column %s: %w", c.Name, err)
	}
	st := c.SourceType
	if st == "" {
		st = c.Type.String()
	}
	return dms.Column{
		Name:       c.Name,
		Type:       m.Type,
		Length:     m.Length,
		Precision:  m.Precision,
		Scale:      m.Scale,
		Nullable:   c.Nullable,
		SourceType: st,
	}, nil
}

// tableInfo is a table definition as this package tracks it: the source's
// types, from which the dms.TableDef is derived.
type tableInfo struct {
	Schema, Table string
	Cols          []colInfo
	PK            []string
	Collation     string
}

func (t *tableInfo) clone() *tableInfo {
	c := *t
	c.Cols = append([]colInfo(nil), t.Cols...)
	c.PK = append([]string(nil), t.PK...)
	return &c
}

func (t *tableInfo) colIndex(name string) int {
	for i, c := range t.Cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// def builds the dms.TableDef of t.
func (t *tableInfo) def() (*dms.TableDef, error) {
	d := &dms.TableDef{
		Schema:     t.Schema,
		Table:      t.Table,
		Columns:    make([]dms.Column, len(t.Cols)),
		PrimaryKey: append([]string(nil), t.PK...),
		Collation:  t.Collation,
	}
	if len(d.PrimaryKey) == 0 {
		d.PrimaryKey = nil
	}
	for i, c := range t.Cols {
		col, err := c.column()
		if err != nil {
			return nil, fmt.Errorf("table %s.%s: %w", t.Schema, t.Table, err)
		}
		d.Columns[i] = col
	}
	return d, nil
}

// quoteIdent quotes a MySQL identifier.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func quoteTable(schema, table string) string {
	return quoteIdent(schema) + "." + quoteIdent(table)
}

// quoteLiteral quotes a string for use in SQL text.
func quoteLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
