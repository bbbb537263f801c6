package dms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/target/memory"
)

// chanSource is a dms.Source over one table held in memory whose changes
// arrive on a channel.
type chanSource struct {
	def     *dms.TableDef
	rows    []dms.Row
	changes chan dms.Change
}

func (s *chanSource) Snapshot(context.Context) (dms.Snapshot, error) { return s, nil }
func (s *chanSource) Position() dms.Position                         { return "" }
func (s *chanSource) Close() error                                   { return nil }

func (s *chanSource) Tables(_ context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	if !sel.Selected(s.def.Schema, s.def.Table) {
		return nil, nil
	}
	return []*dms.TableDef{s.def}, nil
}

func (s *chanSource) Load(_ context.Context, _ *dms.TableDef, emit func(dms.Row) error) error {
	for _, r := range s.rows {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *chanSource) Changes(context.Context, dms.Position, dms.TableSelector) (dms.ChangeStream, error) {
	return s, nil
}

func (s *chanSource) Next(ctx context.Context) (dms.Change, error) {
	select {
	case c := <-s.changes:
		return c, nil
	case <-ctx.Done():
		return dms.Change{}, ctx.Err()
	}
}

func ordersTable() *dms.TableDef {
	return &dms.TableDef{
		Schema: "shop", Table: "orders",
		Columns: []dms.Column{
			{Name: "id", Type: dms.TypeInt4},
			{Name: "amount", Type: dms.TypeInt8, Nullable: true},
			{Name: "secret", Type: dms.TypeWString, Length: 10, Nullable: true},
			{Name: "note", Type: dms.TypeWString, Length: 20, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
}

// transformMapping renames schema, table and a column, removes one, adds
// one computed from an expression, retypes the key and keeps only orders of
// at least 10.
const transformMapping = `{"rules": [
	{"rule-type": "selection", "rule-id": "1", "rule-name": "orders", "rule-action": "include",
	 "object-locator": {"schema-name": "shop", "table-name": "orders"},
	 "filters": [{"filter-type": "source", "column-name": "amount",
	              "filter-conditions": [{"filter-operator": "gte", "value": "10"}]}]},
	{"rule-type": "transformation", "rule-id": "2", "rule-name": "schema", "rule-target": "schema",
	 "object-locator": {"schema-name": "shop"}, "rule-action": "rename", "value": "store"},
	{"rule-type": "transformation", "rule-id": "3", "rule-name": "table", "rule-target": "table",
	 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "rename", "value": "purchases"},
	{"rule-type": "transformation", "rule-id": "4", "rule-name": "column", "rule-target": "column",
	 "object-locator": {"schema-name": "shop", "table-name": "orders", "column-name": "amount"}, "rule-action": "rename", "value": "total"},
	{"rule-type": "transformation", "rule-id": "5", "rule-name": "secret", "rule-target": "column",
	 "object-locator": {"schema-name": "shop", "table-name": "orders", "column-name": "secret"}, "rule-action": "remove-column"},
	{"rule-type": "transformation", "rule-id": "6", "rule-name": "label", "rule-target": "column",
	 "object-locator": {"schema-name": "shop", "table-name": "orders"}, "rule-action": "add-column", "value": "label",
	 "expression": "upper($note) || '-' || ($amount * 2) || '-' || operation_indicator('D', 'U', 'I')",
	 "data-type": {"type": "string", "length": 30}},
	{"rule-type": "transformation", "rule-id": "7", "rule-name": "id", "rule-target": "column",
	 "object-locator": {"schema-name": "shop", "table-name": "orders", "column-name": "id"}, "rule-action": "change-data-type",
	 "data-type": {"type": "string", "length": 10}}
]}`

func wantTargetDef() *dms.TableDef {
	return &dms.TableDef{
		Schema: "store", Table: "purchases",
		Columns: []dms.Column{
			{Name: "id", Type: dms.TypeString, Length: 10},
			{Name: "total", Type: dms.TypeInt8, Nullable: true},
			{Name: "note", Type: dms.TypeWString, Length: 20, Nullable: true},
			{Name: "label", Type: dms.TypeString, Length: 30, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
}

type testTask struct {
	task   *dms.Task
	target *memory.Target
}

func startTask(t *testing.T, src dms.Source, doc, settings string, typ dms.MigrationType) testTask {
	t.Helper()
	m, err := mapping.ParseTableMappings(doc)
	require.NoError(t, err)
	s, err := mapping.ParseTaskSettings(settings)
	require.NoError(t, err)
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	target := memory.New()
	task, err := engine.NewTask(dms.TaskConfig{ID: "XFTASK", Source: src, Target: target, Mapping: m, Settings: s, MigrationType: typ})
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	return testTask{task: task, target: target}
}

func (tt testTask) wait(t *testing.T, want dms.Status) dms.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := tt.task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == want || s.Status == dms.StatusFailed })
	require.NoError(t, err)
	require.Equal(t, want, st.Status, st.LastFailureMessage)
	return st
}

func lines(recs []memory.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = fmt.Sprintf("%s %s %v", r.Op, r.Table.ID(), r.Data)
		if r.Before != nil {
			out[i] += fmt.Sprintf(" before %v", r.Before)
		}
		if r.Column != "" {
			out[i] += " column " + r.Column
		}
	}
	return out
}

func TestTransformFullLoad(t *testing.T) {
	src := &chanSource{def: ordersTable(), rows: []dms.Row{
		{int64(1), int64(5), "s1", "small"},
		{int64(2), int64(10), "s2", "edge"},
		{int64(3), nil, "s3", "none"},
		{int64(4), int64(250), "s4", nil},
	}}
	tt := startTask(t, src, transformMapping, "", dms.FullLoad)
	tt.wait(t, dms.StatusStopped)

	recs := tt.target.Records()
	require.Equal(t, []string{
		"drop-table store.purchases []",
		"create-table store.purchases []",
		"load store.purchases [2 10 edge EDGE-20-I]",
		"load store.purchases [4 250 <nil> <nil>]",
	}, lines(recs))
	require.Equal(t, wantTargetDef(), recs[0].Table)
	// One target definition per source definition.
	for _, r := range recs[1:] {
		require.Same(t, recs[0].Table, r.Table)
	}
	require.Equal(t, "2", recs[2].Data[0], "change-data-type int4 → string")

	stats := tt.task.TableStatistics()
	require.Len(t, stats, 1)
	require.Equal(t, "shop", stats[0].SchemaName, "statistics name the source table")
	require.Equal(t, "orders", stats[0].TableName)
	require.Equal(t, int64(2), stats[0].FullLoadRows, "filtered rows are not counted")
	require.Equal(t, dms.TableStateCompleted, stats[0].TableState)
}

func TestTransformCDC(t *testing.T) {
	def := ordersTable()
	src := &chanSource{def: def, changes: make(chan dms.Change, 16)}
	tt := startTask(t, src, transformMapping, "", dms.CDC)
	tt.wait(t, dms.StatusRunning)

	commit := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, c := range []dms.Change{
		{Op: dms.OpInsert, Data: dms.Row{int64(1), int64(5), "s", "small"}},
		{Op: dms.OpInsert, Data: dms.Row{int64(2), int64(20), "s", "big"}},
		// Updates are judged by their after image, deletes by the deleted row.
		{Op: dms.OpUpdate, Data: dms.Row{int64(1), int64(50), "s", "grown"}, Before: dms.Row{int64(1), int64(5), "s", "small"}},
		{Op: dms.OpUpdate, Data: dms.Row{int64(2), int64(2), "s", "shrunk"}, Before: dms.Row{int64(2), int64(20), "s", "big"}},
		{Op: dms.OpDelete, Data: dms.Row{int64(2), int64(2), "s", "shrunk"}},
		{Op: dms.OpDelete, Data: dms.Row{int64(1), int64(50), "s", "grown"}},
	} {
		c.Table, c.CommitTime, c.TransactionID = def, commit, 7
		src.changes <- c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := tt.target.WaitFor(ctx, 3, memory.Data)
	require.NoError(t, err)
	require.NoError(t, tt.task.Stop(ctx))

	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table store.purchases []",
		"insert store.purchases [2 20 big BIG-40-I]",
		"update store.purchases [1 50 grown GROWN-100-U] before [1 5 small SMALL-10-U]",
		"delete store.purchases [1 50 grown GROWN-100-D]",
	}, lines(tt.target.Records()))
	require.Len(t, recs, 3)
	require.Equal(t, wantTargetDef(), recs[0].Table)

	stats := tt.task.TableStatistics()
	require.Len(t, stats, 1)
	require.Equal(t, dms.TableStatistics{
		SchemaName: "shop", TableName: "orders",
		Inserts: 1, Updates: 1, Deletes: 1, AppliedInserts: 1, AppliedUpdates: 1, AppliedDeletes: 1,
		LastUpdateTime: stats[0].LastUpdateTime, TableState: dms.TableStateCompleted, ValidationState: "Not enabled",
	}, stats[0])
}

func TestTransformDDLColumnNames(t *testing.T) {
	def := ordersTable()
	src := &chanSource{def: def, changes: make(chan dms.Change, 1)}
	tt := startTask(t, src, transformMapping, "", dms.CDC)
	tt.wait(t, dms.StatusRunning)
	src.changes <- dms.Change{Op: dms.OpColumnTypeChange, Table: def, Column: "amount"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := tt.target.WaitFor(ctx, 1, func(r memory.Record) bool { return r.Op == dms.OpColumnTypeChange })
	require.NoError(t, err)
	require.Equal(t, []string{"column-type-change store.purchases [] column total"}, lines(recs))
	require.Equal(t, "orders", tt.task.TableStatistics()[0].TableName)
}

func TestTargetTablePrepModeControlRecords(t *testing.T) {
	const renameOnly = `{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		 "object-locator": {"schema-name": "shop", "table-name": "%"}},
		{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "table",
		 "object-locator": {"schema-name": "shop", "table-name": "%"}, "rule-action": "add-prefix", "value": "dms_"}
	]}`
	tests := []struct {
		mode string
		want []string
	}{
		{"DROP_AND_CREATE", []string{
			"drop-table shop.dms_orders []",
			"create-table shop.dms_orders []",
			"load shop.dms_orders [1 5 s n]",
		}},
		{"TRUNCATE_BEFORE_LOAD", []string{
			"create-table shop.dms_orders []",
			"load shop.dms_orders [1 5 s n]",
		}},
		{"DO_NOTHING", []string{
			"load shop.dms_orders [1 5 s n]",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			src := &chanSource{def: ordersTable(), rows: []dms.Row{{int64(1), int64(5), "s", "n"}}}
			tt := startTask(t, src, renameOnly, `{"FullLoadSettings": {"TargetTablePrepMode": "`+tc.mode+`"}}`, dms.FullLoad)
			tt.wait(t, dms.StatusStopped)
			require.Equal(t, tc.want, lines(tt.target.Records()))
		})
	}
}

func TestFailOnNoTablesCaptured(t *testing.T) {
	const other = `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		"object-locator": {"schema-name": "other", "table-name": "%"}}]}`
	t.Run("true fails", func(t *testing.T) {
		tt := startTask(t, &chanSource{def: ordersTable()}, other, "", dms.FullLoad)
		st := tt.wait(t, dms.StatusFailed)
		require.Equal(t, dms.ErrNoTables.Error(), st.LastFailureMessage)
	})
	t.Run("false stops normally", func(t *testing.T) {
		tt := startTask(t, &chanSource{def: ordersTable()}, other, `{"ErrorBehavior": {"FailOnNoTablesCaptured": false}}`, dms.FullLoad)
		st := tt.wait(t, dms.StatusStopped)
		require.Equal(t, dms.StopReasonFullLoadOnlyDone, st.StopReason)
		require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
		require.Empty(t, tt.target.Records())
	})
}

func TestTransformDataErrorPolicy(t *testing.T) {
	const doc = `{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"}},
		{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column",
		 "object-locator": {"schema-name": "shop", "table-name": "orders", "column-name": "note"},
		 "rule-action": "change-data-type", "data-type": {"type": "int4"}}
	]}`
	rows := []dms.Row{
		{int64(1), int64(5), "s", "10"},
		{int64(2), int64(5), "s", "not a number"},
		{int64(3), int64(5), "s", "30"},
	}
	tests := []struct {
		policy string // "" keeps the default, LOG_ERROR
		status dms.Status
		want   []string
	}{
		{"", dms.StatusStopped, []string{"load shop.orders [1 5 s 10]", "load shop.orders [3 5 s 30]"}},
		{"IGNORE_RECORD", dms.StatusStopped, []string{"load shop.orders [1 5 s 10]", "load shop.orders [3 5 s 30]"}},
		{"SUSPEND_TABLE", dms.StatusStopped, []string{"load shop.orders [1 5 s 10]"}},
		{"STOP_TASK", dms.StatusFailed, nil},
	}
	for _, tc := range tests {
		t.Run("policy "+tc.policy, func(t *testing.T) {
			settings := `{"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}`
			if tc.policy != "" {
				settings = `{"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}, "ErrorBehavior": {"DataErrorPolicy": "` + tc.policy + `"}}`
			}
			tt := startTask(t, &chanSource{def: ordersTable(), rows: rows}, doc, settings, dms.FullLoad)
			st := tt.wait(t, tc.status)
			if tc.status == dms.StatusFailed {
				require.Equal(t, `load table shop.orders: transform load row of shop.orders: table shop.orders: cannot convert string "not a number" to INT4 for column note`, st.LastFailureMessage)
				return
			}
			require.Equal(t, tc.want, lines(tt.target.Records()))
		})
	}
}

// TestMappingWithMySQL runs the mapping of transformMapping against a real
// MySQL/MariaDB source through full load and then CDC.
func TestMappingWithMySQL(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE orders (id INT PRIMARY KEY, amount BIGINT, secret VARCHAR(10), note VARCHAR(20))",
		"CREATE TABLE other (id INT PRIMARY KEY)",
		"INSERT INTO orders VALUES (1, 5, 's', 'small'), (2, 10, 's', 'edge'), (3, 300, 's', NULL)",
		"INSERT INTO other VALUES (1)",
	)
	doc := strings.ReplaceAll(transformMapping, `"schema-name": "shop"`, fmt.Sprintf("%q: %q", "schema-name", srv.Database))
	m, err := mapping.ParseTableMappings(doc)
	require.NoError(t, err)
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	target := memory.New()
	task, err := engine.NewTask(dms.TaskConfig{ID: "XFMYSQL", Source: mysqlSource(srv), Target: target, Mapping: m, MigrationType: dms.FullLoadAndCDC})
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.WaitRecords(t, target, 2, memory.Data)

	dmstest.MySQLExec(t, srv,
		"INSERT INTO orders VALUES (4, 1, 's', 'tiny'), (5, 40, 's', 'big')",
		"UPDATE orders SET amount = 41 WHERE id = 5",
		"UPDATE orders SET amount = 2 WHERE id = 2",
		"DELETE FROM orders WHERE id = 1",
		"DELETE FROM orders WHERE id = 3",
	)
	recs := dmstest.WaitRecords(t, target, 5, memory.Data)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"drop-table store.purchases []",
		"create-table store.purchases []",
		"load store.purchases [2 10 edge EDGE-20-I]",
		"load store.purchases [3 300 <nil> <nil>]",
		"insert store.purchases [5 40 big BIG-80-I]",
		"update store.purchases [5 41 big BIG-82-U] before [5 40 big BIG-80-U]",
		"delete store.purchases [3 300 <nil> <nil>]",
	}, describe(srv.Database, target.Records()))
	require.Len(t, recs, 5)

	stats := task.TableStatistics()
	require.Len(t, stats, 1)
	require.Equal(t, srv.Database, stats[0].SchemaName)
	require.Equal(t, "orders", stats[0].TableName)
	require.Equal(t, int64(2), stats[0].FullLoadRows)
	require.Equal(t, int64(1), stats[0].Inserts)
	require.Equal(t, int64(1), stats[0].Updates)
	require.Equal(t, int64(1), stats[0].Deletes)
}
