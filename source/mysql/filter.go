package mysql

import (
	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// loadFilter renders the source filter the selector has for a table as the
// WHERE condition of its full-load SELECT, "" when there is none.
//
// The engine compares text, dates and times as text and binary values byte
// by byte, and evaluates every loaded row again; the server compares
// strings by the column's collation ('Ab' >= 'a' holds in
// utf8mb4_general_ci, not byte-wise) and dates as dates. So that the server
// never drops a row the engine would keep, such columns are compared as the
// bytes of their utf8mb4 text, which is what the engine sees; numbers
// compare as numbers on both sides. The price is that an index on a text
// column does not serve the filter.
func loadFilter(fs dms.FilterSelector, def *dms.TableDef) (string, error) {
	f, err := fs.Filter(mappingTable(def))
	if err != nil || f == nil {
		return "", err
	}
	return f.SQL(func(column string) string { return filterOperand(def, column) }, quoteLiteral), nil
}

// filterOperand is the column as the filter's comparisons see it.
func filterOperand(def *dms.TableDef, column string) string {
	q := quoteIdent(column)
	i := def.ColumnIndex(column)
	if i < 0 {
		return q // Filter has checked that the column exists
	}
	switch def.Columns[i].Type {
	case dms.TypeInt1, dms.TypeInt2, dms.TypeInt4, dms.TypeInt8, dms.TypeUint1, dms.TypeUint2, dms.TypeUint4, dms.TypeUint8,
		dms.TypeNumeric, dms.TypeReal4, dms.TypeReal8, dms.TypeBoolean:
		return q
	case dms.TypeBytes, dms.TypeBLOB:
		return "CAST(" + q + " AS BINARY)"
	}
	return "CAST(CONVERT(" + q + " USING utf8mb4) AS BINARY)"
}

// mappingTable describes a table to the mapping package.
func mappingTable(def *dms.TableDef) *mapping.Table {
	t := &mapping.Table{Schema: def.Schema, Name: def.Table, PrimaryKey: def.PrimaryKey, Columns: make([]mapping.Column, len(def.Columns))}
	for i, c := range def.Columns {
		t.Columns[i] = mapping.Column{Name: c.Name, Type: string(c.Type), Length: c.Length, Precision: c.Precision, Scale: c.Scale, Nullable: c.Nullable}
	}
	return t
}
