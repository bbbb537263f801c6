package dms

import (
	"fmt"
	"time"
)

// DataType is a DMS data type, the common vocabulary every source maps its
// column types to and every target maps from. The names are AWS DMS's own.
type DataType string

// The DMS data types (AWS DMS User Guide, "Data types for AWS Database
// Migration Service").
const (
	TypeInt1     DataType = "INT1"
	TypeInt2     DataType = "INT2"
	TypeInt4     DataType = "INT4"
	TypeInt8     DataType = "INT8"
	TypeUint1    DataType = "UINT1"
	TypeUint2    DataType = "UINT2"
	TypeUint4    DataType = "UINT4"
	TypeUint8    DataType = "UINT8"
	TypeNumeric  DataType = "NUMERIC"
	TypeReal4    DataType = "REAL4"
	TypeReal8    DataType = "REAL8"
	TypeString   DataType = "STRING"
	TypeWString  DataType = "WSTRING"
	TypeCLOB     DataType = "CLOB"
	TypeNCLOB    DataType = "NCLOB"
	TypeBytes    DataType = "BYTES"
	TypeBLOB     DataType = "BLOB"
	TypeDate     DataType = "DATE"
	TypeTime     DataType = "TIME"
	TypeDateTime DataType = "DATETIME"
	TypeBoolean  DataType = "BOOLEAN"
)

// IsLOB reports whether DMS treats the type as a large object; LOB columns
// never appear in before images.
func (t DataType) IsLOB() bool {
	return t == TypeCLOB || t == TypeNCLOB || t == TypeBLOB
}

// Column is one column of a table definition.
type Column struct {
	Name string
	Type DataType
	// Length is the declared length of STRING, WSTRING and BYTES columns
	// (characters or bytes), 0 when the type has none.
	Length int
	// Precision and Scale describe NUMERIC(p,s); Scale is also the number of
	// fractional second digits of DATETIME and TIME.
	Precision int
	Scale     int
	Nullable  bool
	// SourceType is the column type as the source declares it, such as
	// "varchar(255)" or "int(10) unsigned"; informational.
	SourceType string
}

// TableDef is a table's definition at one point in the source's history.
// A TableDef is immutable once a source has handed it out: a schema change
// produces a new TableDef, so every Change keeps the definition of its own
// time.
type TableDef struct {
	Schema  string
	Table   string
	Columns []Column
	// PrimaryKey holds the names of the primary-key columns in key order.
	PrimaryKey []string
	// Collation is the table's default collation where the source has one.
	Collation string
}

// ID returns the table's schema and name.
func (t *TableDef) ID() TableID { return TableID{Schema: t.Schema, Table: t.Table} }

// ColumnIndex returns the position of the named column, or -1.
func (t *TableDef) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// TableID names a table.
type TableID struct {
	Schema string
	Table  string
}

func (id TableID) String() string { return id.Schema + "." + id.Table }

// Row holds one value per column of its TableDef, in column order.
//
// Values use these Go types, by the column's DataType:
//
//	nil                          NULL (or a value the source did not supply)
//	INT1, INT2, INT4, INT8       int64
//	UINT1, UINT2, UINT4, UINT8   uint64
//	NUMERIC                      string, the exact decimal text ("1500.00")
//	REAL4                        float32
//	REAL8                        float64
//	STRING, WSTRING, CLOB, NCLOB string (UTF-8)
//	BYTES, BLOB                  []byte
//	DATE                         string "2006-01-02"
//	TIME                         string "15:04:05" with the column's fractional digits
//	DATETIME                     string "2006-01-02 15:04:05" with the column's
//	                             fractional digits; zone-less, already in UTC
//	                             for sources whose type is zoned
//	BOOLEAN                      bool
//
// Dates and times stay text because sources allow values time.Time cannot
// hold (MySQL's zero date, TIME beyond 24 hours).
type Row []any

// Operation is the kind of a Change, spelled as DMS spells it in the
// metadata.operation field of its records.
type Operation string

// Data operations.
const (
	OpLoad   Operation = "load"
	OpInsert Operation = "insert"
	OpUpdate Operation = "update"
	OpDelete Operation = "delete"
)

// Control operations.
const (
	OpCreateTable      Operation = "create-table"
	OpDropTable        Operation = "drop-table"
	OpRenameTable      Operation = "rename-table"
	OpAddColumn        Operation = "add-column"
	OpDropColumn       Operation = "drop-column"
	OpRenameColumn     Operation = "rename-column"
	OpColumnTypeChange Operation = "column-type-change"
	OpChangeColumns    Operation = "change-columns"
)

// IsControl reports whether the operation is a control (table-level) event.
func (o Operation) IsControl() bool {
	switch o {
	case OpLoad, OpInsert, OpUpdate, OpDelete:
		return false
	}
	return true
}

// IsDDL reports whether the operation is a schema change captured in CDC.
func (o Operation) IsDDL() bool {
	return o.IsControl() && o != OpCreateTable && o != OpDropTable
}

// Position is a place in a source's change stream. Its text is the
// source's own and is opaque to the engine; a source resumes after any
// Position it handed out. Sources write it in the layout AWS DMS uses for
// the stream-position of its records, so it doubles as that field.
type Position string

// Change is one event of a replication stream: a row change or a control
// event.
type Change struct {
	Op Operation
	// Table is the definition in force for this change: for a schema change,
	// the definition after it.
	Table *TableDef
	// Data is the row of a load, insert or update (after the update), or the
	// deleted row of a delete, as much of it as the source supplies.
	Data Row
	// Before is the row before an update, as much of it as the source
	// supplies; nil for other operations.
	Before Row
	// TransactionID identifies the source transaction of a CDC change; zero
	// for full-load rows and task-level control events.
	TransactionID uint64
	// TransactionRecord is the 1-based index of this change within its
	// transaction.
	TransactionRecord int
	// CommitTime is when the source committed the change's transaction.
	CommitTime time.Time
	// Position is where this change stands in the source stream; empty for
	// full-load rows and for control events the engine makes itself.
	Position Position
	// Statement is the DDL text of a schema change, when the source has it.
	Statement string
	// OldColumn and Column name the column a rename-column or change-columns
	// operation renames, the column an add-column, drop-column or
	// column-type-change touches.
	OldColumn string
	Column    string
}

// Value returns the value of the named column in r, and whether the table has
// that column.
func (t *TableDef) Value(r Row, column string) (any, bool) {
	i := t.ColumnIndex(column)
	if i < 0 || i >= len(r) {
		return nil, false
	}
	return r[i], true
}

// CheckRow verifies that r fits def: one value per column, each of the Go
// type its DataType prescribes. Sources and tests use it to catch a decoder
// that hands out the wrong type.
func CheckRow(def *TableDef, r Row) error {
	if len(r) != len(def.Columns) {
		return fmt.Errorf("row of %s has %d values for %d columns", def.ID(), len(r), len(def.Columns))
	}
	for i, v := range r {
		if v == nil {
			continue
		}
		c := def.Columns[i]
		ok := false
		switch c.Type {
		case TypeInt1, TypeInt2, TypeInt4, TypeInt8:
			_, ok = v.(int64)
		case TypeUint1, TypeUint2, TypeUint4, TypeUint8:
			_, ok = v.(uint64)
		case TypeReal4:
			_, ok = v.(float32)
		case TypeReal8:
			_, ok = v.(float64)
		case TypeBytes, TypeBLOB:
			_, ok = v.([]byte)
		case TypeBoolean:
			_, ok = v.(bool)
		default:
			_, ok = v.(string)
		}
		if !ok {
			return fmt.Errorf("column %s.%s of type %s holds %T", def.ID(), c.Name, c.Type, v)
		}
	}
	return nil
}
