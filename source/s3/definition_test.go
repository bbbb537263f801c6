package s3_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/s3"
)

// stubClient satisfies s3.API for tests that do no I/O.
type stubClient struct{ s3.API }

func newWithDefinition(def string) (*s3.Source, error) {
	return s3.New(s3.Config{Client: stubClient{}, BucketName: "bucket", ExternalTableDefinition: def})
}

func TestDefinitionErrors(t *testing.T) {
	const p = "Invalid external table definition document. "
	// one wraps a column list in a one-table document of hr.t.
	one := func(columns string) string {
		return `{"TableCount":"1","Tables":[{"TableName":"t","TablePath":"hr/t/","TableOwner":"hr","TableColumns":[` + columns + `]}]}`
	}
	tests := []struct {
		name, doc, want string
		table, column   string
	}{
		{"empty document", "  ", p + "ExternalTableDefinition is required", "", ""},
		{"bad json", `{"TableCount": }`, p + "Invalid json: invalid character '}' looking for beginning of value at offset 16", "", ""},
		{"truncated json", `{"TableCount": "1"`, p + "Invalid json: unexpected EOF", "", ""},
		{"trailing data", `{"Tables":[]} {}`, p + "Invalid json: unexpected data after the document", "", ""},
		{"tables not an array", `{"Tables":{}}`, p + "Invalid json: unexpected object at Tables", "", ""},
		{"column name an object", one(`{"ColumnName":{},"ColumnType":"INT4"}`), p + "Invalid json: unexpected object or array at Tables.TableColumns.ColumnName", "", ""},
		{"no tables", `{"TableCount":"0","Tables":[]}`, p + "Tables must hold at least one table", "", ""},
		{"table count mismatch", `{"TableCount":"2","Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`, p + "TableCount is 2 but Tables holds 1 tables", "", ""},
		{"table count not a number", `{"TableCount":"one","Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`, p + "Invalid TableCount 'one'", "", ""},
		{"no table name", `{"Tables":[{"TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`, p + "Table 1 has no TableName", "", ""},
		{"no table owner", `{"Tables":[{"TableName":"t","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`, p + "Table 't' has no TableOwner", "t", ""},
		{"no columns", `{"Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[]}]}`, p + "Table 'hr.t' has no TableColumns", "hr.t", ""},
		{"columns total mismatch", `{"Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}],"TableColumnsTotal":"2"}]}`, p + "Table 'hr.t' has TableColumnsTotal 2 but 1 TableColumns", "hr.t", ""},
		{"columns total not a number", `{"Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}],"TableColumnsTotal":"x"}]}`, p + "Table 'hr.t' has invalid TableColumnsTotal 'x'", "hr.t", ""},
		{"duplicate table", `{"Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]},{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`, p + "Table 'hr.t' is defined twice", "hr.t", ""},
		{"no column name", one(`{"ColumnType":"INT4"}`), p + "Table 'hr.t' column 1 has no ColumnName", "hr.t", ""},
		{"duplicate column", one(`{"ColumnName":"a","ColumnType":"INT4"},{"ColumnName":"a","ColumnType":"INT8"}`), p + "Table 'hr.t' has duplicate column 'a'", "hr.t", "a"},
		{"no column type", one(`{"ColumnName":"a"}`), p + "Table 'hr.t' column 'a' has no ColumnType", "hr.t", "a"},
		{"unknown column type", one(`{"ColumnName":"a","ColumnType":"VARCHAR"}`), p + "Table 'hr.t' column 'a' has unsupported ColumnType 'VARCHAR'", "hr.t", "a"},
		{"string without length", one(`{"ColumnName":"a","ColumnType":"STRING"}`), p + "Table 'hr.t' column 'a' of type STRING requires a ColumnLength greater than 0", "hr.t", "a"},
		{"byte without length", one(`{"ColumnName":"a","ColumnType":"BYTE","ColumnLength":"0"}`), p + "Table 'hr.t' column 'a' of type BYTE requires a ColumnLength greater than 0", "hr.t", "a"},
		{"length not a number", one(`{"ColumnName":"a","ColumnType":"STRING","ColumnLength":"ten"}`), p + "Table 'hr.t' column 'a' has invalid ColumnLength 'ten'", "hr.t", "a"},
		{"negative length", one(`{"ColumnName":"a","ColumnType":"STRING","ColumnLength":"-1"}`), p + "Table 'hr.t' column 'a' has invalid ColumnLength '-1'", "hr.t", "a"},
		{"numeric without precision", one(`{"ColumnName":"a","ColumnType":"NUMERIC"}`), p + "Table 'hr.t' column 'a' of type NUMERIC requires ColumnPrecision", "hr.t", "a"},
		{"numeric precision above 38", one(`{"ColumnName":"a","ColumnType":"NUMERIC","ColumnPrecision":"39"}`), p + "Table 'hr.t' column 'a' has ColumnPrecision 39, more than the maximum 38", "hr.t", "a"},
		{"numeric scale above 31", one(`{"ColumnName":"a","ColumnType":"NUMERIC","ColumnPrecision":"38","ColumnScale":"32"}`), p + "Table 'hr.t' column 'a' has ColumnScale 32, more than the maximum 31", "hr.t", "a"},
		{"numeric scale above precision", one(`{"ColumnName":"a","ColumnType":"NUMERIC","ColumnPrecision":"4","ColumnScale":"5"}`), p + "Table 'hr.t' column 'a' has ColumnScale 5 greater than its ColumnPrecision 4", "hr.t", "a"},
		{"datetime scale above 9", one(`{"ColumnName":"a","ColumnType":"DATETIME","ColumnScale":"10"}`), p + "Table 'hr.t' column 'a' has ColumnScale 10, more than the maximum 9", "hr.t", "a"},
		{"time scale above 9", one(`{"ColumnName":"a","ColumnType":"TIME","ColumnScale":"12"}`), p + "Table 'hr.t' column 'a' has ColumnScale 12, more than the maximum 9", "hr.t", "a"},
		{"bad nullable", one(`{"ColumnName":"a","ColumnType":"INT4","ColumnNullable":"maybe"}`), p + "Table 'hr.t' column 'a' has invalid ColumnNullable 'maybe'", "hr.t", "a"},
		{"bad is-pk", one(`{"ColumnName":"a","ColumnType":"INT4","ColumnIsPk":"yes"}`), p + "Table 'hr.t' column 'a' has invalid ColumnIsPk 'yes'", "hr.t", "a"},
		{"bad date format", one(`{"ColumnName":"a","ColumnType":"DATE","ColumnDateFormat":"dd-MON-yy"}`), p + "Table 'hr.t' column 'a' has unsupported ColumnDateFormat 'dd-MON-yy'", "hr.t", "a"},
		{"digits in date format", one(`{"ColumnName":"a","ColumnType":"DATE","ColumnDateFormat":"YYYY-MM-01"}`), p + "Table 'hr.t' column 'a' has unsupported ColumnDateFormat 'YYYY-MM-01'", "hr.t", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newWithDefinition(tt.doc)
			require.EqualError(t, err, tt.want)
			var de *s3.DefinitionError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.table, de.Table)
			require.Equal(t, tt.column, de.Column)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	def := `{"Tables":[{"TableName":"t","TableOwner":"hr","TableColumns":[{"ColumnName":"a","ColumnType":"INT4"}]}]}`
	no := false
	tests := []struct {
		name string
		cfg  s3.Config
		want string
	}{
		{"no client", s3.Config{BucketName: "b", ExternalTableDefinition: def}, "s3 source: Client is nil"},
		{"no bucket", s3.Config{Client: stubClient{}, ExternalTableDefinition: def}, "s3 source: BucketName is required"},
		{"header rows 2", s3.Config{Client: stubClient{}, BucketName: "b", ExternalTableDefinition: def, IgnoreHeaderRows: 2}, "s3 source: IgnoreHeaderRows is 2, must be 0 or 1"},
		{"negative poll", s3.Config{Client: stubClient{}, BucketName: "b", ExternalTableDefinition: def, PollInterval: -1}, "s3 source: PollInterval -1ns is negative"},
		{"same delimiters", s3.Config{Client: stubClient{}, BucketName: "b", ExternalTableDefinition: def, CsvDelimiter: `\n`}, `s3 source: CsvDelimiter and CsvRowDelimiter are both "\n"`},
		{"quote delimiter", s3.Config{Client: stubClient{}, BucketName: "b", ExternalTableDefinition: def, CsvDelimiter: `"`}, `s3 source: with Rfc4180 a delimiter cannot contain a double quote`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3.New(tt.cfg)
			require.EqualError(t, err, tt.want)
		})
	}
	// Without Rfc4180 a quote is an ordinary character, delimiters included.
	_, err := s3.New(s3.Config{Client: stubClient{}, BucketName: "b", ExternalTableDefinition: def, CsvDelimiter: `"`, Rfc4180: &no})
	require.NoError(t, err)
}

// TestDefinitionTables checks every column type's DMS type, lengths,
// precision, scale, nullability and the primary key.
func TestDefinitionTables(t *testing.T) {
	doc := `{
		"TableCount": 2,
		"Tables": [
			{"TableName": "all_types", "TablePath": "/x/all/", "TableOwner": "s",
			 "TableColumnsTotal": "21",
			 "TableColumns": [
				{"ColumnName": "id", "ColumnType": "INT8", "ColumnIsPk": "true"},
				{"ColumnName": "k2", "ColumnType": "int4", "ColumnIsPk": true, "ColumnNullable": "TRUE"},
				{"ColumnName": "by", "ColumnType": "BYTE", "ColumnLength": "16", "ColumnNullable": "true"},
				{"ColumnName": "d", "ColumnType": "DATE"},
				{"ColumnName": "tm", "ColumnType": "TIME", "ColumnScale": "3"},
				{"ColumnName": "dt", "ColumnType": "DATETIME", "ColumnScale": 6},
				{"ColumnName": "ts", "ColumnType": "TIMESTAMP"},
				{"ColumnName": "i1", "ColumnType": "INT1"},
				{"ColumnName": "i2", "ColumnType": "INT2"},
				{"ColumnName": "u1", "ColumnType": "UINT1"},
				{"ColumnName": "u2", "ColumnType": "UINT2"},
				{"ColumnName": "u4", "ColumnType": "UINT4"},
				{"ColumnName": "u8", "ColumnType": "UINT8"},
				{"ColumnName": "n", "ColumnType": "NUMERIC", "ColumnPrecision": "10", "ColumnScale": "2"},
				{"ColumnName": "n0", "ColumnType": "NUMERIC", "ColumnPrecision": "38"},
				{"ColumnName": "r4", "ColumnType": "REAL4"},
				{"ColumnName": "r8", "ColumnType": "REAL8"},
				{"ColumnName": "s", "ColumnType": "STRING", "ColumnLength": "20"},
				{"ColumnName": "b", "ColumnType": "BLOB"},
				{"ColumnName": "c", "ColumnType": "CLOB"},
				{"ColumnName": "ok", "ColumnType": "BOOLEAN", "Ignored": "unknown keys are ignored"}
			 ]},
			{"TableName": "nopath", "TableOwner": "s", "TableColumns": [{"ColumnName": "a", "ColumnType": "INT4"}]}
		]
	}`
	src, err := newWithDefinition(doc)
	require.NoError(t, err)
	tables, err := src.Tables(t.Context(), mapping.SelectAll())
	require.NoError(t, err)
	require.Len(t, tables, 2)
	require.Equal(t, &dms.TableDef{
		Schema: "s", Table: "all_types",
		Columns: []dms.Column{
			{Name: "id", Type: dms.TypeInt8, SourceType: "INT8"},
			{Name: "k2", Type: dms.TypeInt4, Nullable: true, SourceType: "INT4"},
			{Name: "by", Type: dms.TypeBytes, Length: 16, Nullable: true, SourceType: "BYTE(16)"},
			{Name: "d", Type: dms.TypeDate, SourceType: "DATE"},
			{Name: "tm", Type: dms.TypeTime, Scale: 3, SourceType: "TIME"},
			{Name: "dt", Type: dms.TypeDateTime, Scale: 6, SourceType: "DATETIME"},
			{Name: "ts", Type: dms.TypeDateTime, SourceType: "TIMESTAMP"},
			{Name: "i1", Type: dms.TypeInt1, SourceType: "INT1"},
			{Name: "i2", Type: dms.TypeInt2, SourceType: "INT2"},
			{Name: "u1", Type: dms.TypeUint1, SourceType: "UINT1"},
			{Name: "u2", Type: dms.TypeUint2, SourceType: "UINT2"},
			{Name: "u4", Type: dms.TypeUint4, SourceType: "UINT4"},
			{Name: "u8", Type: dms.TypeUint8, SourceType: "UINT8"},
			{Name: "n", Type: dms.TypeNumeric, Precision: 10, Scale: 2, SourceType: "NUMERIC(10,2)"},
			{Name: "n0", Type: dms.TypeNumeric, Precision: 38, SourceType: "NUMERIC(38,0)"},
			{Name: "r4", Type: dms.TypeReal4, SourceType: "REAL4"},
			{Name: "r8", Type: dms.TypeReal8, SourceType: "REAL8"},
			{Name: "s", Type: dms.TypeString, Length: 20, SourceType: "STRING(20)"},
			{Name: "b", Type: dms.TypeBLOB, SourceType: "BLOB"},
			{Name: "c", Type: dms.TypeCLOB, SourceType: "CLOB"},
			{Name: "ok", Type: dms.TypeBoolean, SourceType: "BOOLEAN"},
		},
		PrimaryKey: []string{"id", "k2"},
	}, tables[0])
	require.Equal(t, "s.nopath", tables[1].ID().String())

	// The selector filters.
	only, err := src.Tables(t.Context(), tableSel{"s", "nopath"})
	require.NoError(t, err)
	require.Len(t, only, 1)
	require.Equal(t, "nopath", only[0].Table)
}

// tableSel selects one table.
type tableSel struct{ schema, table string }

func (s tableSel) Selected(schema, table string) bool { return schema == s.schema && table == s.table }
