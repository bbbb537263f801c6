package postgres_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

const matrixTable = `CREATE TABLE matrix (
	id int PRIMARY KEY,
	i2 smallint, i4 integer, i8 bigint, ser serial,
	n_bounded numeric(10,2), n_unbounded numeric, n_big numeric(40,5),
	r real, d double precision, m money, b boolean,
	c char(5), vc varchar(20), vc_free varchar, t text, by bytea,
	dt date, tm time, tm3 time(3), ts timestamp, ts0 timestamp(0), tstz timestamptz,
	iv interval, u uuid, j json, jb jsonb, arr int[], e mood, h hstore, x xml, dom positive,
	nul text)`

const matrixValues = `(%d, -32768, 2147483647, 9223372036854775807, DEFAULT,
	12345678.90, 3.14159265358979, 123456789012345678901234567890123.45678,
	1.1, 2.718281828459045, 1234.56, true,
	'ab', 'hello', 'free', 'text value', '\xdeadbeef',
	'2024-02-29', '13:14:15.123456', '01:02:03.5', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05', '2024-01-02 03:04:05.5+02',
	'1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b":[1,2]}', '{1,2,3}', 'happy', 'k=>v', '<a>1</a>', 7,
	NULL)`

// TestTypeMatrix pins the DMS type and Go value of every mapped type, after
// full load and after CDC.
func TestTypeMatrix(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv,
		"CREATE EXTENSION IF NOT EXISTS hstore",
		"CREATE TYPE mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
		matrixTable,
		fmt.Sprintf("INSERT INTO matrix VALUES "+matrixValues, 1),
		"INSERT INTO matrix (id, m, ts, tstz, r, d) VALUES (3, -1234567.891, '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', 'NaN', '-Infinity')",
	)
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.FullLoadAndCDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	loads := waitRecords(t, target, 2, func(r memory.Record) bool { return r.Op == dms.OpLoad })
	dmstest.PostgresExec(t, srv, fmt.Sprintf("INSERT INTO matrix VALUES "+matrixValues, 2))
	ins := waitRecords(t, target, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert })[0]

	type col struct {
		name, typ     string
		length, p, sc int
	}
	var got []col
	for _, c := range loads[0].Table.Columns {
		got = append(got, col{c.Name, string(c.Type), c.Length, c.Precision, c.Scale})
	}
	require.Equal(t, []col{
		{"id", "INT4", 0, 0, 0},
		{"i2", "INT2", 0, 0, 0},
		{"i4", "INT4", 0, 0, 0},
		{"i8", "INT8", 0, 0, 0},
		{"ser", "INT4", 0, 0, 0},
		{"n_bounded", "NUMERIC", 0, 10, 2},
		{"n_unbounded", "NUMERIC", 0, 28, 6},
		{"n_big", "STRING", 42, 0, 0},
		{"r", "REAL4", 0, 0, 0},
		{"d", "REAL8", 0, 0, 0},
		{"m", "NUMERIC", 0, 38, 4},
		{"b", "BOOLEAN", 0, 0, 0},
		{"c", "WSTRING", 5, 0, 0},
		{"vc", "WSTRING", 20, 0, 0},
		{"vc_free", "NCLOB", 0, 0, 0},
		{"t", "NCLOB", 0, 0, 0},
		{"by", "BLOB", 0, 0, 0},
		{"dt", "DATE", 0, 0, 0},
		{"tm", "TIME", 0, 0, 6},
		{"tm3", "TIME", 0, 0, 3},
		{"ts", "DATETIME", 0, 0, 6},
		{"ts0", "DATETIME", 0, 0, 0},
		{"tstz", "DATETIME", 0, 0, 6},
		{"iv", "STRING", 128, 0, 0},
		{"u", "STRING", 36, 0, 0},
		{"j", "NCLOB", 0, 0, 0},
		{"jb", "NCLOB", 0, 0, 0},
		{"arr", "NCLOB", 0, 0, 0},
		{"e", "STRING", 64, 0, 0},
		{"h", "NCLOB", 0, 0, 0},
		{"x", "CLOB", 0, 0, 0},
		{"dom", "INT4", 0, 0, 0},
		{"nul", "NCLOB", 0, 0, 0},
	}, got)
	require.Equal(t, "money", loads[0].Table.Columns[10].SourceType)
	require.Equal(t, "mood", loads[0].Table.Columns[28].SourceType)
	require.False(t, loads[0].Table.Columns[0].Nullable)
	require.True(t, loads[0].Table.Columns[1].Nullable)

	want := func(id int64, serial int64) dms.Row {
		return dms.Row{
			id, int64(-32768), int64(2147483647), int64(9223372036854775807), serial,
			"12345678.90", "3.14159265358979", "123456789012345678901234567890123.45678",
			float32(1.1), 2.718281828459045, "1234.5600", true,
			"ab   ", "hello", "free", "text value", []byte{0xde, 0xad, 0xbe, 0xef},
			"2024-02-29", "13:14:15.123456", "01:02:03.500", "2024-01-02 03:04:05.678000", "2024-01-02 03:04:05", "2024-01-02 01:04:05.500000",
			"1 year 2 mons 3 days 04:05:06", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"a": 1}`, `{"b": [1, 2]}`, "{1,2,3}", "happy", `"k"=>"v"`, "<a>1</a>", int64(7),
			nil,
		}
	}
	require.Equal(t, want(1, 1), loads[0].Data, "full load")
	require.Equal(t, want(2, 3), ins.Data, "CDC")

	edge := loads[1].Data
	require.Len(t, edge, 33)
	require.Equal(t, int64(3), edge[0])
	require.Equal(t, int64(2), edge[4])
	require.True(t, math.IsNaN(float64(edge[8].(float32))), "NaN real: %v", edge[8])
	require.Equal(t, math.Inf(-1), edge[9])
	require.Equal(t, "-1234567.8900", edge[10])
	require.Equal(t, "1999-12-31 23:59:59.999999", edge[20])
	require.Equal(t, "2000-01-01 00:00:00.000000", edge[22])
	for _, i := range []int{1, 2, 3, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32} {
		require.Nil(t, edge[i], "column %d", i)
	}
}
