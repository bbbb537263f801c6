package dms_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/target/memory"
)

func faultTask(t *testing.T, srv dmstest.MySQLServer, target dms.Target, settings string) *dms.Task {
	t.Helper()
	s, err := mapping.ParseTaskSettings(settings)
	require.NoError(t, err)
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{
		ID: "FAULTTASK", Source: mysqlSource(srv), Target: target,
		Mapping: dmstest.SelectSchema(t, srv.Database), MigrationType: dms.CDC, Settings: s,
	})
	require.NoError(t, err)
	return task
}

func inserts(from, to int) []string {
	var q []string
	for i := from; i <= to; i++ {
		q = append(q, fmt.Sprintf("INSERT INTO events VALUES (%d, 'e%d')", i, i))
	}
	return q
}

// MariaDB restarted mid-cdc: the task reconnects and continues from its
// checkpoint; the target ends with every committed change exactly once,
// those committed while the task was reconnecting included.
func TestCDCSurvivesSourceRestart(t *testing.T) {
	own := dmstest.StartOwnMySQL(t)
	srv := own.Server
	dmstest.MySQLExec(t, srv, "CREATE TABLE events (id INT PRIMARY KEY, note VARCHAR(20))")
	target := memory.New()
	task := faultTask(t, srv, target, `{"ErrorBehavior":{"RecoverableErrorInterval":1,"RecoverableErrorThrottling":false}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)

	dmstest.MySQLExec(t, srv, inserts(1, 10)...)
	dmstest.WaitRecords(t, target, 10, memory.Data)
	own.Stop(t)
	require.Equal(t, dms.StatusRunning, task.Status().Status, "a lost source does not stop the task")
	own.Start(t)
	dmstest.MySQLExec(t, srv, inserts(11, 20)...)
	dmstest.MySQLExec(t, srv, "UPDATE events SET note = 'changed' WHERE id = 3", "DELETE FROM events WHERE id = 4")

	dmstest.WaitRecords(t, target, 22, memory.Data)
	rows, problems := target.TableState(srv.Database, "events")
	require.Empty(t, problems, "no change lost or doubled")
	want := []dms.Row{}
	for i := 1; i <= 20; i++ {
		switch i {
		case 3:
			want = append(want, dms.Row{int64(3), "changed"})
		case 4:
		default:
			want = append(want, dms.Row{int64(i), fmt.Sprint("e", i)})
		}
	}
	require.Equal(t, want, rows)
	require.Equal(t, dms.StatusRunning, task.Status().Status)
	require.NoError(t, task.Stop(context.Background()))
}

// A source that stays down past ErrorBehavior.RecoverableErrorCount fails
// the task, and says why.
func TestCDCGivesUpOnSourceDown(t *testing.T) {
	own := dmstest.StartOwnMySQL(t)
	srv := own.Server
	dmstest.MySQLExec(t, srv, "CREATE TABLE events (id INT PRIMARY KEY, note VARCHAR(20))")
	target := memory.New()
	task := faultTask(t, srv, target, `{"ErrorBehavior":{"RecoverableErrorCount":2,"RecoverableErrorInterval":1,"RecoverableErrorThrottling":false}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	own.Stop(t)

	st := dmstest.WaitStatus(t, task, dms.StatusFailed)
	require.Equal(t, dms.StopReasonFatalError, st.StopReason)
	require.Contains(t, st.LastFailureMessage, "gave up after 2 reconnection attempts: ErrorBehavior.RecoverableErrorCount is 2")
	require.Contains(t, st.LastFailureMessage, "mysql source")
}
