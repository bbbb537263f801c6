package kinesis

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// numericAsString says how NUMERIC values are written: as JSON strings
// holding the exact decimal text ("1500.00"), or as JSON numbers (1500.00).
// AWS's choice is not documented; see the package documentation.
const numericAsString = true

// Kinesis limits.
const (
	maxPartitionKeyChars = 256     // Unicode characters
	maxRecordBytes       = 1 << 20 // data + partition key of one record
	maxRequestBytes      = 5 << 20 // data + partition keys of one PutRecords call
	maxRequestRecords    = 500
)

// Metadata partition-key-type values.
const (
	pkTypeTaskID      = "task-id"
	pkTypePrimaryKey  = "primary-key"
	pkTypeSchemaTable = "schema-table"
)

// TxState is where a task's stream of CDC data records stands: the
// transaction id and record id of the last one written. Encode writes it as
// prev-transaction-id and prev-transaction-record-id of the next record and
// then moves it forward.
type TxState struct {
	TransactionID uint64
	RecordID      int
	// Valid is false until the task has written a CDC data record since it
	// (re)started; the first record after a start has no prev-* fields.
	Valid bool
}

// Encoder turns dms.Changes into Kinesis records in the AWS DMS format. It
// keeps scratch space and a small per-table cache, so it is not safe for
// concurrent use; use one per goroutine.
type Encoder struct {
	pretty        bool
	includeTx     bool
	includePV     bool
	includeCtl    bool
	includeAlter  bool
	includeNull   bool
	noHexPrefix   bool
	largeInt      bool
	withSchemaTbl bool

	w      jsonWriter
	keyBuf []byte
	tables map[*dms.TableDef]*tableInfo
}

// tableInfo is what the encoder derives once per table definition.
type tableInfo struct {
	schemaTable string // "schema.table"
	pk          []int  // primary-key column indexes in key order
	isPK        []bool // by column index
}

// maxCachedTables bounds the per-table cache: every schema change makes a
// new TableDef.
const maxCachedTables = 4096

// NewEncoder returns an encoder for an endpoint with these settings. A
// MessageFormat other than "json-unformatted" means "json".
func NewEncoder(settings types.KinesisSettings) *Encoder {
	on := func(p *bool) bool { return p != nil && *p }
	return &Encoder{
		pretty:        settings.MessageFormat != types.MessageFormatValueJsonUnformatted,
		includeTx:     on(settings.IncludeTransactionDetails),
		includePV:     on(settings.IncludePartitionValue),
		includeCtl:    on(settings.IncludeControlDetails),
		includeAlter:  on(settings.IncludeTableAlterOperations),
		includeNull:   on(settings.IncludeNullAndEmpty),
		noHexPrefix:   on(settings.NoHexPrefix),
		largeInt:      on(settings.UseLargeIntegerValue),
		withSchemaTbl: on(settings.PartitionIncludeSchemaTable),
		tables:        map[*dms.TableDef]*tableInfo{},
	}
}

func (e *Encoder) table(def *dms.TableDef) *tableInfo {
	if ti, ok := e.tables[def]; ok {
		return ti
	}
	if len(e.tables) >= maxCachedTables {
		clear(e.tables)
	}
	ti := &tableInfo{
		schemaTable: def.Schema + "." + def.Table,
		isPK:        make([]bool, len(def.Columns)),
	}
	for _, name := range def.PrimaryKey {
		if i := def.ColumnIndex(name); i >= 0 {
			ti.pk = append(ti.pk, i)
			ti.isPK[i] = true
		}
	}
	e.tables[def] = ti
	return ti
}

// Encode appends the Kinesis record of c to dst and returns the extended
// slice (the record is out[len(dst):]) with the record's partition key. ok
// is false, and dst returned unchanged, when the endpoint settings leave the
// change out (a schema change without IncludeTableAlterOperations).
//
// task gives the task id (control records), settings (before image,
// parallel apply) and object-mapping rules (data records); now is
// metadata.timestamp. tx, when not nil, is the
// task's transaction state: a CDC data record takes its prev-* fields from
// it and then stores its own ids in it.
func (e *Encoder) Encode(dst []byte, task dms.TaskInfo, c *dms.Change, tx *TxState, now time.Time) (out []byte, partitionKey string, ok bool, err error) {
	if c.Table == nil {
		return dst, "", false, fmt.Errorf("%s change without a table definition", c.Op)
	}
	ti := e.table(c.Table)
	w := &e.w
	w.b, w.pretty, w.depth, w.empty = dst, e.pretty, 0, 0

	var pkType, pkValue string
	cdc := false
	switch c.Op {
	case dms.OpLoad, dms.OpInsert, dms.OpUpdate, dms.OpDelete:
		cdc = c.Op != dms.OpLoad
		var om *mapping.ObjectMapping
		if task.ObjectMappings != nil {
			om = task.ObjectMappings.ObjectMapping(c.Table)
		}
		mapped := false
		if om != nil {
			var err error
			if pkType, pkValue, partitionKey, mapped, err = e.mappedPartition(om, ti, c, cdc); err != nil {
				return dst, "", false, err
			}
		}
		if !mapped {
			pkType, pkValue, partitionKey = pkTypeSchemaTable, "", ti.schemaTable
			if (!cdc || parallelApply(task.Settings)) && len(ti.pk) > 0 {
				pkType = pkTypePrimaryKey
				pkValue, partitionKey = e.primaryKey(ti, c.Table, c.Data)
			}
		}
		w.open()
		w.key("data")
		var err error
		if om != nil {
			err = e.mappedRow(om, c.Table, c.Data)
		} else {
			err = e.row(c.Table, ti, c.Data, false, false)
		}
		if err != nil {
			return dst, "", false, err
		}
		if bi := beforeImage(task.Settings); bi != nil && c.Op == dms.OpUpdate {
			w.name(bi.FieldName)
			if err := e.row(c.Table, ti, c.Before, true, bi.ColumnFilter == mapping.ColumnFilterPKOnly || bi.ColumnFilter == ""); err != nil {
				return dst, "", false, err
			}
		}
	case dms.OpCreateTable, dms.OpDropTable,
		dms.OpRenameTable, dms.OpAddColumn, dms.OpDropColumn, dms.OpRenameColumn, dms.OpColumnTypeChange, dms.OpChangeColumns:
		if c.Op.IsDDL() && !e.includeAlter {
			return dst, "", false, nil
		}
		pkType, pkValue = pkTypeTaskID, task.ID
		partitionKey = task.ID + "." + ti.schemaTable
		w.open()
		if e.includeCtl {
			w.key("control")
			w.open()
			if c.Op != dms.OpDropTable {
				w.key("table-def")
				e.tableDef(c.Table)
			}
			w.close()
		}
	default:
		return dst, "", false, fmt.Errorf("unknown operation %q on %s", c.Op, c.Table.ID())
	}

	w.key("metadata")
	w.open()
	w.key("timestamp")
	w.b = appendTimestamp(w.b, now)
	w.key("record-type")
	if c.Op.IsControl() {
		w.str("control")
	} else {
		w.str("data")
	}
	w.key("operation")
	w.str(string(c.Op))
	w.key("partition-key-type")
	w.str(pkType)
	if e.includePV && pkType != pkTypeSchemaTable {
		w.key("partition-key-value")
		w.str(pkValue)
	}
	w.key("schema-name")
	w.str(c.Table.Schema)
	w.key("table-name")
	w.str(c.Table.Table)
	if cdc {
		w.key("transaction-id")
		w.b = strconv.AppendUint(w.b, c.TransactionID, 10)
		if e.includeTx {
			w.key("transaction-record-id")
			w.b = strconv.AppendInt(w.b, int64(c.TransactionRecord), 10)
			if tx != nil && tx.Valid {
				w.key("prev-transaction-id")
				w.b = strconv.AppendUint(w.b, tx.TransactionID, 10)
				w.key("prev-transaction-record-id")
				w.b = strconv.AppendInt(w.b, int64(tx.RecordID), 10)
			}
			w.key("commit-timestamp")
			w.b = appendTimestamp(w.b, c.CommitTime)
			w.key("stream-position")
			w.str(string(c.Position))
		}
		if tx != nil {
			*tx = TxState{TransactionID: c.TransactionID, RecordID: c.TransactionRecord, Valid: true}
		}
	}
	w.close()
	w.close()
	if !e.pretty {
		w.b = append(w.b, '\n')
	}
	out = w.b
	w.b = nil
	return out, partitionKey, true, nil
}

func beforeImage(s *mapping.TaskSettings) *mapping.BeforeImageSettings {
	if s == nil || s.BeforeImageSettings == nil || !s.BeforeImageSettings.EnableBeforeImage {
		return nil
	}
	return s.BeforeImageSettings
}

func parallelApply(s *mapping.TaskSettings) bool {
	return s != nil && s.TargetMetadata.ParallelApplyThreads > 0
}

// row writes r as an object. A before image leaves out LOB columns, and all
// but the key columns when pkOnly; a nil before image (the source supplied
// none) is an empty object.
func (e *Encoder) row(def *dms.TableDef, ti *tableInfo, r dms.Row, before, pkOnly bool) error {
	w := &e.w
	w.open()
	if r != nil {
		for i := range def.Columns {
			col := &def.Columns[i]
			if before && (col.Type.IsLOB() || pkOnly && !ti.isPK[i]) {
				continue
			}
			var v any
			if i < len(r) {
				v = r[i]
			}
			if !e.includeNull && isNullOrEmpty(v) {
				continue
			}
			w.name(col.Name)
			if err := e.value(col, v); err != nil {
				return fmt.Errorf("table %s: %w", def.ID(), err)
			}
		}
	}
	w.close()
	return nil
}

func isNullOrEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []byte:
		return len(x) == 0
	}
	return false
}

var errValueType = errors.New("value of unexpected Go type")

// value writes one column value.
func (e *Encoder) value(col *dms.Column, v any) error {
	w := &e.w
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case int64:
		if col.Type == dms.TypeInt8 && !e.largeInt {
			w.number(float64(x))
		} else {
			w.b = strconv.AppendInt(w.b, x, 10)
		}
	case uint64:
		if col.Type == dms.TypeUint8 && !e.largeInt {
			w.number(float64(x))
		} else {
			w.b = strconv.AppendUint(w.b, x, 10)
		}
	case float32:
		w.number(float64(x))
	case float64:
		w.number(x)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case []byte:
		w.b = append(w.b, '"')
		w.b = e.appendHex(w.b, x)
		w.b = append(w.b, '"')
	case string:
		switch col.Type {
		case dms.TypeNumeric:
			if numericAsString || !isJSONNumber(x) {
				w.str(x)
			} else {
				w.b = append(w.b, x...)
			}
		case dms.TypeDateTime:
			w.b = append(w.b, '"')
			w.b = appendDateTime(w.b, x)
			w.b = append(w.b, '"')
		default:
			w.str(x)
		}
	default:
		return fmt.Errorf("column %s of type %s: %w %T", col.Name, col.Type, errValueType, v)
	}
	return nil
}

const upperHex = "0123456789ABCDEF"

// appendHex appends p as upper-case hexadecimal digits, "0x" first unless
// NoHexPrefix.
func (e *Encoder) appendHex(b []byte, p []byte) []byte {
	if !e.noHexPrefix {
		b = append(b, '0', 'x')
	}
	for _, c := range p {
		b = append(b, upperHex[c>>4], upperHex[c&0xf])
	}
	return b
}

// appendDateTime appends a DATETIME value "2006-01-02 15:04:05[.ffffff]" as
// "2006-01-02T15:04:05[.ffffff]Z", escaped, without quotes.
func appendDateTime(b []byte, s string) []byte {
	if len(s) > 10 && s[10] == ' ' {
		b = appendStringBody(b, s[:10])
		b = append(b, 'T')
		b = appendStringBody(b, s[11:])
	} else {
		b = appendStringBody(b, s)
	}
	if len(s) == 0 || s[len(s)-1] != 'Z' {
		b = append(b, 'Z')
	}
	return b
}

func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && s[0] != '+' && s[0] != '.' && s[len(s)-1] != '.'
}

// primaryKey returns the partition-key-value and the Kinesis partition key
// of a row partitioned by primary key: the key values joined by "." in key
// order, "schema.table." first with PartitionIncludeSchemaTable.
func (e *Encoder) primaryKey(ti *tableInfo, def *dms.TableDef, r dms.Row) (value, key string) {
	b := e.keyBuf[:0]
	if e.withSchemaTbl {
		b = append(b, ti.schemaTable...)
		b = append(b, '.')
	}
	for n, i := range ti.pk {
		if n > 0 {
			b = append(b, '.')
		}
		var v any
		if i < len(r) {
			v = r[i]
		}
		b = e.appendKeyPart(b, def.Columns[i].Type, v)
	}
	e.keyBuf = b
	value = string(b)
	return value, kinesisKey(value, ti.schemaTable)
}

// appendKeyPart appends the text of one key value: numbers in decimal,
// text as is, DATETIME and binary as in data, NULL as nothing.
func (e *Encoder) appendKeyPart(b []byte, t dms.DataType, v any) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float32:
		return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case []byte:
		return e.appendHex(b, x)
	case string:
		if t == dms.TypeDateTime && len(x) > 10 && x[10] == ' ' {
			b = append(b, x[:10]...)
			b = append(b, 'T')
			b = append(b, x[11:]...)
			return append(b, 'Z')
		}
		return append(b, x...)
	}
	return b
}

// kinesisKey fits a partition key to Kinesis: at most 256 characters, not
// empty (an empty key falls back to "schema.table").
func kinesisKey(k, fallback string) string {
	if k == "" {
		return fallback
	}
	if len(k) <= maxPartitionKeyChars {
		return k
	}
	n := 0
	for i := range k {
		if n == maxPartitionKeyChars {
			return k[:i]
		}
		n++
	}
	return k
}

// tableDef writes control.table-def.
func (e *Encoder) tableDef(def *dms.TableDef) {
	w := &e.w
	w.open()
	w.key("columns")
	w.open()
	for i := range def.Columns {
		col := &def.Columns[i]
		w.name(col.Name)
		w.open()
		w.key("type")
		w.str(typeName(col.Type))
		switch col.Type {
		case dms.TypeString, dms.TypeWString, dms.TypeBytes:
			if col.Length > 0 {
				w.key("length")
				w.b = strconv.AppendInt(w.b, int64(col.Length), 10)
			}
		case dms.TypeNumeric:
			w.key("precision")
			w.b = strconv.AppendInt(w.b, int64(col.Precision), 10)
			w.key("scale")
			w.b = strconv.AppendInt(w.b, int64(col.Scale), 10)
		}
		w.key("nullable")
		w.b = strconv.AppendBool(w.b, col.Nullable)
		w.close()
	}
	w.close()
	if len(def.PrimaryKey) > 0 {
		w.key("primary-key")
		w.strArray(def.PrimaryKey)
	}
	if def.Collation != "" {
		w.key("collation-name")
		w.str(def.Collation)
	}
	w.close()
}

// typeName is the name DMS prints for a type in control.table-def.
func typeName(t dms.DataType) string {
	switch t {
	case dms.TypeInt1:
		return "INT8"
	case dms.TypeInt2:
		return "INT16"
	case dms.TypeInt4:
		return "INT32"
	case dms.TypeInt8:
		return "INT64"
	case dms.TypeUint1:
		return "UINT8"
	case dms.TypeUint2:
		return "UINT16"
	case dms.TypeUint4:
		return "UINT32"
	case dms.TypeUint8:
		return "UINT64"
	case dms.TypeDateTime:
		return "TIMESTAMP"
	case dms.TypeCLOB, dms.TypeNCLOB:
		return "STRING"
	case dms.TypeBLOB:
		return "BYTES"
	}
	return string(t)
}
