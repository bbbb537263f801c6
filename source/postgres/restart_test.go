package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

// PostgreSQL restarted mid-cdc (a server of the test's own, stopped and
// started again): the task reconnects, its slot kept the WAL, and the target
// ends with every committed change exactly once, those committed while the
// task was reconnecting included.
func TestCDCSurvivesServerRestart(t *testing.T) {
	own := dmstest.StartOwnPostgres(t)
	srv := own.Server
	dmstest.PostgresExec(t, srv, "DROP TABLE IF EXISTS events", "CREATE TABLE events (id int PRIMARY KEY, note text)")
	target := memory.New()
	task := newTask(t, newSource(srv, noDDL), target, dms.CDC,
		`{"ErrorBehavior":{"RecoverableErrorInterval":1,"RecoverableErrorThrottling":false}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)

	insert := func(from, to int) []string {
		var q []string
		for i := from; i <= to; i++ {
			q = append(q, fmt.Sprintf("INSERT INTO events VALUES (%d, 'e%d')", i, i))
		}
		return q
	}
	dmstest.PostgresExec(t, srv, insert(1, 5)...)
	dmstest.WaitRecords(t, target, 5, memory.Data)
	own.Stop(t)
	require.Equal(t, dms.StatusRunning, task.Status().Status, "a lost source does not stop the task")
	own.Start(t)
	dmstest.PostgresExec(t, srv, insert(6, 10)...)
	dmstest.PostgresExec(t, srv, "UPDATE events SET note = 'changed' WHERE id = 2", "DELETE FROM events WHERE id = 3")

	dmstest.WaitRecords(t, target, 12, memory.Data)
	rows, problems := target.TableState("public", "events")
	require.Empty(t, problems, "no change lost or doubled")
	require.Equal(t, []dms.Row{
		{int64(1), "e1"}, {int64(2), "changed"}, {int64(4), "e4"}, {int64(5), "e5"}, {int64(6), "e6"},
		{int64(7), "e7"}, {int64(8), "e8"}, {int64(9), "e9"}, {int64(10), "e10"},
	}, rows)
	require.Equal(t, dms.StatusRunning, task.Status().Status)
	require.NoError(t, task.Stop(context.Background()))
}
