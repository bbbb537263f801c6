package dms_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// ruleTarget records, per data change, the table it saw and the
// object-mapping rule TaskInfo gave for it.
type ruleTarget struct {
	mu   sync.Mutex
	seen []string // "schema.table rule-id", "-" without ObjectMappings
}

func (rt *ruleTarget) Write(_ context.Context, task dms.TaskInfo, changes []dms.Change) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for i := range changes {
		c := &changes[i]
		if c.Op.IsControl() {
			continue
		}
		if task.ObjectMappings == nil {
			rt.seen = append(rt.seen, c.Table.ID().String()+" -")
			continue
		}
		rule := "none"
		if om := task.ObjectMappings.ObjectMapping(c.Table); om != nil {
			rule = om.RuleID
		}
		rt.seen = append(rt.seen, c.Table.ID().String()+" "+rule)
	}
	return nil
}

// Object-mapping rules name source tables: a table that transformation
// rules renamed still finds its rule, and only tasks whose mapping has such
// rules hand targets an ObjectMapper.
func TestTaskInfoObjectMappings(t *testing.T) {
	const selectOrders = `{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		"object-locator": {"schema-name": "shop", "table-name": "orders"}}`
	const rename = `{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "table",
		"object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "rename", "value": "purchases"}`
	const objectMapping = `{"rule-type": "object-mapping", "rule-id": "3", "rule-name": "3", "rule-action": "map-record-to-record",
		"object-locator": {"schema-name": "shop", "table-name": "orders"}}`
	const otherTable = `{"rule-type": "object-mapping", "rule-id": "4", "rule-name": "4", "rule-action": "map-record-to-record",
		"object-locator": {"schema-name": "shop", "table-name": "purchases"}}`
	for _, tt := range []struct {
		name  string
		rules string
		want  []string
	}{
		{"no object mapping", selectOrders, []string{"shop.orders -", "shop.orders -"}},
		{"object mapping", selectOrders + "," + objectMapping, []string{"shop.orders 3", "shop.orders 3"}},
		{"renamed table finds its rule by the source name", selectOrders + "," + rename + "," + otherTable + "," + objectMapping,
			[]string{"shop.purchases 3", "shop.purchases 3"}},
		{"rule for another table", selectOrders + "," + otherTable, []string{"shop.orders none", "shop.orders none"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(`{"rules": [` + tt.rules + `]}`)
			require.NoError(t, err)
			src := &chanSource{def: ordersTable(), rows: []dms.Row{{int64(1), int64(5), nil, nil}, {int64(2), int64(20), nil, nil}}}
			target := &ruleTarget{}
			engine := dms.NewEngine()
			t.Cleanup(func() { require.NoError(t, engine.Close()) })
			task, err := engine.NewTask(dms.TaskConfig{ID: "OMTASK", Source: src, Target: target, Mapping: m, MigrationType: dms.FullLoad})
			require.NoError(t, err)
			require.NoError(t, task.Start(context.Background(), dms.StartReplication))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st, err := task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == dms.StatusStopped || s.Status == dms.StatusFailed })
			require.NoError(t, err)
			require.Equal(t, dms.StatusStopped, st.Status, st.LastFailureMessage)
			require.Equal(t, tt.want, target.seen)
		})
	}
}
