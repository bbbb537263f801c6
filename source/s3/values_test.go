package s3

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// typedColumns returns one column per case of TestValues, by name.
func typedColumns(t *testing.T) map[string]*column {
	t.Helper()
	tables, err := parseDefinition(`{"Tables":[{"TableName":"v","TableOwner":"s","TableColumns":[
		{"ColumnName":"int1","ColumnType":"INT1"},
		{"ColumnName":"int2","ColumnType":"INT2"},
		{"ColumnName":"int4","ColumnType":"INT4"},
		{"ColumnName":"int8","ColumnType":"INT8"},
		{"ColumnName":"uint1","ColumnType":"UINT1"},
		{"ColumnName":"uint2","ColumnType":"UINT2"},
		{"ColumnName":"uint4","ColumnType":"UINT4"},
		{"ColumnName":"uint8","ColumnType":"UINT8"},
		{"ColumnName":"numeric","ColumnType":"NUMERIC","ColumnPrecision":"6","ColumnScale":"2"},
		{"ColumnName":"numeric0","ColumnType":"NUMERIC","ColumnPrecision":"3"},
		{"ColumnName":"real4","ColumnType":"REAL4"},
		{"ColumnName":"real8","ColumnType":"REAL8"},
		{"ColumnName":"string","ColumnType":"STRING","ColumnLength":"5"},
		{"ColumnName":"clob","ColumnType":"CLOB"},
		{"ColumnName":"byte","ColumnType":"BYTE","ColumnLength":"4"},
		{"ColumnName":"blob","ColumnType":"BLOB"},
		{"ColumnName":"date","ColumnType":"DATE"},
		{"ColumnName":"time","ColumnType":"TIME"},
		{"ColumnName":"time3","ColumnType":"TIME","ColumnScale":"3"},
		{"ColumnName":"datetime","ColumnType":"DATETIME"},
		{"ColumnName":"datetime6","ColumnType":"DATETIME","ColumnScale":"6"},
		{"ColumnName":"datetime9","ColumnType":"DATETIME","ColumnScale":"9"},
		{"ColumnName":"us_datetime","ColumnType":"DATETIME","ColumnScale":"2","ColumnDateFormat":"MM/dd/YYYY HH:mm:ss[.F]"},
		{"ColumnName":"slash_datetime","ColumnType":"DATETIME","ColumnDateFormat":"YYYY/MM/dd HH:mm:ss[.F]"},
		{"ColumnName":"compact_datetime","ColumnType":"DATETIME","ColumnDateFormat":"YYYYMMdd HH:mm:ss"},
		{"ColumnName":"us_date","ColumnType":"DATE","ColumnDateFormat":"MM/dd/YYYY"},
		{"ColumnName":"boolean","ColumnType":"BOOLEAN"}
	]}]}`)
	require.NoError(t, err)
	cols := map[string]*column{}
	for i := range tables[0].cols {
		cols[tables[0].cols[i].Name] = &tables[0].cols[i]
	}
	return cols
}

func TestValues(t *testing.T) {
	cols := typedColumns(t)
	f := &csvFormat{}
	tests := []struct {
		column, in string
		want       any // an error message when wantErr
		wantErr    bool
	}{
		{"int1", "-128", int64(-128), false},
		{"int1", "127", int64(127), false},
		{"int1", " 12 ", int64(12), false},
		{"int1", "128", `invalid INT1 value "128"`, true},
		{"int1", "1.0", `invalid INT1 value "1.0"`, true},
		{"int2", "-32768", int64(-32768), false},
		{"int2", "32768", `invalid INT2 value "32768"`, true},
		{"int4", "+2147483647", int64(2147483647), false},
		{"int4", "2147483648", `invalid INT4 value "2147483648"`, true},
		{"int8", "-9223372036854775808", int64(-9223372036854775808), false},
		{"int8", "9223372036854775808", `invalid INT8 value "9223372036854775808"`, true},
		{"int8", "abc", `invalid INT8 value "abc"`, true},
		{"uint1", "255", uint64(255), false},
		{"uint1", "256", `invalid UINT1 value "256"`, true},
		{"uint1", "-1", `invalid UINT1 value "-1"`, true},
		{"uint2", "65535", uint64(65535), false},
		{"uint2", "65536", `invalid UINT2 value "65536"`, true},
		{"uint4", "4294967295", uint64(4294967295), false},
		{"uint4", "4294967296", `invalid UINT4 value "4294967296"`, true},
		{"uint8", "18446744073709551615", uint64(18446744073709551615), false},
		{"uint8", "18446744073709551616", `invalid UINT8 value "18446744073709551616"`, true},
		{"numeric", "1500", "1500.00", false},
		{"numeric", "1500.5", "1500.50", false},
		{"numeric", "+0012.34", "12.34", false},
		{"numeric", "-0.5", "-0.50", false},
		{"numeric", "-0.00", "0.00", false},
		{"numeric", ".5", "0.50", false},
		{"numeric", "5.", "5.00", false},
		{"numeric", "9999.99", "9999.99", false},
		{"numeric", "10000", `invalid NUMERIC(6,2) value "10000"`, true},
		{"numeric", "1.005", `invalid NUMERIC(6,2) value "1.005"`, true},
		{"numeric", "1e3", `invalid NUMERIC(6,2) value "1e3"`, true},
		{"numeric", ".", `invalid NUMERIC(6,2) value "."`, true},
		{"numeric", "1,5", `invalid NUMERIC(6,2) value "1,5"`, true},
		{"numeric0", "-999", "-999", false},
		{"numeric0", "1000", `invalid NUMERIC(3,0) value "1000"`, true},
		{"numeric0", "1.0", `invalid NUMERIC(3,0) value "1.0"`, true},
		{"real4", "1.7", float32(1.7), false},
		{"real4", "-2.5e3", float32(-2500), false},
		{"real4", "1e39", `invalid REAL4 value "1e39"`, true},
		{"real4", "NaN", `invalid REAL4 value "NaN"`, true},
		{"real8", "60.5", 60.5, false},
		{"real8", "1e308", 1e308, false},
		{"real8", "Inf", `invalid REAL8 value "Inf"`, true},
		{"real8", "x", `invalid REAL8 value "x"`, true},
		{"string", " New York ", " New York ", false},
		{"string", "longer than five", "longer than five", false},
		{"clob", "a\nb", "a\nb", false},
		{"byte", "DEADbeef", []byte{0xde, 0xad, 0xbe, 0xef}, false},
		{"byte", "0x0102", []byte{1, 2}, false},
		{"byte", "0X0a", []byte{10}, false},
		{"byte", "abc", `invalid BYTE(4) value "abc"`, true},
		{"byte", "zz", `invalid BYTE(4) value "zz"`, true},
		{"blob", "00ff", []byte{0, 0xff}, false},
		{"blob", "0xg0", `invalid BLOB value "0xg0"`, true},
		{"date", "2014-06-04", "2014-06-04", false},
		{"date", "2014-02-30", `invalid DATE value "2014-02-30"`, true},
		{"date", "2014-06-04 10:00:00", `invalid DATE value "2014-06-04 10:00:00"`, true},
		{"date", "4-Jun-14", `invalid DATE value "4-Jun-14"`, true},
		{"time", "10:11:12", "10:11:12", false},
		{"time", "10:11:12.999", "10:11:12", false},
		{"time", "24:00:00", `invalid TIME value "24:00:00"`, true},
		{"time3", "10:11:12.9", "10:11:12.900", false},
		{"time3", "10:11:12.123456", "10:11:12.123", false},
		{"datetime", "2014-06-04", "2014-06-04 00:00:00", false},
		{"datetime", "2014-06-04 10:11:12.999", "2014-06-04 10:11:12", false},
		{"datetime", "2014-06-04T10:11:12", "2014-06-04 10:11:12", false},
		{"datetime", "2014-13-04 10:11:12", `invalid DATETIME value "2014-13-04 10:11:12"`, true},
		{"datetime", "2014-06-04 10:11", `invalid DATETIME value "2014-06-04 10:11"`, true},
		{"datetime", "06/04/2014 10:11:12", `invalid DATETIME value "06/04/2014 10:11:12"`, true},
		{"datetime6", "2014-06-04 10:11:12.1234567", "2014-06-04 10:11:12.123456", false},
		{"datetime6", "2014-06-04 10:11:12", "2014-06-04 10:11:12.000000", false},
		{"datetime9", "2014-06-04 10:11:12.123456789", "2014-06-04 10:11:12.123456789", false},
		{"us_datetime", "06/04/2014 10:11:12.345", "2014-06-04 10:11:12.34", false},
		{"us_datetime", "2014-06-04 10:11:12", `invalid DATETIME value "2014-06-04 10:11:12"`, true},
		{"slash_datetime", "2014/06/04 10:11:12", "2014-06-04 10:11:12", false},
		{"compact_datetime", "20140604 10:11:12", "2014-06-04 10:11:12", false},
		{"us_date", "06/04/2014", "2014-06-04", false},
		{"boolean", "true", true, false},
		{"boolean", "FALSE", false, false},
		{"boolean", "1", true, false},
		{"boolean", "0", false, false},
		{"boolean", "t", true, false},
		{"boolean", "F", false, false},
		{"boolean", "Y", true, false},
		{"boolean", "n", false, false},
		{"boolean", "yes", `invalid BOOLEAN value "yes"`, true},
		{"boolean", "2", `invalid BOOLEAN value "2"`, true},
	}
	for _, tt := range tests {
		c := cols[tt.column]
		require.NotNil(t, c, tt.column)
		got, err := c.value(field{text: tt.in}, f)
		if tt.wantErr {
			require.EqualError(t, err, tt.want.(string), "%s %q", tt.column, tt.in)
			continue
		}
		require.NoError(t, err, "%s %q", tt.column, tt.in)
		require.Equal(t, tt.want, got, "%s %q", tt.column, tt.in)
	}
}

func TestNullValues(t *testing.T) {
	tables, err := parseDefinition(`{"Tables":[{"TableName":"v","TableOwner":"s","TableColumns":[
		{"ColumnName":"ns","ColumnType":"STRING","ColumnLength":"5","ColumnNullable":"true"},
		{"ColumnName":"ni","ColumnType":"INT4","ColumnNullable":"true"},
		{"ColumnName":"nb","ColumnType":"BLOB","ColumnNullable":"true"},
		{"ColumnName":"s","ColumnType":"STRING","ColumnLength":"5"},
		{"ColumnName":"i","ColumnType":"INT4"}
	]}]}`)
	require.NoError(t, err)
	c := map[string]*column{}
	for i := range tables[0].cols {
		c[tables[0].cols[i].Name] = &tables[0].cols[i]
	}
	plain := &csvFormat{}
	withNull := &csvFormat{null: "NULL"}
	tests := []struct {
		column string
		fd     field
		f      *csvFormat
		want   any
		err    string
	}{
		{"ns", field{}, plain, nil, ""},
		{"ns", field{quoted: true}, plain, "", ""},
		{"ni", field{}, plain, nil, ""},
		{"ni", field{quoted: true}, plain, nil, `invalid INT4 value ""`},
		{"nb", field{quoted: true}, plain, []byte{}, ""},
		{"ns", field{text: "NULL"}, plain, "NULL", ""},
		{"ns", field{text: "NULL"}, withNull, nil, ""},
		{"ns", field{text: "NULL", quoted: true}, withNull, "NULL", ""},
		{"ns", field{}, withNull, nil, ""},
		{"ni", field{text: "NULL"}, withNull, nil, ""},
		{"s", field{}, plain, nil, "empty value in a column that is not nullable"},
		{"s", field{quoted: true}, plain, "", ""},
		{"s", field{text: "NULL"}, withNull, nil, "empty value in a column that is not nullable"},
		{"i", field{}, plain, nil, "empty value in a column that is not nullable"},
	}
	for i, tt := range tests {
		got, err := c[tt.column].value(tt.fd, tt.f)
		if tt.err != "" {
			require.EqualError(t, err, tt.err, "case %d", i)
			continue
		}
		require.NoError(t, err, "case %d", i)
		require.Equal(t, tt.want, got, "case %d", i)
	}
}
