package kinesis

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
)

// TestEncodeValues checks the JSON of every DMS type, one column "v" at a
// time; want is the record's data object.
func TestEncodeValues(t *testing.T) {
	tests := []struct {
		name  string
		typ   dms.DataType
		value any
		flags []string
		want  string
	}{
		{"INT1", dms.TypeInt1, int64(-128), nil, `{"v":-128}`},
		{"INT2", dms.TypeInt2, int64(32767), nil, `{"v":32767}`},
		{"INT4 min", dms.TypeInt4, int64(math.MinInt32), nil, `{"v":-2147483648}`},
		{"INT4 zero is not empty", dms.TypeInt4, int64(0), nil, `{"v":0}`},
		{"INT8 small", dms.TypeInt8, int64(42), nil, `{"v":42}`},
		{"INT8 15 digits", dms.TypeInt8, int64(123456789012345), nil, `{"v":123456789012345}`},
		{"INT8 16 digits", dms.TypeInt8, int64(1234567890123456), nil, `{"v":1234567890123456}`},
		{"INT8 16 digits, trailing zeros", dms.TypeInt8, int64(1000000000000000), nil, `{"v":1e+15}`},
		{"INT8 16 digits, trailing zeros, large integers", dms.TypeInt8, int64(1000000000000000), []string{"large"}, `{"v":1000000000000000}`},
		{"INT8 beyond 2^53", dms.TypeInt8, int64(9007199254740993), nil, `{"v":9.00719925474099e+15}`},
		{"INT8 beyond 2^53, large integers", dms.TypeInt8, int64(9007199254740993), []string{"large"}, `{"v":9007199254740993}`},
		{"INT8 17 digits", dms.TypeInt8, int64(12345678901234567), nil, `{"v":12345678901234568}`},
		{"INT8 19 digits", dms.TypeInt8, int64(1234567890123456789), nil, `{"v":1.2345678901234568e+18}`},
		{"INT8 19 digits, large integers", dms.TypeInt8, int64(1234567890123456789), []string{"large"}, `{"v":1234567890123456789}`},
		{"INT8 min", dms.TypeInt8, int64(math.MinInt64), nil, `{"v":-9.2233720368547758e+18}`},
		{"INT8 min, large integers", dms.TypeInt8, int64(math.MinInt64), []string{"large"}, `{"v":-9223372036854775808}`},
		{"UINT1", dms.TypeUint1, uint64(255), nil, `{"v":255}`},
		{"UINT2", dms.TypeUint2, uint64(65535), nil, `{"v":65535}`},
		{"UINT4", dms.TypeUint4, uint64(4294967295), nil, `{"v":4294967295}`},
		{"UINT8", dms.TypeUint8, uint64(math.MaxUint64), nil, `{"v":1.8446744073709552e+19}`},
		{"UINT8, large integers", dms.TypeUint8, uint64(math.MaxUint64), []string{"large"}, `{"v":18446744073709551615}`},
		{"REAL4 not normalised", dms.TypeReal4, float32(1.70), nil, `{"v":1.7000000476837158}`},
		{"REAL4 0.3", dms.TypeReal4, float32(0.3), nil, `{"v":0.300000011920929}`},
		{"REAL4 exact", dms.TypeReal4, float32(2.5), nil, `{"v":2.5}`},
		{"REAL8", dms.TypeReal8, 60.5, nil, `{"v":60.5}`},
		{"REAL8 0.1", dms.TypeReal8, 0.1, nil, `{"v":0.1}`},
		{"REAL8 integral", dms.TypeReal8, 100.0, nil, `{"v":100}`},
		{"REAL8 negative zero", dms.TypeReal8, math.Copysign(0, -1), nil, `{"v":0}`},
		{"REAL8 one third", dms.TypeReal8, 1.0 / 3, nil, `{"v":0.33333333333333331}`},
		{"REAL8 within one epsilon of 15 digits", dms.TypeReal8, 0.7999999999999999, nil, `{"v":0.8}`},
		{"REAL8 large", dms.TypeReal8, 1e21, nil, `{"v":1e+21}`},
		{"REAL8 small", dms.TypeReal8, 1e-7, nil, `{"v":1e-07}`},
		{"REAL8 beyond int", dms.TypeReal8, 4294967296.5, nil, `{"v":4294967296.5}`},
		{"REAL8 max", dms.TypeReal8, math.MaxFloat64, nil, `{"v":1.79769313486232e+308}`},
		{"REAL8 smallest", dms.TypeReal8, math.SmallestNonzeroFloat64, nil, `{"v":4.94065645841247e-324}`},
		{"REAL8 0.1+0.2 within one epsilon", dms.TypeReal8, 0.30000000000000004, nil, `{"v":0.3}`},
		{"REAL8 NaN", dms.TypeReal8, math.NaN(), nil, `{"v":null}`},
		{"REAL8 infinity", dms.TypeReal8, math.Inf(-1), nil, `{"v":null}`},
		{"NUMERIC", dms.TypeNumeric, "1500.00", nil, `{"v":"1500.00"}`},
		{"NUMERIC negative", dms.TypeNumeric, "-0.000001", nil, `{"v":"-0.000001"}`},
		{"NUMERIC 38 digits", dms.TypeNumeric, "12345678901234567890123456789012345678", nil, `{"v":"12345678901234567890123456789012345678"}`},
		{"STRING", dms.TypeString, "hello", nil, `{"v":"hello"}`},
		{"WSTRING emoji and accents", dms.TypeWString, "emoji 😀 ünïcödé 日本", nil, `{"v":"emoji 😀 ünïcödé 日本"}`},
		{"STRING escapes", dms.TypeString, "q\"b\\s/n\nr\rt\tb\bf\f", nil, `{"v":"q\"b\\s/n\nr\rt\tb\bf\f"}`},
		{"STRING control characters", dms.TypeString, "\x00\x01\x1f\x7f", nil, `{"v":"\u0000\u0001\u001f` + "\x7f" + `"}`},
		{"STRING invalid UTF-8", dms.TypeString, "a\xffb\xc3", nil, `{"v":"a` + "\uFFFD" + `b` + "\uFFFD" + `"}`},
		{"STRING JSON text stays a string", dms.TypeCLOB, `{"foo": "bar"}`, nil, `{"v":"{\"foo\": \"bar\"}"}`},
		{"NCLOB", dms.TypeNCLOB, "long text", nil, `{"v":"long text"}`},
		{"BYTES", dms.TypeBytes, []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a}, nil, `{"v":"0xDEADBEEF000A"}`},
		{"BYTES without hex prefix", dms.TypeBytes, []byte{0xde, 0xad, 0xbe, 0xef}, []string{"nohex"}, `{"v":"DEADBEEF"}`},
		{"BLOB", dms.TypeBLOB, []byte("hi"), nil, `{"v":"0x6869"}`},
		{"BLOB without hex prefix", dms.TypeBLOB, []byte("hi"), []string{"nohex"}, `{"v":"6869"}`},
		{"DATE", dms.TypeDate, "2024-02-29", nil, `{"v":"2024-02-29"}`},
		{"DATE zero", dms.TypeDate, "0000-00-00", nil, `{"v":"0000-00-00"}`},
		{"TIME", dms.TypeTime, "12:34:56", nil, `{"v":"12:34:56"}`},
		{"TIME beyond a day", dms.TypeTime, "838:59:59.000000", nil, `{"v":"838:59:59.000000"}`},
		{"DATETIME", dms.TypeDateTime, "2021-01-08 09:00:00", nil, `{"v":"2021-01-08T09:00:00Z"}`},
		{"DATETIME fraction kept", dms.TypeDateTime, "2021-01-08 09:00:00.123400", nil, `{"v":"2021-01-08T09:00:00.123400Z"}`},
		{"DATETIME milliseconds", dms.TypeDateTime, "2021-01-08 09:00:00.120", nil, `{"v":"2021-01-08T09:00:00.120Z"}`},
		{"DATETIME zero", dms.TypeDateTime, "0000-00-00 00:00:00", nil, `{"v":"0000-00-00T00:00:00Z"}`},
		{"BOOLEAN true", dms.TypeBoolean, true, nil, `{"v":true}`},
		{"BOOLEAN false", dms.TypeBoolean, false, nil, `{"v":false}`},
		{"NULL", dms.TypeInt4, nil, nil, `{}`},
		{"NULL included", dms.TypeInt4, nil, []string{"null"}, `{"v":null}`},
		{"NULL DATETIME included", dms.TypeDateTime, nil, []string{"null"}, `{"v":null}`},
		{"empty string", dms.TypeString, "", nil, `{}`},
		{"empty string included", dms.TypeWString, "", []string{"null"}, `{"v":""}`},
		{"empty bytes", dms.TypeBytes, []byte{}, nil, `{}`},
		{"empty bytes included", dms.TypeBytes, []byte{}, []string{"null"}, `{"v":"0x"}`},
		{"empty bytes included without hex prefix", dms.TypeBLOB, []byte{}, []string{"null", "nohex"}, `{"v":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := &dms.TableDef{Schema: "s", Table: "t", Columns: []dms.Column{{Name: "v", Type: tt.typ, Nullable: true}}}
			enc := NewEncoder(settings(append([]string{"unformatted"}, tt.flags...)...))
			c := dms.Change{Op: dms.OpLoad, Table: def, Data: dms.Row{tt.value}}
			out, _, ok, err := enc.Encode(nil, dms.TaskInfo{ID: taskID}, &c, nil, clock)
			require.NoError(t, err)
			require.True(t, ok)
			data, found := strings.CutPrefix(string(out), `{"data":`)
			require.True(t, found, "%s", out)
			data, _, found = strings.Cut(data, `,"metadata":{"timestamp":`)
			require.True(t, found, "%s", out)
			require.Equal(t, tt.want, data)
		})
	}
}

// Column names are escaped like values; rows shorter than their table
// (the source did not supply a value) read as NULL.
func TestEncodeColumnNamesAndShortRows(t *testing.T) {
	def := &dms.TableDef{Schema: "s", Table: "t", Columns: []dms.Column{
		{Name: `we"ird`, Type: dms.TypeInt4}, {Name: "tab\there", Type: dms.TypeInt4}, {Name: "missing", Type: dms.TypeInt4},
	}}
	c := dms.Change{Op: dms.OpLoad, Table: def, Data: dms.Row{int64(1), int64(2)}}
	out, _, _, err := NewEncoder(settings("unformatted", "null")).Encode(nil, dms.TaskInfo{ID: taskID}, &c, nil, clock)
	require.NoError(t, err)
	require.Equal(t, `{"data":{"we\"ird":1,"tab\there":2,"missing":null},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"schema-table","schema-name":"s","table-name":"t"}}`+"\n", string(out))
}

// Partition keys from primary-key values of every kind, cut to the 256
// characters Kinesis accepts.
func TestEncodePartitionKeys(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name      string
		typ       dms.DataType
		value     any
		flags     []string
		wantKey   string
		wantValue string // metadata partition-key-value
	}{
		{"integer", dms.TypeInt8, int64(1234567890123456789), nil, "1234567890123456789", "1234567890123456789"},
		{"unsigned", dms.TypeUint8, uint64(math.MaxUint64), nil, "18446744073709551615", "18446744073709551615"},
		{"string", dms.TypeWString, "ünï", []string{"schema"}, "s.t.ünï", "s.t.ünï"},
		{"datetime", dms.TypeDateTime, "2021-01-08 09:00:00.5", nil, "2021-01-08T09:00:00.5Z", "2021-01-08T09:00:00.5Z"},
		{"bytes", dms.TypeBytes, []byte{0xab, 0x01}, nil, "0xAB01", "0xAB01"},
		{"bytes without prefix", dms.TypeBytes, []byte{0xab, 0x01}, []string{"nohex"}, "AB01", "AB01"},
		{"real", dms.TypeReal8, 2.5, nil, "2.5", "2.5"},
		{"boolean", dms.TypeBoolean, true, nil, "true", "true"},
		{"empty string falls back to schema.table", dms.TypeString, "", nil, "s.t", ""},
		{"too long", dms.TypeWString, long, nil, strings.Repeat("é", 256), long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := &dms.TableDef{Schema: "s", Table: "t", Columns: []dms.Column{{Name: "k", Type: tt.typ}}, PrimaryKey: []string{"k"}}
			enc := NewEncoder(settings(append([]string{"unformatted", "pv"}, tt.flags...)...))
			c := dms.Change{Op: dms.OpLoad, Table: def, Data: dms.Row{tt.value}}
			out, key, _, err := enc.Encode(nil, dms.TaskInfo{ID: taskID}, &c, nil, clock)
			require.NoError(t, err)
			require.Equal(t, tt.wantKey, key)
			require.Contains(t, string(out), `"partition-key-type":"primary-key","partition-key-value":"`+tt.wantValue+`","schema-name"`)
		})
	}
}
