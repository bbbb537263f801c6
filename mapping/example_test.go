package mapping_test

import (
	"errors"
	"fmt"

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
