package mysql

import (
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// benchTable is the 10-column table of the performance baselines.
var benchTable = &tableInfo{Schema: "bench", Table: "rows", Cols: []colInfo{
	{Name: "id", Type: sqlType{Base: "bigint"}},
	{Name: "qty", Type: sqlType{Base: "int"}},
	{Name: "name", Type: sqlType{Base: "varchar", Length: 64}},
	{Name: "amount", Type: sqlType{Base: "decimal", Precision: 12, Scale: 2}},
	{Name: "created", Type: sqlType{Base: "datetime", Scale: 6}},
	{Name: "ratio", Type: sqlType{Base: "double"}},
	{Name: "flag", Type: sqlType{Base: "tinyint"}},
	{Name: "note", Type: sqlType{Base: "text"}},
	{Name: "day", Type: sqlType{Base: "date"}},
	{Name: "hash", Type: sqlType{Base: "varbinary", Length: 16}},
}}

// BenchmarkDecodeText decodes one full-load row as the text protocol
// delivers it.
func BenchmarkDecodeText(b *testing.B) {
	ds, err := newDecoders(benchTable)
	if err != nil {
		b.Fatal(err)
	}
	text := func(s string) gomysql.FieldValue {
		return gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, []byte(s))
	}
	vals := []gomysql.FieldValue{
		text("1000001"), text("42"), text("customer name number 12345"), text("12345.67"), text("2024-07-29 00:58:17.983670"),
		text("0.3333"), text("1"), text("lorem ipsum lorem ipsum lorem ipsum lorem ipsum dolor"), text("2024-07-29"), text("0123456789abcdef"),
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range ds {
			if _, err := ds[i].fromText(&vals[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDecodeBinlog decodes one CDC row as go-mysql's binlog decoder
// hands it over.
func BenchmarkDecodeBinlog(b *testing.B) {
	ds, err := newDecoders(benchTable)
	if err != nil {
		b.Fatal(err)
	}
	vals := []any{int64(1000001), int32(42), "customer name number 12345", "12345.67", "2024-07-29 00:58:17.983670",
		float64(0.3333), int8(1), []byte("lorem ipsum lorem ipsum lorem ipsum lorem ipsum dolor"), "2024-07-29", []byte("0123456789abcdef")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRow(ds, vals); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
