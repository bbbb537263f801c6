package mapping_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

func TestRuleValidationMessages(t *testing.T) {
	const pre = "Error in mapping rules. Rule with ruleId = 2 failed validation. "
	sel := func(extra string) string {
		return `{"rule-type": "selection", "rule-id": "2", "rule-name": "2", "rule-action": "include", "object-locator": {"schema-name": "shop", "table-name": "orders"}, ` + extra + `}`
	}
	tr := func(target, action, extra string) string {
		return `{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "` + target + `", "rule-action": "` + action + `", ` + extra + `}`
	}
	const tableLoc = `"object-locator": {"schema-name": "shop", "table-name": "orders"}`
	tests := []struct {
		name  string
		rule  string
		field string
		msg   string
	}{
		{"filters on exclude", `{"rule-type": "selection", "rule-id": "2", "rule-name": "2", "rule-action": "exclude", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "filters": [{"filter-type": "source", "column-name": "a", "filter-conditions": [{"filter-operator": "eq", "value": "1"}]}]}`,
			"filters", pre + "filters are only supported on include rules"},
		{"filters with wildcards", `{"rule-type": "selection", "rule-id": "2", "rule-name": "2", "rule-action": "include", "object-locator": {"schema-name": "shop", "table-name": "o%"}, "filters": [{"filter-type": "source", "column-name": "a", "filter-conditions": [{"filter-operator": "eq", "value": "1"}]}]}`,
			"filters", pre + "filters require an exact schema name and table name"},
		{"filter without column", sel(`"filters": [{"filter-type": "source", "filter-conditions": [{"filter-operator": "eq", "value": "1"}]}]`),
			"filters.column-name", pre + "filter column name cannot be null or empty"},
		{"filter of another type", sel(`"filters": [{"filter-type": "target", "column-name": "a", "filter-conditions": [{"filter-operator": "eq", "value": "1"}]}]`),
			"filters.filter-type", pre + "filter type must be source"},
		{"filter without conditions", sel(`"filters": [{"filter-type": "source", "column-name": "a"}]`),
			"filters.filter-conditions", pre + "filter conditions cannot be empty"},
		{"unknown filter operator", sel(`"filters": [{"filter-type": "source", "column-name": "a", "filter-conditions": [{"filter-operator": "like", "value": "1"}]}]`),
			"filters.filter-conditions.filter-operator", pre + "unknown filter operator like"},
		{"between without end", sel(`"filters": [{"filter-type": "source", "column-name": "a", "filter-conditions": [{"filter-operator": "between", "start-value": "1"}]}]`),
			"filters.filter-conditions", pre + "filter operator between requires start-value and end-value"},
		{"two negative conditions", sel(`"filters": [{"filter-type": "source", "column-name": "a", "filter-conditions": [{"filter-operator": "noteq", "value": "1"}, {"filter-operator": "notnull"}]}]`),
			"filters.filter-conditions", pre + "a filter can have only one negative condition"},
		{"transformation without object-locator", tr("table", "rename", `"value": "x"`),
			"object-locator", pre + "object locator cannot be null"},
		{"transformation without table name", tr("table", "rename", `"object-locator": {"schema-name": "shop"}, "value": "x"`),
			"object-locator.table-name", pre + "table name cannot be null or empty"},
		{"column transformation without column name", tr("column", "rename", tableLoc+`, "value": "x"`),
			"object-locator.column-name", pre + "column name cannot be null or empty"},
		{"action not for target", tr("schema", "remove-column", `"object-locator": {"schema-name": "shop"}`),
			"rule-action", pre + "rule action remove-column is not supported for rule target schema"},
		{"rename without value", tr("table", "rename", tableLoc),
			"value", pre + "value cannot be null or empty"},
		{"replace-prefix without old-value", tr("table", "replace-prefix", tableLoc+`, "value": "x"`),
			"old-value", pre + "old-value cannot be null or empty"},
		{"add-column without data-type", tr("column", "add-column", tableLoc+`, "value": "x"`),
			"data-type", pre + "data type cannot be null"},
		{"unknown data type", tr("column", "add-column", tableLoc+`, "value": "x", "data-type": {"type": "varchar"}`),
			"data-type.type", pre + "unsupported data type varchar"},
		{"bad expression", tr("column", "add-column", tableLoc+`, "value": "x", "expression": "$a +", "data-type": {"type": "int4"}`),
			"expression", pre + "invalid expression: unexpected end of expression at offset 4"},
		{"define-primary-key without columns", tr("table", "define-primary-key", tableLoc+`, "primary-key-def": {"name": "pk"}`),
			"primary-key-def", pre + "primary-key-def must list columns"},
		{"bad before-image filter", tr("column", "add-before-image-columns", tableLoc+`, "before-image-def": {"column-filter": "some"}`),
			"before-image-def.column-filter", pre + "before-image-def column-filter must be one of pk-only, non-lob, all"},
		{"table-settings with wildcard", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", "object-locator": {"schema-name": "shop", "table-name": "%"}, "parallel-load": {"type": "partitions-auto"}}`,
			"object-locator", pre + "table-settings rules cannot use wildcards"},
		{"table-settings without object-locator", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", "parallel-load": {"type": "partitions-auto"}}`,
			"object-locator", pre + "object locator cannot be null"},
		{"unknown parallel-load type", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", ` + tableLoc + `, "parallel-load": {"type": "fast"}}`,
			"parallel-load.type", pre + "parallel-load type must be one of partitions-auto, subpartitions-auto, partitions-list, ranges, none"},
		{"ranges without boundaries", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", ` + tableLoc + `, "parallel-load": {"type": "ranges", "columns": ["id"]}}`,
			"parallel-load.boundaries", pre + "parallel-load ranges requires boundaries"},
		{"ranges boundary width", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", ` + tableLoc + `, "parallel-load": {"type": "ranges", "columns": ["id"], "boundaries": [["1", "2"]]}}`,
			"parallel-load.boundaries", pre + "each parallel-load boundary must have one value per column"},
		{"unknown lob mode", `{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", ` + tableLoc + `, "lob-settings": {"mode": "full"}}`,
			"lob-settings.mode", pre + "lob-settings mode must be one of limited, unlimited, none"},
		{"attribute-name without name", `{"rule-type": "object-mapping", "rule-id": "2", "rule-name": "2", "rule-action": "map-record-to-record", ` + tableLoc + `, "mapping-parameters": {"partition-key-type": "attribute-name"}}`,
			"mapping-parameters.partition-key-name", pre + "partition-key-name is required when partition-key-type is attribute-name"},
		{"unknown partition-key-type", `{"rule-type": "object-mapping", "rule-id": "2", "rule-name": "2", "rule-action": "map-record-to-record", ` + tableLoc + `, "mapping-parameters": {"partition-key-type": "random"}}`,
			"mapping-parameters.partition-key-type", pre + "partition-key-type must be one of attribute-name, primary-key, schema-table, transaction-id"},
		{"unterminated template", `{"rule-type": "object-mapping", "rule-id": "2", "rule-name": "2", "rule-action": "map-record-to-document", ` + tableLoc + `, "mapping-parameters": {"attribute-mappings": [{"target-attribute-name": "k", "value": "${id"}]}}`,
			"mapping-parameters.attribute-mappings.value", pre + "attribute k value has an unterminated ${"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.ParseTableMappings(withRules(tt.rule))
			require.Equal(t, &mapping.Error{RuleID: "2", Field: tt.field, Message: tt.msg}, err)
		})
	}
}

func TestRuleEnumsAreInvalidDocuments(t *testing.T) {
	tests := []struct {
		name, rule, field string
	}{
		{"unknown rule-target", `{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "database", "rule-action": "rename"}`, "rule-target"},
		{"unknown transformation action", `{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "table", "rule-action": "drop"}`, "rule-action"},
		{"unknown object-mapping action", `{"rule-type": "object-mapping", "rule-id": "2", "rule-name": "2", "rule-action": "map-record"}`, "rule-action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.ParseTableMappings(withRules(tt.rule))
			require.Equal(t, &mapping.Error{RuleID: "2", Field: tt.field, Message: "Invalid table mappings document."}, err)
		})
	}
}

func TestTableSettingsAndObjectMapping(t *testing.T) {
	m, err := mapping.ParseTableMappings(withRules(
		`{"rule-type": "table-settings", "rule-id": "2", "rule-name": "2", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "parallel-load": {"type": "ranges", "columns": ["id"], "boundaries": [[1000], ["2000"]]}}`,
		`{"rule-type": "table-settings", "rule-id": "3", "rule-name": "3", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "lob-settings": {"mode": "limited", "bulk-max-size": "16"}}`,
		`{"rule-type": "object-mapping", "rule-id": "4", "rule-name": "4", "rule-action": "map-record-to-record", "object-locator": {"schema-name": "shop", "table-name": "orders"}, "target-table-name": "Orders",
		  "mapping-parameters": {"partition-key-type": "attribute-name", "partition-key-name": "customer", "exclude-columns": ["secret"],
		    "attribute-mappings": [{"target-attribute-name": "key", "attribute-type": "scalar", "attribute-sub-type": "string", "value": "${customer}-${id}"}]}}`,
		`{"rule-type": "object-mapping", "rule-id": "5", "rule-name": "5", "rule-action": "map-record-to-document", "object-locator": {"schema-name": "shop", "table-name": "%"},
		  "mapping-parameters": {"partition-key": {"value": "ALL"}}}`,
	))
	require.NoError(t, err)
	require.Equal(t, &mapping.TableSettings{
		ParallelLoad: &mapping.ParallelLoad{Type: "ranges", Columns: []string{"id"}, Boundaries: [][]string{{"1000"}, {"2000"}}},
		LobSettings:  &mapping.LobSettings{Mode: "limited", BulkMaxSize: 16},
	}, m.TableSettings("shop", "orders"))
	require.Nil(t, m.TableSettings("shop", "other"))

	om := m.ObjectMapping("shop", "orders")
	require.NotNil(t, om)
	require.Equal(t, "4", om.RuleID)
	require.Equal(t, "map-record-to-record", om.Action)
	require.Equal(t, "Orders", om.TargetTableName)
	require.Equal(t, "attribute-name", om.PartitionKeyType)
	require.Equal(t, "customer", om.PartitionKeyName)
	require.True(t, om.Excluded("secret"))
	require.False(t, om.Excluded("id"))
	require.Len(t, om.Attributes, 1)
	key, err := om.Attributes[0].Render(rowOf(map[string]any{"customer": "acme", "id": int64(7)}))
	require.NoError(t, err)
	require.Equal(t, "acme-7", key)
	_, err = om.Attributes[0].Render(rowOf(map[string]any{"id": int64(7)}))
	require.EqualError(t, err, "attribute key references unknown column customer")

	doc := m.ObjectMapping("shop", "customers")
	require.NotNil(t, doc)
	require.Equal(t, "map-record-to-document", doc.Action)
	require.Equal(t, mapping.PartitionKeyConstant, doc.PartitionKeyType)
	require.Equal(t, "ALL", doc.PartitionKeyValue)
	require.Nil(t, m.ObjectMapping("crm", "customers"))
}
