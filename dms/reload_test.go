package dms_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

// coveringSource is a chanSource whose snapshots know their position:
// positions are equal-width decimal strings, so they compare as strings.
type coveringSource struct {
	*chanSource
	mu       sync.Mutex
	snapshot dms.Position // the position of the next snapshot
}

func (s *coveringSource) Snapshot(context.Context) (dms.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &coveringSnapshot{chanSource: s.chanSource, at: s.snapshot}, nil
}

func (s *coveringSource) at(pos dms.Position, rows ...dms.Row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshot, s.rows = pos, rows
}

type coveringSnapshot struct {
	*chanSource
	at dms.Position
}

func (s *coveringSnapshot) Covers(pos dms.Position) (bool, error) { return pos <= s.at, nil }

func order(id int64) dms.Row { return dms.Row{id, nil, nil, nil} }

func insertOrder(def *dms.TableDef, id int64, pos dms.Position) dms.Change {
	return dms.Change{Op: dms.OpInsert, Table: def, Data: order(id), TransactionID: uint64(id), TransactionRecord: 1, Position: pos}
}

// TestReloadTables reloads a table while CDC runs: drop, create and load
// from a new snapshot, then the changes that snapshot does not hold; the
// ones it holds, still in the stream, are not delivered twice.
func TestReloadTables(t *testing.T) {
	def := ordersTable()
	src := &coveringSource{chanSource: &chanSource{def: def, changes: make(chan dms.Change, 10)}}
	target := memory.New()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{ID: "RELOAD", Source: src, Target: target, Mapping: dmstest.SelectSchema(t, "shop"), MigrationType: dms.CDC})
	require.NoError(t, err)
	require.ErrorIs(t, task.ReloadTables([]dms.TableID{def.ID()}), dms.ErrTaskNotRunning)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)

	src.changes <- insertOrder(def, 1, "0001")
	dmstest.WaitRecords(t, target, 3, nil)
	// Orders 2 and 3 are committed before the new snapshot, 4 after it; the
	// stream has not delivered them yet.
	src.at("0003", order(1), order(2), order(3))
	require.NoError(t, task.ReloadTables([]dms.TableID{def.ID(), {Schema: "shop", Table: "unselected"}}))
	dmstest.WaitRecords(t, target, 8, nil)
	for _, pos := range []dms.Position{"0002", "0003", "0004"} {
		src.changes <- insertOrder(def, int64(pos[3]-'0'), pos)
	}
	dmstest.WaitRecords(t, target, 9, nil)
	require.NoError(t, task.Stop(context.Background()))

	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table shop.orders []",
		"insert shop.orders [1 <nil> <nil> <nil>]",
		"drop-table shop.orders []",
		"create-table shop.orders []",
		"load shop.orders [1 <nil> <nil> <nil>]",
		"load shop.orders [2 <nil> <nil> <nil>]",
		"load shop.orders [3 <nil> <nil> <nil>]",
		"insert shop.orders [4 <nil> <nil> <nil>]",
	}, dmstest.Describe(target.Records()))
	stats := task.TableStatistics()
	require.Len(t, stats, 1)
	require.True(t, stats[0].FullLoadReloaded)
	require.Equal(t, int64(3), stats[0].FullLoadRows)
	require.Equal(t, dms.TableStateCompleted, stats[0].TableState)
	require.Equal(t, int64(2), stats[0].Inserts, "orders 1 and 4: 2 and 3 came with the reload")
}

func TestReloadTablesRefused(t *testing.T) {
	def := ordersTable()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{ID: "FULL", Source: &chanSource{def: def}, Target: memory.New(),
		Mapping: dmstest.SelectSchema(t, "shop"), MigrationType: dms.FullLoad})
	require.NoError(t, err)
	require.ErrorIs(t, task.ReloadTables([]dms.TableID{def.ID()}), dms.ErrReloadUnsupported, "a full-load task replicates no changes")
}

// TestReloadTablesUnsupportedSource: a source whose snapshots cannot place
// a change leaves its tables as they are, and CDC goes on.
func TestReloadTablesUnsupportedSource(t *testing.T) {
	def := ordersTable()
	src := &chanSource{def: def, changes: make(chan dms.Change, 10)}
	target := memory.New()
	var logs dmstest.LogBuffer
	engine := dms.NewEngine(dms.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{ID: "PLAIN", Source: src, Target: target, Mapping: dmstest.SelectSchema(t, "shop"), MigrationType: dms.CDC})
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	require.NoError(t, task.ReloadTables([]dms.TableID{def.ID()}))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "tables not reloaded") }, dmstest.WaitLimit, 5*time.Millisecond)
	src.changes <- insertOrder(def, 1, "0001")
	dmstest.WaitRecords(t, target, 3, nil)
	require.NoError(t, task.Stop(context.Background()))
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table shop.orders []",
		"insert shop.orders [1 <nil> <nil> <nil>]",
	}, dmstest.Describe(target.Records()))
}
