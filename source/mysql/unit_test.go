package mysql

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
)

func TestCheckVars(t *testing.T) {
	good := map[string]string{"log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"ok", good, ""},
		{"log_bin 1", with("log_bin", "1"), ""},
		{"binlog off", with("log_bin", "OFF"), "binary logging is off: start the server with --log-bin"},
		{"statement format", with("binlog_format", "STATEMENT"), "binlog_format is STATEMENT: set binlog_format=ROW"},
		{"mixed format", with("binlog_format", "MIXED"), "binlog_format is MIXED: set binlog_format=ROW"},
		{"minimal image", with("binlog_row_image", "MINIMAL"), "binlog_row_image is MINIMAL: set binlog_row_image=FULL"},
		{"compression", with("binlog_transaction_compression", "ON"), "binlog_transaction_compression=OFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkVars("h:1", tc.vars)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "h:1")
		})
	}
}

func TestPosition(t *testing.T) {
	p := position{File: "mysql-bin.002171", EventPos: 36912271, RowIndex: 2, NextPos: 36912333,
		TxnID: transactionID("mysql-bin.002171", 36912135), TxnFile: "mysql-bin.002171", TxnStartPos: 36912135}
	require.Equal(t, uint64(9324410911751), p.TxnID, "the shape of AWS's MySQL transaction ids")
	s := dms.Position(p.String())
	require.Equal(t, dms.Position("mysql-bin.002171:36912271:2:36912333:9324410911751:mysql-bin.002171:36912135"), s)
	got, err := parsePosition(s)
	require.NoError(t, err)
	require.Equal(t, p, got)

	got, err = parsePosition(startPosition("mysql-bin.000003", 4))
	require.NoError(t, err)
	require.Equal(t, position{File: "mysql-bin.000003", EventPos: 4, NextPos: 4, TxnFile: "mysql-bin.000003", TxnStartPos: 4}, got)

	got, err = parsePosition("mysql-bin.000003:120")
	require.NoError(t, err)
	require.Equal(t, uint64(0), got.TxnID)
	require.Equal(t, uint32(120), got.EventPos)

	for _, bad := range []dms.Position{"x", "a:b", "f:1:2:3:4:f", "f:1:x:3:4:f:5", ":1:0:1:0::1"} {
		_, err := parsePosition(bad)
		require.Error(t, err, bad)
	}

	require.True(t, less("b.000009", 900, 0, "b.000010", 4, 0))
	require.True(t, less("b.000010", 4, 0, "b.000010", 4, 1))
	require.False(t, less("b.000010", 4, 1, "b.000010", 4, 1))
}

func TestFixFraction(t *testing.T) {
	for _, tc := range []struct {
		in    string
		scale int
		want  string
	}{
		{"2024-01-02 03:04:05", 0, "2024-01-02 03:04:05"},
		{"2024-01-02 03:04:05", 3, "2024-01-02 03:04:05.000"},
		{"2024-01-02 03:04:05.5", 3, "2024-01-02 03:04:05.500"},
		{"2024-01-02 03:04:05.123456", 6, "2024-01-02 03:04:05.123456"},
		{"00:00:00", 6, "00:00:00.000000"},
		{"-838:59:59", 2, "-838:59:59.00"},
		{"2024-01-02", 0, "2024-01-02"},
		{"0000-00-00 00:00:00", 0, "0000-00-00 00:00:00"},
	} {
		require.Equal(t, tc.want, fixFraction(tc.in, tc.scale), tc.in)
	}
}

func TestParseElems(t *testing.T) {
	got, err := parseElems(`enum('a','it''s','x,y','')`)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "it's", "x,y", ""}, got)
	_, err = parseElems("enum('a'")
	require.Error(t, err)
	require.Equal(t, 5, elemsLength("set", []string{"a", "b", "c"}))
	require.Equal(t, 5, elemsLength("enum", []string{"red", "green", "ab"}))
	require.Equal(t, 2, elemsLength("enum", []string{"😀😀"}))
}

// TestFieldTypeMapping runs column definitions through the DDL path and the
// one type map.
func TestFieldTypeMapping(t *testing.T) {
	for _, tc := range []struct {
		def    string
		flavor string
		want   mapped
	}{
		{"int", FlavorMariaDB, mapped{Type: dms.TypeInt4}},
		{"int unsigned", FlavorMariaDB, mapped{Type: dms.TypeUint4}},
		{"tinyint(1)", FlavorMariaDB, mapped{Type: dms.TypeInt1}},
		{"boolean", FlavorMariaDB, mapped{Type: dms.TypeInt1}},
		{"bigint unsigned", FlavorMariaDB, mapped{Type: dms.TypeUint8}},
		{"decimal", FlavorMariaDB, mapped{Type: dms.TypeNumeric, Precision: 10}},
		{"decimal(7)", FlavorMariaDB, mapped{Type: dms.TypeNumeric, Precision: 7}},
		{"numeric(38,10)", FlavorMariaDB, mapped{Type: dms.TypeNumeric, Precision: 38, Scale: 10}},
		{"float", FlavorMariaDB, mapped{Type: dms.TypeReal4}},
		{"float(30)", FlavorMariaDB, mapped{Type: dms.TypeReal8}},
		{"double precision", FlavorMariaDB, mapped{Type: dms.TypeReal8}},
		{"bit", FlavorMariaDB, mapped{Type: dms.TypeBoolean}},
		{"bit(64)", FlavorMariaDB, mapped{Type: dms.TypeBytes, Length: 8}},
		{"datetime(3)", FlavorMariaDB, mapped{Type: dms.TypeDateTime, Scale: 3}},
		{"timestamp", FlavorMariaDB, mapped{Type: dms.TypeDateTime}},
		{"time(6)", FlavorMariaDB, mapped{Type: dms.TypeTime, Scale: 6}},
		{"year", FlavorMariaDB, mapped{Type: dms.TypeInt2}},
		{"char", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 1}},
		{"varchar(30) character set latin1", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 30}},
		{"varchar(5) binary", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 5}},
		{"text", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 65535}},
		{"text(100)", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 65535}},
		{"text(30)", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 255}},
		{"longtext", FlavorMariaDB, mapped{Type: dms.TypeNCLOB}},
		{"binary(4)", FlavorMariaDB, mapped{Type: dms.TypeBytes, Length: 4}},
		{"char(3) character set binary", FlavorMariaDB, mapped{Type: dms.TypeBytes, Length: 3}},
		{"varbinary(10)", FlavorMariaDB, mapped{Type: dms.TypeBytes, Length: 10}},
		{"tinyblob", FlavorMariaDB, mapped{Type: dms.TypeBytes, Length: 255}},
		{"longblob", FlavorMariaDB, mapped{Type: dms.TypeBLOB}},
		{"enum('a','bcd')", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 3}},
		{"set('a','bcd')", FlavorMariaDB, mapped{Type: dms.TypeWString, Length: 5}},
		{"json", FlavorMariaDB, mapped{Type: dms.TypeNCLOB}},
		{"json", FlavorMySQL, mapped{Type: dms.TypeCLOB}},
	} {
		t.Run(tc.flavor+" "+tc.def, func(t *testing.T) {
			stmts, _, err := parser.New().Parse("CREATE TABLE x (c "+tc.def+")", "", "")
			require.NoError(t, err)
			ft := stmts[0].(*ast.CreateTableStmt).Cols[0].Tp
			st, err := fromFieldType(ft, tc.flavor)
			require.NoError(t, err)
			m, err := mapType(st)
			require.NoError(t, err)
			require.Equal(t, tc.want, m)
			require.False(t, strings.Contains(st.String(), "-1"), st.String())
		})
	}
}

func TestFromInfoSchema(t *testing.T) {
	st, err := fromInfoSchema("enum", "enum('x','y''z')", 3, 0, 0, 0)
	require.NoError(t, err)
	require.Equal(t, sqlType{Base: "enum", Elems: []string{"x", "y'z"}}, st)
	st, err = fromInfoSchema("year", "year(4)", 0, 0, 0, 0)
	require.NoError(t, err)
	require.Equal(t, sqlType{Base: "year"}, st)
	_, err = fromInfoSchema("inet6", "inet6", 39, 0, 0, 0)
	require.ErrorContains(t, err, `unsupported column type "inet6"`)
}

func TestDDLTarget(t *testing.T) {
	for q, want := range map[string]dms.TableID{
		"ALTER TABLE d ADD COLUMN g POINT":                       {Schema: "db", Table: "d"},
		"alter online table `s`.`we``ird` add g point":           {Schema: "s", Table: "we`ird"},
		"CREATE OR REPLACE TABLE IF NOT EXISTS s.t (g GEOMETRY)": {Schema: "s", Table: "t"},
		"/* c */ CREATE TABLE `x.y` (g POINT)":                   {Schema: "db", Table: "x.y"},
	} {
		m := ddlTarget.FindStringSubmatch(q)
		require.NotNil(t, m, q)
		require.Equal(t, want, splitName(m[2], "db"), q)
	}
	require.Nil(t, ddlTarget.FindStringSubmatch("GRANT ALL ON *.* TO x"))
}

func TestMySQLJSONSpacing(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,2],"b":{"c":null}}`: `{"a": [1, 2], "b": {"c": null}}`,
		`["x,y:z","q\"r,","\\",1]`:   `["x,y:z", "q\"r,", "\\", 1]`,
		`"a,b"`:                      `"a,b"`,
		`{"k": [1, 2]}`:              `{"k": [1, 2]}`,
		`[]`:                         `[]`,
	} {
		require.Equal(t, want, mysqlJSONSpacing(in), in)
	}
}
