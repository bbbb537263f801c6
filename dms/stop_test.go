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

func stopTask(t *testing.T, stop string, now func() time.Time) (*dms.Task, *chanSource, *memory.Target, error) {
	t.Helper()
	src := &chanSource{def: ordersTable(), changes: make(chan dms.Change, 10)}
	target := memory.New()
	engine := dms.NewEngine(dms.WithClock(now))
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{ID: "STOP", Source: src, Target: target,
		Mapping: dmstest.SelectSchema(t, "shop"), MigrationType: dms.CDC, CdcStopPosition: stop})
	return task, src, target, err
}

func insertAt(def *dms.TableDef, id int64, at time.Time) dms.Change {
	return dms.Change{Op: dms.OpInsert, Table: def, Data: dms.Row{id, nil, nil, nil}, TransactionID: uint64(id), TransactionRecord: 1, CommitTime: at, Position: dms.Position(at.Format(time.RFC3339))}
}

func TestCdcStopAtCommitTime(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	task, src, target, err := stopTask(t, "commit_time:2024-01-01T00:00:10", time.Now)
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	for _, s := range []int{5, 10, 11, 12} {
		src.changes <- insertAt(src.def, int64(s), base.Add(time.Duration(s)*time.Second))
	}
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)
	require.Equal(t, "Stop Reason STOPPED_AT_COMMIT_TIME", st.StopReason)
	require.Equal(t, []string{"insert shop.orders [5 <nil> <nil> <nil>]", "insert shop.orders [10 <nil> <nil> <nil>]"},
		dmstest.Describe(dmstest.WaitRecords(t, target, 2, memory.Data)))
	require.Len(t, target.Records(), 4, "2 create-table and the 2 changes up to the stop")
	require.Equal(t, dms.Position("2024-01-01T00:00:10Z"), st.Checkpoint, "resume continues after the last change delivered")
}

func TestCdcStopAtServerTime(t *testing.T) {
	start := time.Now()
	task, src, target, err := stopTask(t, "server_time:"+start.Add(300*time.Millisecond).UTC().Format(time.RFC3339Nano), time.Now)
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	src.changes <- insertAt(src.def, 1, start)
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)
	require.Equal(t, "Stop Reason STOPPED_AT_SERVER_TIME", st.StopReason)
	require.Equal(t, []string{"insert shop.orders [1 <nil> <nil> <nil>]"}, dmstest.Describe(dmstest.WaitRecords(t, target, 1, memory.Data)))
}

func TestCdcStopPositionErrors(t *testing.T) {
	for stop, want := range map[string]string{
		"2018-02-09T12:12:12":        `task STOP: CdcStopPosition "2018-02-09T12:12:12": want server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS`,
		"server_time:tomorrow":       `task STOP: CdcStopPosition "server_time:tomorrow": the time is not YYYY-MM-DDTHH:MM:SS`,
		"checkpoint:V1#27#mysql-bin": `task STOP: CdcStopPosition "checkpoint:V1#27#mysql-bin": want server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS`,
	} {
		_, _, _, err := stopTask(t, stop, time.Now)
		require.ErrorContains(t, err, want, stop)
	}
}
