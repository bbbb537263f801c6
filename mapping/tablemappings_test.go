package mapping_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

// sel is a selection rule; doc turns rules into a table-mapping document.
type sel struct {
	id, action, schema, table string
	extra                     string // more keys, e.g. `"load-order": 2`
	tableType                 string
}

func doc(rules ...sel) string {
	out := `{"rules": [`
	for i, r := range rules {
		if i > 0 {
			out += ", "
		}
		id := r.id
		if id == "" {
			id = fmt.Sprint(i + 1)
		}
		ol := fmt.Sprintf(`"schema-name": %q, "table-name": %q`, r.schema, r.table)
		if r.tableType != "" {
			ol += fmt.Sprintf(`, "table-type": %q`, r.tableType)
		}
		out += fmt.Sprintf(`{"rule-type": "selection", "rule-id": %q, "rule-name": "r%s", "object-locator": {%s}, "rule-action": %q`,
			id, id, ol, r.action)
		if r.extra != "" {
			out += ", " + r.extra
		}
		out += "}"
	}
	return out + "]}"
}

func TestParseTableMappingsErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *mapping.Error
	}{
		// Not a table-mapping document at all.
		{"empty", ``, &mapping.Error{Message: "Valid Table mappings is required"}},
		{"blank", " \n\t", &mapping.Error{Message: "Valid Table mappings is required"}},
		{"null", `null`, &mapping.Error{Message: "Valid Table mappings is required"}},
		{"no rules key", `{"hello": "world"}`, &mapping.Error{Field: "rules", Message: "Valid Table mappings is required"}},
		{"rules null", `{"rules": null}`, &mapping.Error{Field: "rules", Message: "Valid Table mappings is required"}},
		{"rules key case-sensitive", `{"Rules": []}`, &mapping.Error{Field: "rules", Message: "Valid Table mappings is required"}},

		// Invalid JSON.
		{"syntax", `{"rules": }`, &mapping.Error{
			Message: "Invalid Table Mappings document. Invalid json invalid character '}' looking for beginning of value at line 1 column 11"}},
		{"syntax on line 3", "{\n  \"rules\": [\n  }", &mapping.Error{
			Message: "Invalid Table Mappings document. Invalid json invalid character '}' looking for beginning of value at line 3 column 3"}},
		{"truncated", `{"rules": [`, &mapping.Error{
			Message: "Invalid Table Mappings document. Invalid json unexpected end of JSON input at line 1 column 11"}},
		{"trailing data", `{"rules": []} x`, &mapping.Error{
			Message: "Invalid Table Mappings document. Invalid json invalid character 'x' after top-level value at line 1 column 15"}},

		// Valid JSON of the wrong shape.
		{"top-level array", `[]`, &mapping.Error{Field: "$",
			Message: "Invalid Table Mappings document. Invalid json expected an object at path $"}},
		{"top-level string", `"rules"`, &mapping.Error{Field: "$",
			Message: "Invalid Table Mappings document. Invalid json expected an object at path $"}},
		{"rules object", `{"rules": {}}`, &mapping.Error{Field: "$.rules",
			Message: "Invalid Table Mappings document. Invalid json expected an array at path $.rules"}},
		{"rule not an object", `{"rules": [5]}`, &mapping.Error{Field: "$.rules[0]",
			Message: "Invalid Table Mappings document. Invalid json expected an object at path $.rules[0]"}},
		{"rule-type object", `{"rules": [{"rule-type": {}}]}`, &mapping.Error{Field: "$.rules[0].rule-type",
			Message: "Invalid Table Mappings document. Invalid json expected a string at path $.rules[0].rule-type"}},
		{"schema-name array", `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-action": "include", "object-locator": {"schema-name": ["s"], "table-name": "t"}}]}`,
			&mapping.Error{Field: "$.rules[0].object-locator.schema-name",
				Message: "Invalid Table Mappings document. Invalid json expected a string at path $.rules[0].object-locator.schema-name"}},
		{"object-locator string", `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-action": "include", "object-locator": "s.t"}]}`,
			&mapping.Error{Field: "$.rules[0].object-locator",
				Message: "Invalid Table Mappings document. Invalid json expected an object at path $.rules[0].object-locator"}},
		{"load-order not a number", doc(sel{action: "include", schema: "s", table: "t", extra: `"load-order": "first"`}),
			&mapping.Error{Field: "$.rules[0].load-order",
				Message: "Invalid Table Mappings document. Invalid json expected an integer at path $.rules[0].load-order"}},
		{"load-order fraction", doc(sel{action: "include", schema: "s", table: "t", extra: `"load-order": 1.5`}),
			&mapping.Error{Field: "$.rules[0].load-order",
				Message: "Invalid Table Mappings document. Invalid json expected an integer at path $.rules[0].load-order"}},
		{"filters object", doc(sel{action: "include", schema: "s", table: "t", extra: `"filters": {}`}),
			&mapping.Error{Field: "$.rules[0].filters",
				Message: "Invalid Table Mappings document. Invalid json expected an array at path $.rules[0].filters"}},
		{"filter-conditions entry not an object", doc(sel{action: "include", schema: "s", table: "t",
			extra: `"filters": [{"filter-type": "source", "column-name": "c", "filter-conditions": ["gte"]}]`}),
			&mapping.Error{Field: "$.rules[0].filters[0].filter-conditions[0]",
				Message: "Invalid Table Mappings document. Invalid json expected an object at path $.rules[0].filters[0].filter-conditions[0]"}},

		// Unknown enum values: AWS names neither the rule nor the key.
		{"rule-type select", `{"rules": [{"rule-type": "select", "rule-id": "1", "rule-name": "rule1", "object-locator": {"schema-name": "testdb", "table-name": "Table%"}, "rule-action": "include"}]}`,
			&mapping.Error{RuleID: "1", Field: "rule-type", Message: "Invalid table mappings document."}},
		{"rule-type missing", `{"rules": [{"rule-id": "1", "object-locator": {"schema-name": "s", "table-name": "t"}, "rule-action": "include"}]}`,
			&mapping.Error{RuleID: "1", Field: "rule-type", Message: "Invalid table mappings document."}},
		{"rule-type case-sensitive", `{"rules": [{"rule-type": "Selection", "rule-id": "1", "object-locator": {"schema-name": "s", "table-name": "t"}, "rule-action": "include"}]}`,
			&mapping.Error{RuleID: "1", Field: "rule-type", Message: "Invalid table mappings document."}},
		{"rule-action including", doc(sel{action: "including", schema: "testdb", table: "Table%"}),
			&mapping.Error{RuleID: "1", Field: "rule-action", Message: "Invalid table mappings document."}},
		{"rule-action missing", `{"rules": [{"rule-type": "selection", "rule-id": "1", "object-locator": {"schema-name": "s", "table-name": "t"}}]}`,
			&mapping.Error{RuleID: "1", Field: "rule-action", Message: "Invalid table mappings document."}},
		{"table-type tables", doc(sel{action: "include", schema: "s", table: "t", tableType: "tables"}),
			&mapping.Error{RuleID: "1", Field: "object-locator.table-type", Message: "Invalid table mappings document."}},
		{"enum checked before duplicate rule-id", `{"rules": [
			{"rule-type": "selection", "rule-id": "1", "rule-name": "rule1", "object-locator": {"schema-name": "testdb", "table-name": "Table%"}, "rule-action": "include"},
			{"rule-type": "something", "rule-id": "1", "rule-name": "rule1", "object-locator": {"schema-name": "testdb", "table-name": "TableB"}, "rule-action": "exclude"}]}`,
			&mapping.Error{RuleID: "1", Field: "rule-type", Message: "Invalid table mappings document."}},

		// Rule validation.
		{"object-locator missing", `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "rule1", "rule-action": "include"}]}`,
			&mapping.Error{RuleID: "1", Field: "object-locator",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. object locator cannot be null"}},
		{"object-locator null", `{"rules": [{"rule-type": "selection", "rule-id": "7", "rule-action": "exclude", "object-locator": null}]}`,
			&mapping.Error{RuleID: "7", Field: "object-locator",
				Message: "Error in mapping rules. Rule with ruleId = 7 failed validation. object locator cannot be null"}},
		{"schema-name missing", `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-action": "include", "object-locator": {"table-name": "t"}}]}`,
			&mapping.Error{RuleID: "1", Field: "object-locator.schema-name",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. schema name cannot be null or empty"}},
		{"schema-name empty", doc(sel{action: "include", schema: "", table: "t"}),
			&mapping.Error{RuleID: "1", Field: "object-locator.schema-name",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. schema name cannot be null or empty"}},
		{"table-name missing", `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-action": "include", "object-locator": {"schema-name": "s"}}]}`,
			&mapping.Error{RuleID: "1", Field: "object-locator.table-name",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. table name cannot be null or empty"}},
		{"table-name empty", doc(sel{action: "exclude", schema: "s", table: ""}),
			&mapping.Error{RuleID: "1", Field: "object-locator.table-name",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. table name cannot be null or empty"}},
		{"explicit with % table", doc(sel{action: "explicit", schema: "s", table: "t%"}),
			&mapping.Error{RuleID: "1", Field: "object-locator",
				Message: "Error in mapping rules. Rule with ruleId = 1 failed validation. explicit selection rule cannot use wildcards"}},
		{"explicit with % schema", doc(sel{action: "include", schema: "s", table: "t"}, sel{action: "explicit", schema: "%", table: "t"}),
			&mapping.Error{RuleID: "2", Field: "object-locator",
				Message: "Error in mapping rules. Rule with ruleId = 2 failed validation. explicit selection rule cannot use wildcards"}},
		{"rule-id missing", `{"rules": [{"rule-type": "selection", "rule-action": "include", "object-locator": {"schema-name": "s", "table-name": "t"}}]}`,
			&mapping.Error{Field: "rule-id",
				Message: "Error in mapping rules. Rule with ruleId = null failed validation. rule id cannot be null"}},
		{"duplicate rule-id", doc(sel{id: "1", action: "include", schema: "testdb", table: "Table%"}, sel{id: "1", action: "exclude", schema: "testdb", table: "TableB"}),
			&mapping.Error{RuleID: "1", Field: "rule-id", Message: "Error in mapping rules. Duplicate ruleid 1"}},
		{"duplicate rule-id string and number", `{"rules": [
			{"rule-type": "selection", "rule-id": "2", "rule-name": "a", "object-locator": {"schema-name": "s", "table-name": "t"}, "rule-action": "include"},
			{"rule-type": "transformation", "rule-id": 2, "rule-name": "b", "rule-target": "schema", "object-locator": {"schema-name": "s"}, "rule-action": "rename", "value": "t"}]}`,
			&mapping.Error{RuleID: "2", Field: "rule-id", Message: "Error in mapping rules. Duplicate ruleid 2"}},

		// At least one selection rule.
		{"no rules", `{"rules": []}`, &mapping.Error{Field: "rules",
			Message: "Error in mapping rules. At least one selection rule is required."}},
		{"transformation only", `{"rules": [{"rule-type": "transformation", "rule-id": "1", "rule-name": "lower", "rule-target": "schema", "object-locator": {"schema-name": "%"}, "rule-action": "convert-lowercase"}]}`,
			&mapping.Error{Field: "rules", Message: "Error in mapping rules. At least one selection rule is required."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(tt.doc)
			require.Nil(t, m)
			require.Equal(t, tt.want, err)
			require.Equal(t, tt.want.Message, err.Error())
		})
	}
}

func TestParseTableMappingsKeepsAllRules(t *testing.T) {
	const filters = `{"rule-type": "selection", "rule-id": 1, "rule-name": "big-orders", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "include", "load-order": "3", "filters": [{"filter-type": "source", "column-name": "total", "filter-conditions": [{"filter-operator": "gte", "value": 100}, {"filter-operator": "between", "start-value": "2024-01-01", "end-value": "2024-12-31"}]}]}`
	const rename = `{"rule-type": "transformation", "rule-id": "2", "rule-name": "rename", "rule-target": "table", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "rename", "value": "purchases"}`
	const prefix = `{"rule-type": "transformation", "rule-id": "3", "rule-name": "prefix", "rule-target": "column", "object-locator": {"schema-name": "shop", "table-name": "%", "column-name": "c_%"}, "rule-action": "replace-prefix", "value": "col_", "old-value": "c_"}`
	const addColumn = `{"rule-type": "transformation", "rule-id": "4", "rule-name": "seq", "rule-target": "column", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "add-column", "value": "seq", "expression": "$AR_H_CHANGE_SEQ", "data-type": {"type": "string", "length": 50}}`
	const parallel = `{"rule-type": "table-settings", "rule-id": "5", "rule-name": "parallel", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "parallel-load": {"type": "partitions-auto"}}`
	const views = `{"rule-type": "selection", "rule-id": "6", "rule-name": "big-orders", "object-locator": {"schema-name": "shop", "table-name": "v_%", "table-type": "view"}, "rule-action": "include", "unknown-key": true}`
	m, err := mapping.ParseTableMappings(`{"rules": [` + filters + `, ` + rename + `, ` + prefix + `, ` + addColumn + `, ` + parallel + `, ` + views + `], "extra": 1}`)
	require.NoError(t, err)
	require.Equal(t, []mapping.Rule{
		{
			RuleType: "selection", RuleID: "1", RuleName: "big-orders", RuleAction: "include",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "orders"},
			LoadOrder:     3,
			Filters: []mapping.Filter{{
				FilterType: "source", ColumnName: "total",
				Conditions: []mapping.FilterCondition{
					{Operator: "gte", Value: "100"},
					{Operator: "between", StartValue: "2024-01-01", EndValue: "2024-12-31"},
				},
			}},
			Raw: json.RawMessage(filters),
		},
		{
			RuleType: "transformation", RuleID: "2", RuleName: "rename", RuleAction: "rename", RuleTarget: "table",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "orders"},
			Value:         "purchases",
			Raw:           json.RawMessage(rename),
		},
		{
			RuleType: "transformation", RuleID: "3", RuleName: "prefix", RuleAction: "replace-prefix", RuleTarget: "column",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "%", ColumnName: "c_%"},
			Value:         "col_", OldValue: "c_",
			Raw: json.RawMessage(prefix),
		},
		{
			RuleType: "transformation", RuleID: "4", RuleName: "seq", RuleAction: "add-column", RuleTarget: "column",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "orders"},
			Value:         "seq",
			Expression:    "$AR_H_CHANGE_SEQ",
			DataType:      &mapping.DataType{Type: "string", Length: 50},
			Raw:           json.RawMessage(addColumn),
		},
		{
			RuleType: "table-settings", RuleID: "5", RuleName: "parallel",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "orders"},
			ParallelLoad:  &mapping.ParallelLoad{Type: "partitions-auto"},
			Raw:           json.RawMessage(parallel),
		},
		{
			RuleType: "selection", RuleID: "6", RuleName: "big-orders", RuleAction: "include",
			ObjectLocator: &mapping.ObjectLocator{SchemaName: "shop", TableName: "v_%", TableType: "view"},
			Raw:           json.RawMessage(views),
		},
	}, m.Rules())
	// rule-name uniqueness is not validated (rules 1 and 6 share one).
	require.True(t, m.Selected("shop", "orders"))
	require.False(t, m.Selected("shop", "v_orders"))
	require.True(t, m.SelectedView("shop", "v_orders"))
}

func TestSelectedWildcards(t *testing.T) {
	tests := []struct {
		schema, table string // the include rule's patterns
		inSchema      string
		inTable       string
		want          bool
	}{
		{"%", "%", "any", "thing", true},
		{"testdb", "%", "testdb", "books", true},
		{"testdb", "%", "testdb2", "books", false},
		{"test%", "%", "testdb2", "books", true},
		{"testdb", "book%", "testdb", "books", true},
		{"testdb", "book%", "testdb", "book", true},
		{"testdb", "book%", "testdb", "ebooks", false},
		{"testdb", "%s", "testdb", "authors", true},
		{"testdb", "t_", "testdb", "t1", true},
		{"testdb", "t_", "testdb", "t", false},
		{"testdb", "t_", "testdb", "t12", false},
		{"test__", "x", "testdb", "x", true},
		{"testdb", "audit[_]%", "testdb", "audit_log", true},
		{"testdb", "audit[_]%", "testdb", "auditlog", false},
		{"testdb", "audit[_]%", "testdb", "audit-log", false},
		{"testdb", "t[ab]", "testdb", "tb", true},
		{"testdb", "t[ab]", "testdb", "tc", false},
		{"testdb", "t[a-d]", "testdb", "tc", true},
		{"testdb", "t[a-d]", "testdb", "te", false},
		{"testdb", "Books", "testdb", "books", false},
		{"TestDB", "books", "testdb", "books", false},
	}
	for _, tt := range tests {
		t.Run(tt.schema+"."+tt.table+"~"+tt.inSchema+"."+tt.inTable, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(doc(sel{action: "include", schema: tt.schema, table: tt.table}))
			require.NoError(t, err)
			require.Equal(t, tt.want, m.Selected(tt.inSchema, tt.inTable))
		})
	}
}

func TestSelectedPrecedence(t *testing.T) {
	type table struct {
		schema, name string
		selected     bool
	}
	tests := []struct {
		name   string
		rules  []sel
		tables []table
	}{
		{
			name:  "include all, exclude one",
			rules: []sel{{action: "include", schema: "testdb", table: "%"}, {action: "exclude", schema: "testdb", table: "books"}},
			tables: []table{
				{"testdb", "accounts", true},
				{"testdb", "authors", true},
				{"testdb", "books", false},
				{"other", "accounts", false},
			},
		},
		{
			name:  "exclude before include still excludes",
			rules: []sel{{action: "exclude", schema: "testdb", table: "books"}, {action: "include", schema: "%", table: "%"}},
			tables: []table{
				{"testdb", "books", false},
				{"testdb", "authors", true},
			},
		},
		{
			name:  "exclude with wildcards",
			rules: []sel{{action: "include", schema: "%", table: "%"}, {action: "exclude", schema: "%", table: "%[_]tmp"}},
			tables: []table{
				{"a", "orders_tmp", false},
				{"a", "orderstmp", true},
				{"a", "orders", true},
			},
		},
		{
			name:  "exclude only selects nothing",
			rules: []sel{{action: "exclude", schema: "testdb", table: "books"}},
			tables: []table{
				{"testdb", "books", false},
				{"testdb", "authors", false},
			},
		},
		{
			name:  "exclude beats explicit",
			rules: []sel{{action: "explicit", schema: "testdb", table: "books"}, {action: "exclude", schema: "testdb", table: "b%"}},
			tables: []table{
				{"testdb", "books", false},
			},
		},
		{
			name:  "overlapping includes",
			rules: []sel{{action: "include", schema: "testdb", table: "a%"}, {action: "include", schema: "testdb", table: "%s"}},
			tables: []table{
				{"testdb", "accounts", true},
				{"testdb", "books", true},
				{"testdb", "ledger", false},
			},
		},
		{
			name:  "explicit names are literal",
			rules: []sel{{action: "explicit", schema: "test_db", table: "my_table[1]"}},
			tables: []table{
				{"test_db", "my_table[1]", true},
				{"test_db", "my_table1", false},
				{"test_db", "myXtable[1]", false},
				{"testXdb", "my_table[1]", false},
			},
		},
		{
			name: "table-type",
			rules: []sel{
				{action: "include", schema: "s", table: "t%"},
				{action: "include", schema: "s", table: "v%", tableType: "view"},
				{action: "include", schema: "s", table: "a%", tableType: "all"},
			},
			tables: []table{
				{"s", "t1", true},
				{"s", "v1", false},
				{"s", "a1", true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(doc(tt.rules...))
			require.NoError(t, err)
			for _, tab := range tt.tables {
				require.Equal(t, tab.selected, m.Selected(tab.schema, tab.name), "%s.%s", tab.schema, tab.name)
			}
		})
	}
}

func TestSelectedView(t *testing.T) {
	m, err := mapping.ParseTableMappings(doc(
		sel{action: "include", schema: "s", table: "t%"},
		sel{action: "include", schema: "s", table: "v%", tableType: "view"},
		sel{action: "include", schema: "s", table: "a%", tableType: "all"},
		sel{action: "exclude", schema: "s", table: "a2"},                    // tables only
		sel{action: "exclude", schema: "s", table: "v2", tableType: "view"}, // views only
	))
	require.NoError(t, err)
	tests := []struct {
		name        string
		table, view bool
	}{
		{"t1", true, false},
		{"v1", false, true},
		{"v2", false, false},
		{"a1", true, true},
		{"a2", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.table, m.Selected("s", tt.name))
			require.Equal(t, tt.view, m.SelectedView("s", tt.name))
		})
	}
}

func TestLoadOrder(t *testing.T) {
	m, err := mapping.ParseTableMappings(doc(
		sel{action: "include", schema: "shop", table: "%"},
		sel{action: "include", schema: "shop", table: "orders", extra: `"load-order": 2`},
		sel{action: "include", schema: "shop", table: "order%", extra: `"load-order": "5"`},
		sel{action: "explicit", schema: "shop", table: "customers", extra: `"load-order": -1`},
		sel{action: "include", schema: "shop", table: "audit", extra: `"load-order": 9`},
		sel{action: "exclude", schema: "shop", table: "audit"},
	))
	require.NoError(t, err)
	tests := []struct {
		table string
		want  int
	}{
		{"orders", 5},      // two rules match: the highest wins
		{"order_lines", 5}, // order%
		{"products", 0},    // only the load-order-less rule
		{"customers", 0},   // -1 from explicit, but shop.% gives 0
		{"audit", 0},       // excluded
		{"nowhere", 0},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			require.Equal(t, tt.want, m.LoadOrder("shop", tt.table))
		})
	}
	require.Equal(t, 0, m.LoadOrder("other", "orders"))

	neg, err := mapping.ParseTableMappings(doc(sel{action: "explicit", schema: "shop", table: "customers", extra: `"load-order": -1`}))
	require.NoError(t, err)
	require.Equal(t, -1, neg.LoadOrder("shop", "customers"))
}

func TestSelectAll(t *testing.T) {
	m := mapping.SelectAll()
	require.True(t, m.Selected("testdb", "books"))
	require.True(t, m.Selected("", ""))
	require.False(t, m.SelectedView("testdb", "v_books"))
	require.Equal(t, 0, m.LoadOrder("testdb", "books"))
	require.Equal(t, []mapping.Rule{{
		RuleType: "selection", RuleID: "1", RuleName: "1", RuleAction: "include",
		ObjectLocator: &mapping.ObjectLocator{SchemaName: "%", TableName: "%"},
		Raw:           json.RawMessage(`{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}`),
	}}, m.Rules())
	require.Equal(t, `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`,
		mapping.SelectAllDocument)
}

func TestNilTableMappings(t *testing.T) {
	var m *mapping.TableMappings
	require.False(t, m.Selected("s", "t"))
	require.False(t, m.SelectedView("s", "t"))
	require.Equal(t, 0, m.LoadOrder("s", "t"))
	require.Nil(t, m.Rules())
}

func TestSelectedDoesNotAllocate(t *testing.T) {
	m := benchMappings(t)
	allocs := testing.AllocsPerRun(100, func() {
		m.Selected("testdb", "audit_log")
		m.Selected("testdb", "accounts")
		m.Selected("sales", "order_2024")
		m.LoadOrder("sales", "orders")
	})
	require.Equal(t, 0.0, allocs)
}

func benchMappings(tb testing.TB) *mapping.TableMappings {
	m, err := mapping.ParseTableMappings(doc(
		sel{action: "include", schema: "testdb", table: "%"},
		sel{action: "exclude", schema: "testdb", table: "books"},
		sel{action: "exclude", schema: "testdb", table: "audit[_]%"},
		sel{action: "include", schema: "sales", table: "order[_]____", extra: `"load-order": 3`},
		sel{action: "explicit", schema: "sales", table: "orders", extra: `"load-order": 5`},
		sel{action: "include", schema: "hr", table: "emp[a-m]%"},
	))
	require.NoError(tb, err)
	return m
}

func BenchmarkSelected(b *testing.B) {
	m := benchMappings(b)
	tables := [][2]string{
		{"testdb", "accounts"},
		{"testdb", "books"},
		{"testdb", "audit_log"},
		{"sales", "order_2024"},
		{"sales", "orders"},
		{"hr", "employees"},
		{"hr", "payroll"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t := tables[i%len(tables)]
		m.Selected(t[0], t[1])
	}
}
