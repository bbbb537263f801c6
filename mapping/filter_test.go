package mapping_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

func filterTable() *mapping.Table {
	return &mapping.Table{
		Schema: "shop", Name: "orders",
		Columns: []mapping.Column{
			{Name: "id", Type: "INT4"},
			{Name: "total", Type: "NUMERIC", Precision: 10, Scale: 2},
			{Name: "name", Type: "WSTRING", Length: 20},
			{Name: "day", Type: "DATE"},
			{Name: "ratio", Type: "REAL8"},
		},
		PrimaryKey: []string{"id"},
	}
}

func filterDoc(filters string) string {
	return `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		"object-locator": {"schema-name": "shop", "table-name": "orders"}, "filters": ` + filters + `}]}`
}

func cond(column, c string) string {
	return `[{"filter-type": "source", "column-name": "` + column + `", "filter-conditions": [` + c + `]}]`
}

func rowOf(vals map[string]any) func(string) (any, bool) {
	return func(name string) (any, bool) { v, ok := vals[name]; return v, ok }
}

func TestFilterOperators(t *testing.T) {
	tests := []struct {
		name   string
		column string
		cond   string
		value  any
		want   bool
	}{
		{"eq int", "id", `{"filter-operator": "eq", "value": "7"}`, int64(7), true},
		{"eq int differs", "id", `{"filter-operator": "eq", "value": "7"}`, int64(8), false},
		{"eq numeric compares numerically", "total", `{"filter-operator": "eq", "value": "10"}`, "10.00", true},
		{"eq text", "name", `{"filter-operator": "eq", "value": "Ann"}`, "Ann", true},
		{"eq text is case-sensitive", "name", `{"filter-operator": "eq", "value": "Ann"}`, "ann", false},
		{"noteq", "id", `{"filter-operator": "noteq", "value": "7"}`, int64(8), true},
		{"noteq equal", "id", `{"filter-operator": "noteq", "value": "7"}`, int64(7), false},
		{"noteq null", "id", `{"filter-operator": "noteq", "value": "7"}`, nil, false},
		{"gte above", "id", `{"filter-operator": "gte", "value": "100"}`, int64(101), true},
		{"gte equal", "id", `{"filter-operator": "gte", "value": "100"}`, int64(100), true},
		{"gte below", "id", `{"filter-operator": "gte", "value": "100"}`, int64(99), false},
		{"gte numbers not text: 900 < 1000", "total", `{"filter-operator": "gte", "value": "1000"}`, "900.00", false},
		{"gte text is text: '900' > '1000'", "name", `{"filter-operator": "gte", "value": "1000"}`, "900", true},
		{"gte real", "ratio", `{"filter-operator": "gte", "value": "0.5"}`, 0.75, true},
		{"lte", "id", `{"filter-operator": "lte", "value": "5"}`, int64(5), true},
		{"lte above", "id", `{"filter-operator": "lte", "value": "5"}`, int64(6), false},
		{"ste is lte", "id", `{"filter-operator": "ste", "value": "5"}`, int64(4), true},
		{"ste above", "id", `{"filter-operator": "ste", "value": "5"}`, int64(6), false},
		{"between inside", "id", `{"filter-operator": "between", "start-value": "10", "end-value": "20"}`, int64(15), true},
		{"between bounds included", "id", `{"filter-operator": "between", "start-value": "10", "end-value": "20"}`, int64(20), true},
		{"between outside", "id", `{"filter-operator": "between", "start-value": "10", "end-value": "20"}`, int64(21), false},
		{"between dates as text", "day", `{"filter-operator": "between", "start-value": "2024-01-01", "end-value": "2024-12-31"}`, "2024-06-30", true},
		{"between dates outside", "day", `{"filter-operator": "between", "start-value": "2024-01-01", "end-value": "2024-12-31"}`, "2025-01-01", false},
		{"notbetween outside", "id", `{"filter-operator": "notbetween", "start-value": "10", "end-value": "20"}`, int64(9), true},
		{"notbetween inside", "id", `{"filter-operator": "notbetween", "start-value": "10", "end-value": "20"}`, int64(10), false},
		{"notbetween null", "id", `{"filter-operator": "notbetween", "start-value": "10", "end-value": "20"}`, nil, false},
		{"null", "name", `{"filter-operator": "null"}`, nil, true},
		{"null with value", "name", `{"filter-operator": "null"}`, "x", false},
		{"notnull", "name", `{"filter-operator": "notnull"}`, "x", true},
		{"notnull with null", "name", `{"filter-operator": "notnull"}`, nil, false},
		{"comparison with null fails", "id", `{"filter-operator": "gte", "value": "1"}`, nil, false},
		{"uint compares", "id", `{"filter-operator": "gte", "value": "1"}`, uint64(18446744073709551615), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(filterDoc(cond(tt.column, tt.cond)))
			require.NoError(t, err)
			f, err := m.Filter(filterTable())
			require.NoError(t, err)
			require.NotNil(t, f)
			require.Equal(t, tt.want, f.Match(rowOf(map[string]any{tt.column: tt.value})))
		})
	}
}

func TestFilterLogic(t *testing.T) {
	// Conditions of one filter are OR-ed, filters are AND-ed.
	doc := filterDoc(`[
		{"filter-type": "source", "column-name": "id", "filter-conditions": [
			{"filter-operator": "lte", "value": "10"}, {"filter-operator": "gte", "value": "100"}]},
		{"filter-type": "source", "column-name": "name", "filter-conditions": [{"filter-operator": "notnull"}]}]`)
	m, err := mapping.ParseTableMappings(doc)
	require.NoError(t, err)
	f, err := m.Filter(filterTable())
	require.NoError(t, err)
	tests := []struct {
		id   int64
		name any
		want bool
	}{
		{5, "a", true},
		{500, "a", true},
		{50, "a", false},
		{5, nil, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, f.Match(rowOf(map[string]any{"id": tt.id, "name": tt.name})), "id %d name %v", tt.id, tt.name)
	}
	require.Equal(t, `("id" <= 10 OR "id" >= 100) AND ("name" IS NOT NULL)`, f.SQL(quoteIdent, quoteString))
}

func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestFilterSQL(t *testing.T) {
	tests := []struct {
		column, cond, want string
	}{
		{"id", `{"filter-operator": "eq", "value": " 7 "}`, `("id" = 7)`},
		{"total", `{"filter-operator": "noteq", "value": "1.50"}`, `("total" <> 1.50)`},
		{"name", `{"filter-operator": "gte", "value": "O'Brien"}`, `("name" >= 'O''Brien')`},
		{"id", `{"filter-operator": "ste", "value": "3"}`, `("id" <= 3)`},
		{"day", `{"filter-operator": "between", "start-value": "2024-01-01", "end-value": "2024-02-01"}`, `("day" BETWEEN '2024-01-01' AND '2024-02-01')`},
		{"id", `{"filter-operator": "notbetween", "start-value": "1", "end-value": "2"}`, `("id" NOT BETWEEN 1 AND 2)`},
		{"name", `{"filter-operator": "null"}`, `("name" IS NULL)`},
	}
	for _, tt := range tests {
		m, err := mapping.ParseTableMappings(filterDoc(cond(tt.column, tt.cond)))
		require.NoError(t, err)
		f, err := m.Filter(filterTable())
		require.NoError(t, err)
		require.Equal(t, tt.want, f.SQL(quoteIdent, quoteString))
	}
}

func TestFilterSelection(t *testing.T) {
	// A second include rule without filters takes every row.
	m, err := mapping.ParseTableMappings(`{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"},
		 "filters": [{"filter-type": "source", "column-name": "id", "filter-conditions": [{"filter-operator": "eq", "value": "1"}]}]},
		{"rule-type": "selection", "rule-id": "2", "rule-name": "2", "rule-action": "include",
		 "object-locator": {"schema-name": "shop", "table-name": "%"}}]}`)
	require.NoError(t, err)
	f, err := m.Filter(filterTable())
	require.NoError(t, err)
	require.Nil(t, f)
	require.True(t, f.Match(rowOf(nil)))
	require.Equal(t, "", f.SQL(quoteIdent, quoteString))

	other, err := mapping.ParseTableMappings(filterDoc(cond("id", `{"filter-operator": "eq", "value": "1"}`)))
	require.NoError(t, err)
	f, err = other.Filter(&mapping.Table{Schema: "shop", Name: "customers"})
	require.NoError(t, err)
	require.Nil(t, f, "rules that do not select the table do not filter it")
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		column, cond, want string
	}{
		{"missing", `{"filter-operator": "eq", "value": "1"}`,
			"Error in mapping rules. Rule with ruleId = 1 failed validation. filter column missing does not exist in table shop.orders"},
		{"id", `{"filter-operator": "eq", "value": "abc"}`,
			"Error in mapping rules. Rule with ruleId = 1 failed validation. filter value 'abc' is not a number, as column id of type INT4 requires"},
		{"id", `{"filter-operator": "eq", "value": "1/2"}`,
			"Error in mapping rules. Rule with ruleId = 1 failed validation. filter value '1/2' is not a number, as column id of type INT4 requires"},
	}
	for _, tt := range tests {
		m, err := mapping.ParseTableMappings(filterDoc(cond(tt.column, tt.cond)))
		require.NoError(t, err)
		_, err = m.Filter(filterTable())
		require.EqualError(t, err, tt.want)
	}
}
