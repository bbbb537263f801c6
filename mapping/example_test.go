package mapping_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/minidms/minidms/mapping"
)

func Example() {
	m, err := mapping.ParseTableMappings(`{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "shop",
		 "object-locator": {"schema-name": "shop", "table-name": "%"}, "rule-action": "include"},
		{"rule-type": "selection", "rule-id": "2", "rule-name": "no-audit",
		 "object-locator": {"schema-name": "shop", "table-name": "audit[_]%"}, "rule-action": "exclude"},
		{"rule-type": "selection", "rule-id": "3", "rule-name": "orders-first",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "include",
		 "load-order": 2}
	]}`)
	if err != nil {
		panic(err)
	}
	fmt.Println("shop.orders:", m.Selected("shop", "orders"), m.LoadOrder("shop", "orders"))
	fmt.Println("shop.audit_log:", m.Selected("shop", "audit_log"))
	fmt.Println("shop.auditlog:", m.Selected("shop", "auditlog"))
	fmt.Println("crm.orders:", m.Selected("crm", "orders"))

	s, err := mapping.ParseTaskSettings(`{"FullLoadSettings": {"CommitRate": 5000}}`)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.FullLoadSettings.CommitRate, s.FullLoadSettings.TargetTablePrepMode)

	_, err = mapping.ParseTableMappings(`{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-action": "include"}]}`)
	var invalid *mapping.Error
	if errors.As(err, &invalid) {
		fmt.Println("InvalidParameterValueException:", invalid.Message)
	}
	// Output:
	// shop.orders: true 2
	// shop.audit_log: false
	// shop.auditlog: true
	// crm.orders: false
	// 5000 DROP_AND_CREATE
	// InvalidParameterValueException: Error in mapping rules. Rule with ruleId = 1 failed validation. object locator cannot be null
}

func Example_transformations() {
	m, err := mapping.ParseTableMappings(`{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "orders", "rule-action": "include",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"},
		 "filters": [{"filter-type": "source", "column-name": "total",
		              "filter-conditions": [{"filter-operator": "gte", "value": "100"}]}]},
		{"rule-type": "transformation", "rule-id": "2", "rule-name": "table", "rule-target": "table",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "rename", "value": "big_orders"},
		{"rule-type": "transformation", "rule-id": "3", "rule-name": "label", "rule-target": "column",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "add-column",
		 "value": "label", "expression": "upper($customer) || ':' || $total", "data-type": {"type": "string", "length": 40}}
	]}`)
	if err != nil {
		panic(err)
	}
	table := &mapping.Table{
		Schema: "shop", Name: "orders", PrimaryKey: []string{"id"},
		Columns: []mapping.Column{{Name: "id", Type: "INT4"}, {Name: "customer", Type: "WSTRING", Length: 20}, {Name: "total", Type: "NUMERIC", Precision: 10, Scale: 2}},
	}
	filter, err := m.Filter(table)
	if err != nil {
		panic(err)
	}
	plan, err := m.Plan(table)
	if err != nil {
		panic(err)
	}
	for _, row := range [][]any{{int64(1), "ann", "250.00"}, {int64(2), "bob", "99.90"}} {
		if !filter.Match(func(c string) (any, bool) {
			return row[slices.IndexFunc(table.Columns, func(x mapping.Column) bool { return x.Name == c })], true
		}) {
			fmt.Println("filtered out:", row)
			continue
		}
		out, _, err := plan.Row(row, nil, &mapping.Header{Operation: mapping.OperationInsert})
		if err != nil {
			panic(err)
		}
		fmt.Println(plan.Schema+"."+plan.Table, out)
	}
	fmt.Println(filter.SQL(func(s string) string { return "`" + s + "`" }, func(s string) string { return "'" + s + "'" }))
	// Output:
	// shop.big_orders [1 ann 250.00 ANN:250]
	// filtered out: [2 bob 99.90]
	// (`total` >= 100)
}
