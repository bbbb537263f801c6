package dms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

// TestRestoredStatistics: a task built with the statistics of a task saved
// elsewhere shows them, goes on counting from them when it resumes, and
// starts from zero on start-replication.
func TestRestoredStatistics(t *testing.T) {
	fresh := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		how     dms.StartType
		inserts int64
		fresh   bool
	}{
		{dms.ResumeProcessing, 6, true},
		{dms.StartReplication, 1, false},
	} {
		t.Run(string(tc.how), func(t *testing.T) {
			def := ordersTable()
			src := &chanSource{def: def, changes: make(chan dms.Change, 1)}
			target := memory.New()
			engine := dms.NewEngine()
			t.Cleanup(func() { require.NoError(t, engine.Close()) })
			task, err := engine.NewTask(dms.TaskConfig{ID: "RESTORED", Source: src, Target: target, Mapping: dmstest.SelectSchema(t, "shop"),
				MigrationType: dms.CDC, Checkpoint: "0009",
				Stats:  dms.TaskStats{FullLoadProgressPercent: 100, FreshStartDate: fresh},
				Tables: []dms.TableStatistics{{SchemaName: "shop", TableName: "orders", Inserts: 5, Updates: 2, TableState: dms.TableStateCompleted}},
			})
			require.NoError(t, err)
			require.Equal(t, []dms.TableStatistics{{SchemaName: "shop", TableName: "orders", Inserts: 5, Updates: 2, TableState: dms.TableStateCompleted}}, task.TableStatistics())
			require.Equal(t, fresh, task.Status().Stats.FreshStartDate)

			require.NoError(t, task.Start(context.Background(), tc.how))
			dmstest.WaitStatus(t, task, dms.StatusRunning)
			src.changes <- insertOrder(def, 1, "0010")
			dmstest.WaitRecords(t, target, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert })
			require.NoError(t, task.Stop(context.Background()))
			stats := task.TableStatistics()
			require.Len(t, stats, 1)
			require.Equal(t, tc.inserts, stats[0].Inserts)
			require.Equal(t, tc.fresh, task.Status().Stats.FreshStartDate.Equal(fresh))
		})
	}
}
