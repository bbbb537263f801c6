package mapping_test

import (
	"testing"

	"github.com/minidms/minidms/mapping"
)

// benchTable is the 10-column table of the performance baselines.
var benchTable = &mapping.Table{Schema: "bench", Name: "rows", PrimaryKey: []string{"id"}, Columns: []mapping.Column{
	{Name: "id", Type: "INT8"}, {Name: "qty", Type: "INT4"}, {Name: "name", Type: "WSTRING", Length: 64},
	{Name: "amount", Type: "NUMERIC", Precision: 12, Scale: 2}, {Name: "created", Type: "DATETIME", Scale: 6},
	{Name: "ratio", Type: "REAL8"}, {Name: "flag", Type: "INT1"}, {Name: "note", Type: "WSTRING", Length: 65535},
	{Name: "day", Type: "DATE"}, {Name: "hash", Type: "BYTES", Length: 16},
}}

var benchRow = []any{int64(1000001), int64(42), "customer name number 12345", "12345.67", "2024-07-29 00:58:17.983670",
	0.3333, int64(1), "lorem ipsum dolor", "2024-07-29", []byte("0123456789abcdef")}

func mustParse(b *testing.B, doc string) *mapping.TableMappings {
	b.Helper()
	m, err := mapping.ParseTableMappings(doc)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkFilterMatch evaluates a two-filter selection (a range and an
// equality) on one row, as the engine does for every load row and change.
func BenchmarkFilterMatch(b *testing.B) {
	m := mustParse(b, `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"bench","table-name":"rows"},"rule-action":"include",
		"filters":[{"filter-type":"source","column-name":"qty","filter-conditions":[{"filter-operator":"between","start-value":"10","end-value":"100"}]},
		{"filter-type":"source","column-name":"day","filter-conditions":[{"filter-operator":"gte","value":"2024-01-01"}]}]}]}`)
	f, err := m.Filter(benchTable)
	if err != nil {
		b.Fatal(err)
	}
	index := map[string]int{}
	for i, c := range benchTable.Columns {
		index[c.Name] = i
	}
	column := func(name string) (any, bool) {
		i, ok := index[name]
		if !ok {
			return nil, false
		}
		return benchRow[i], true
	}
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(column) {
			b.Fatal("the row should match")
		}
	}
}

// BenchmarkPlanRow applies a column rename, a removal and an add-column
// expression to one row.
func BenchmarkPlanRow(b *testing.B) {
	m := mustParse(b, `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"bench","table-name":"%"},"rule-action":"include"},
		{"rule-type":"transformation","rule-id":"2","rule-name":"2","rule-target":"column","object-locator":{"schema-name":"bench","table-name":"rows","column-name":"qty"},"rule-action":"rename","value":"quantity"},
		{"rule-type":"transformation","rule-id":"3","rule-name":"3","rule-target":"column","object-locator":{"schema-name":"bench","table-name":"rows","column-name":"note"},"rule-action":"remove-column"},
		{"rule-type":"transformation","rule-id":"4","rule-name":"4","rule-target":"column","object-locator":{"schema-name":"bench","table-name":"rows"},"rule-action":"add-column","value":"label",
			"expression":"upper($name) || '-' || $qty","data-type":{"type":"string","length":80}}]}`)
	p, err := m.Plan(benchTable)
	if err != nil {
		b.Fatal(err)
	}
	h := &mapping.Header{Operation: "INSERT"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.Row(benchRow, nil, h); err != nil {
			b.Fatal(err)
		}
	}
}
