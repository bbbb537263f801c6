package mysql_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

const typesTable = `CREATE TABLE types (
	id INT NOT NULL PRIMARY KEY,
	ti TINYINT, ti_u TINYINT UNSIGNED, si SMALLINT, si_u SMALLINT UNSIGNED,
	mi MEDIUMINT, mi_u MEDIUMINT UNSIGNED, i INT, i_u INT UNSIGNED, bi BIGINT, bi_u BIGINT UNSIGNED,
	d DECIMAL(10,2), dl DECIMAL(38,10), f FLOAT, db DOUBLE,
	dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME, tm6 TIME(6), yr YEAR,
	c CHAR(5), vc VARCHAR(20), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
	bn BINARY(4), vb VARBINARY(10), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
	en ENUM('red','green','blue'), st SET('a','b','c'), js JSON, b1 BIT(1), b10 BIT(10), pt POINT
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`

// typesRows inserts the rows of typesWant, TIMESTAMPs written in +05:30.
var typesRows = []string{
	"SET time_zone = '+05:30'",
	`INSERT INTO types VALUES (1,
		-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
		-12345678.90, 1234567890123456789012345678.0123456789, 1.7, 2.5e-300,
		'2024-02-29', '2024-01-02 03:04:05', '2024-01-02 03:04:05.12', '2024-01-02 03:04:05.123456', '2024-06-01 12:00:00.654321', '838:59:59', '-01:02:03.5', 2024,
		'ab', 'héllo 😀', 'tiny', 'text', 'medium', 'long text',
		x'0102', x'00ff', x'01', x'deadbeef', x'02', x'cafe',
		'green', 'c,a', '{"k": [1, 2]}', b'1', b'1010101010', ST_GeomFromText('POINT(1 2)'))`,
	`INSERT INTO types VALUES (2,
		127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
		0.5, -0.0000000001, -3.5, 1.7976931348623157e308,
		'1000-01-01', '9999-12-31 23:59:59', '2000-01-01 00:00:00', '2000-01-01', '1970-01-01 05:30:01', '00:00:00', '12:00:00.000001', 1901,
		' x', '', '', 'it''s\nquoted', '', REPEAT('ab', 40000),
		x'01020304', '', '', '', '', REPEAT(x'00010203', 25000),
		'red', '', 'null', b'0', b'0000000001', ST_GeomFromText('POINT(-1.5 0)'))`,
	"INSERT INTO types (id) VALUES (3)",
}

func col(name string, typ dms.DataType, length, precision, scale int) dms.Column {
	return dms.Column{Name: name, Type: typ, Length: length, Precision: precision, Scale: scale, Nullable: true}
}

var typesWantColumns = []dms.Column{
	{Name: "id", Type: dms.TypeInt4},
	col("ti", dms.TypeInt1, 0, 0, 0), col("ti_u", dms.TypeUint1, 0, 0, 0),
	col("si", dms.TypeInt2, 0, 0, 0), col("si_u", dms.TypeUint2, 0, 0, 0),
	col("mi", dms.TypeInt4, 0, 0, 0), col("mi_u", dms.TypeUint4, 0, 0, 0),
	col("i", dms.TypeInt4, 0, 0, 0), col("i_u", dms.TypeUint4, 0, 0, 0),
	col("bi", dms.TypeInt8, 0, 0, 0), col("bi_u", dms.TypeUint8, 0, 0, 0),
	col("d", dms.TypeNumeric, 0, 10, 2), col("dl", dms.TypeNumeric, 0, 38, 10),
	col("f", dms.TypeReal4, 0, 0, 0), col("db", dms.TypeReal8, 0, 0, 0),
	col("dt", dms.TypeDate, 0, 0, 0), col("dtm", dms.TypeDateTime, 0, 0, 0),
	col("dtm3", dms.TypeDateTime, 0, 0, 3), col("dtm6", dms.TypeDateTime, 0, 0, 6),
	col("ts", dms.TypeDateTime, 0, 0, 6), col("tm", dms.TypeTime, 0, 0, 0),
	col("tm6", dms.TypeTime, 0, 0, 6), col("yr", dms.TypeInt2, 0, 0, 0),
	col("c", dms.TypeWString, 5, 0, 0), col("vc", dms.TypeWString, 20, 0, 0),
	col("tt", dms.TypeWString, 255, 0, 0), col("tx", dms.TypeWString, 65535, 0, 0),
	col("mt", dms.TypeNCLOB, 0, 0, 0), col("lt", dms.TypeNCLOB, 0, 0, 0),
	col("bn", dms.TypeBytes, 4, 0, 0), col("vb", dms.TypeBytes, 10, 0, 0),
	col("tb", dms.TypeBytes, 255, 0, 0), col("bl", dms.TypeBytes, 65535, 0, 0),
	col("mb", dms.TypeBLOB, 0, 0, 0), col("lb", dms.TypeBLOB, 0, 0, 0),
	col("en", dms.TypeWString, 5, 0, 0), col("st", dms.TypeWString, 5, 0, 0),
	col("js", dms.TypeNCLOB, 0, 0, 0), // MariaDB's JSON is LONGTEXT
	col("b1", dms.TypeBoolean, 0, 0, 0), col("b10", dms.TypeBytes, 2, 0, 0),
	col("pt", dms.TypeBLOB, 0, 0, 0),
}

// point is the stored form of a POINT: SRID 0, then WKB.
func point(x, y float64) []byte {
	b := []byte{0, 0, 0, 0, 1, 1, 0, 0, 0}
	b = append(b, le(math.Float64bits(x))...)
	return append(b, le(math.Float64bits(y))...)
}

func le(u uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(u >> (8 * i))
	}
	return b
}

var typesWant = []dms.Row{
	{int64(1),
		int64(-128), uint64(255), int64(-32768), uint64(65535), int64(-8388608), uint64(16777215),
		int64(-2147483648), uint64(4294967295), int64(math.MinInt64), uint64(math.MaxUint64),
		"-12345678.90", "1234567890123456789012345678.0123456789", float32(1.7), 2.5e-300,
		"2024-02-29", "2024-01-02 03:04:05", "2024-01-02 03:04:05.120", "2024-01-02 03:04:05.123456",
		"2024-06-01 06:30:00.654321", "838:59:59", "-01:02:03.500000", int64(2024),
		"ab", "héllo 😀", "tiny", "text", "medium", "long text",
		[]byte{1, 2, 0, 0}, []byte{0, 0xff}, []byte{1}, []byte{0xde, 0xad, 0xbe, 0xef}, []byte{2}, []byte{0xca, 0xfe},
		"green", "a,c", `{"k": [1, 2]}`, true, []byte{0x02, 0xaa}, point(1, 2)},
	{int64(2),
		int64(127), uint64(0), int64(32767), uint64(0), int64(8388607), uint64(0),
		int64(2147483647), uint64(0), int64(math.MaxInt64), uint64(0),
		"0.50", "-0.0000000001", float32(-3.5), 1.7976931348623157e308,
		"1000-01-01", "9999-12-31 23:59:59", "2000-01-01 00:00:00.000", "2000-01-01 00:00:00.000000",
		"1970-01-01 00:00:01.000000", "00:00:00", "12:00:00.000001", int64(1901),
		" x", "", "", "it's\nquoted", "", strings.Repeat("ab", 40000),
		[]byte{1, 2, 3, 4}, []byte{}, []byte{}, []byte{}, []byte{}, bytes.Repeat([]byte{0, 1, 2, 3}, 25000),
		"red", "", "null", false, []byte{0x00, 0x01}, point(-1.5, 0)},
	{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
		nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
}

// withoutSourceType drops the informational SourceType for comparison.
func withoutSourceType(cols []dms.Column) []dms.Column {
	out := append([]dms.Column(nil), cols...)
	for i := range out {
		out[i].SourceType = ""
	}
	return out
}

// TestTypeMatrix checks every MySQL type's DMS column and value after full
// load and after CDC, which must be identical.
func TestTypeMatrix(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, typesTable)
	dmstest.MySQLExec(t, srv, typesRows...)
	src := newSource(srv)
	sel := schemaSel(srv.Database)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	// Full load.
	defs, err := src.Tables(ctx, sel)
	require.NoError(t, err)
	require.Len(t, defs, 1)
	def := defs[0]
	require.Equal(t, srv.Database, def.Schema)
	require.Equal(t, "types", def.Table)
	require.Equal(t, []string{"id"}, def.PrimaryKey)
	require.Equal(t, "utf8mb4_unicode_ci", def.Collation)
	require.Equal(t, typesWantColumns, withoutSourceType(def.Columns))
	require.Len(t, typesWant[2], len(def.Columns))

	sn, err := src.Snapshot(ctx)
	require.NoError(t, err)
	defer sn.Close()
	snDefs, err := sn.Tables(ctx, sel)
	require.NoError(t, err)
	require.Equal(t, defs, snDefs)
	rows := load(t, sn, def)
	require.Len(t, rows, len(typesWant))
	for i := range typesWant {
		require.Equal(t, typesWant[i], rows[i], "full-load row %d", i+1)
	}
	require.NoError(t, sn.Close())

	// CDC: delete the rows and insert them again.
	cs := openChanges(t, src, "", sel)
	dmstest.MySQLExec(t, srv, "DELETE FROM types ORDER BY id")
	dmstest.MySQLExec(t, srv, typesRows...)
	for i := range typesWant {
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpDelete, c.Op)
		require.Equal(t, def, c.Table, "CDC definition")
		require.Equal(t, typesWant[i], c.Data, "deleted row %d", i+1)
	}
	for i := range typesWant {
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, def, c.Table, "CDC definition")
		require.Equal(t, typesWant[i], c.Data, "inserted row %d", i+1)
		require.Equal(t, rows[i], c.Data, "CDC row %d differs from its full-load row", i+1)
	}
}
