package mapping_test

import (
	"errors"
	"testing"

	"github.com/minidms/minidms/mapping"
)

// FuzzParseTableMappings checks that any document either parses, and then
// plans and filters a table without panicking, or is rejected with a
// *mapping.Error carrying a message.
func FuzzParseTableMappings(f *testing.F) {
	f.Add(mapping.SelectAllDocument)
	f.Add(transformFuzzSeed)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := mapping.ParseTableMappings(doc)
		if err != nil {
			var me *mapping.Error
			if !errors.As(err, &me) || me.Message == "" {
				t.Fatalf("rejection is not a *mapping.Error with a message: %#v", err)
			}
			return
		}
		table := filterTable()
		if p, err := m.Plan(table); err == nil {
			_, _, _ = p.Row([]any{int64(1), "10.00", "x", "2024-01-01", 0.5}, []any{int64(1), "9", nil, nil, nil}, &mapping.Header{Operation: "UPDATE"})
		}
		if f, err := m.Filter(table); err == nil {
			f.Match(rowOf(map[string]any{"id": int64(1), "name": "x"}))
			f.SQL(quoteIdent, quoteString)
		}
		m.ObjectMapping("shop", "orders")
		m.TableSettings("shop", "orders")
	})
}

const transformFuzzSeed = `{"rules": [
	{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
	 "object-locator": {"schema-name": "shop", "table-name": "orders"},
	 "filters": [{"filter-type": "source", "column-name": "id", "filter-conditions": [{"filter-operator": "between", "start-value": "1", "end-value": "9"}]}]},
	{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column",
	 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "add-column", "value": "x",
	 "expression": "$id * 2 || upper($name)", "data-type": {"type": "string", "length": 20}}
]}`

// FuzzExpression checks that any expression either parses and evaluates
// (to a value or an error) without panicking, or is rejected with an error
// that says what is wrong.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"1 + 2 * 3", "$a || 'x'", "CASE WHEN $a > 1 THEN 'y' ELSE 'n' END",
		"substr($b, -2, 5)", "datetime($c, '+1 month', 'start of year')", "strftime('%Y-%m-%d %f', 'now')",
		"$a BETWEEN 1 AND 10 OR $b LIKE '%x_'", "coalesce(NULL, $a, 1) IN (1, 2.5, 'x')",
		"CAST($a AS TEXT)", "hash_sha256($b)", "operation_indicator('D', 'U', 'I')", "replace($b, 'a', 'bb')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := mapping.ParseExpression(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		_, _ = e.Eval(rowOf(map[string]any{"a": int64(3), "b": "abc", "c": "2024-01-31 10:00:00"}), &mapping.Header{Operation: "INSERT"})
	})
}
