package postgres_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

// bigText is over 30 KB of md5 hex, which compresses too little to stay
// inline: PostgreSQL stores it out of line (TOAST).
const bigText = "(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 1000) i)"

func TestUnchangedToastValue(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv,
		"CREATE TABLE docs (id int PRIMARY KEY, n int, body text)",
		"CREATE TABLE docs_full (id int PRIMARY KEY, n int, body text)",
		"ALTER TABLE docs_full REPLICA IDENTITY FULL",
	)
	var big string
	require.NoError(t, connect(t, srv).QueryRow(context.Background(), "SELECT "+bigText).Scan(&big))
	require.Len(t, big, 32000)

	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv,
		"INSERT INTO docs VALUES (1, 1, "+bigText+")",
		"INSERT INTO docs_full VALUES (1, 1, "+bigText+")",
		"UPDATE docs SET n = 2 WHERE id = 1",
		"UPDATE docs_full SET n = 2 WHERE id = 1",
		"UPDATE docs SET body = 'small' WHERE id = 1",
	)
	recs := waitRecords(t, target, 5, memory.Data)

	require.Equal(t, dms.Row{int64(1), int64(1), big}, recs[0].Data)
	require.Equal(t, dms.Row{int64(1), int64(1), big}, recs[1].Data)

	// Default replica identity: PostgreSQL sends neither the unchanged
	// value nor an old row, so the column is nil (documented), never "".
	require.Equal(t, dms.OpUpdate, recs[2].Op)
	require.Equal(t, "docs", recs[2].Table.Table)
	require.Equal(t, dms.Row{int64(1), int64(2), nil}, recs[2].Data)
	require.Nil(t, recs[2].Before)

	// REPLICA IDENTITY FULL: the old row carries the value.
	require.Equal(t, "docs_full", recs[3].Table.Table)
	require.Equal(t, dms.Row{int64(1), int64(2), big}, recs[3].Data)
	require.Equal(t, dms.Row{int64(1), int64(1), big}, recs[3].Before)

	require.Equal(t, dms.Row{int64(1), int64(2), "small"}, recs[4].Data)
}

func TestDDLCapture(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY, a int)")
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv,
		"INSERT INTO t VALUES (1, 10)",
		"ALTER TABLE t ADD COLUMN b text",
		"INSERT INTO t VALUES (2, 20, 'x')",
		"ALTER TABLE t DROP COLUMN a",
		"INSERT INTO t VALUES (3, 'y')",
		"ALTER TABLE t ALTER COLUMN b TYPE varchar(10)",
		"INSERT INTO t VALUES (4, 'z')",
		"ALTER TABLE t RENAME COLUMN b TO c",
		"INSERT INTO t VALUES (5, 'w')",
		"ALTER TABLE t ALTER COLUMN c SET DEFAULT 'd'", // no column change: nothing
		"CREATE TABLE t2 (id int PRIMARY KEY)",
		"INSERT INTO t2 VALUES (1)",
		"CREATE TEMP TABLE tmp (id int PRIMARY KEY)", // not publishable: the trigger leaves it alone
		"CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY)",
		"CREATE TABLE nokey (v int)",
		"UPDATE nokey SET v = 1", // a new table without identity stays out of the publication
		"CREATE SCHEMA other",
		"CREATE TABLE other.unrelated (id int PRIMARY KEY)", // not selected
		"INSERT INTO other.unrelated VALUES (1)",
		"INSERT INTO t VALUES (6, 'end')",
	)
	recs := waitRecords(t, target, 15, nil)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.t []",
		"insert public.t [1 10]",
		"add-column public.t [] column b",
		"insert public.t [2 20 x]",
		"drop-column public.t [] column a",
		"insert public.t [3 y]",
		"column-type-change public.t [] column b",
		"insert public.t [4 z]",
		"rename-column public.t [] column c from b",
		"insert public.t [5 w]",
		"create-table public.t2 []",
		"insert public.t2 [1]",
		"create-table public.nokey []",
		"insert public.t [6 end]",
	}, describe(recs))
	for i, cols := range map[int][]string{
		2: {"id", "a"}, 3: {"id", "a", "b"}, 4: {"id", "a", "b"}, 5: {"id", "b"}, 6: {"id", "b"},
		7: {"id", "b"}, 8: {"id", "b"}, 9: {"id", "c"}, 10: {"id", "c"}, 11: {"id"},
	} {
		require.Equal(t, cols, colNames(recs[i].Table), "record %d", i)
	}
	for _, i := range []int{3, 5, 7, 9} {
		require.Same(t, recs[i].Table, recs[i+1].Table, "a schema change and the rows after it share one definition")
		require.NotEmpty(t, recs[i].Position)
		require.NotZero(t, recs[i].TransactionID)
		require.Equal(t, 1, recs[i].TransactionRecord)
	}
	require.NotSame(t, recs[2].Table, recs[4].Table, "a definition handed out is never changed")
	require.Equal(t, []string{"id", "a"}, colNames(recs[2].Table))
	require.Equal(t, dms.TypeNCLOB, recs[5].Table.Columns[1].Type)
	require.Equal(t, dms.TypeWString, recs[7].Table.Columns[1].Type)
	require.Equal(t, 10, recs[7].Table.Columns[1].Length)
	require.Equal(t, "ALTER TABLE t RENAME COLUMN b TO c", recs[9].Statement)
	require.Equal(t, []string{"id"}, recs[11].Table.PrimaryKey)

	stats := task.TableStatistics()
	require.Len(t, stats, 2)
	require.Equal(t, "t", stats[0].TableName)
	require.Equal(t, int64(4), stats[0].Ddls)
	require.Equal(t, int64(6), stats[0].Inserts)
	require.Equal(t, "t2", stats[1].TableName)
	require.Equal(t, int64(1), stats[1].Inserts)
}

func TestDDLCaptureOff(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY, a int)")
	target := memory.New()
	task := newTask(t, newSource(srv, noDDL), target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv,
		"INSERT INTO t VALUES (1, 10)",
		"ALTER TABLE t ADD COLUMN b text",
		"INSERT INTO t VALUES (2, 20, 'x')",
		"ALTER TABLE t RENAME COLUMN b TO c",
		"ALTER TABLE t DROP COLUMN a",
		"INSERT INTO t VALUES (3, 'y')",
	)
	waitRecords(t, target, 3, memory.Data)
	recs := target.Records()
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.t []",
		"insert public.t [1 10]",
		"insert public.t [2 20 x]",
		"insert public.t [3 y]",
	}, describe(recs))
	require.Equal(t, []string{"id", "a", "b"}, colNames(recs[3].Table), "rows still decode with their own columns")
	require.Equal(t, []string{"id", "c"}, colNames(recs[4].Table))

	var triggers int
	require.NoError(t, connect(t, srv).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_event_trigger WHERE evtname = 'awsdms_intercept_ddl'").Scan(&triggers))
	require.Zero(t, triggers, "no DDL artifacts with CaptureDdls off")
}

// TestCloseStopsGoroutines: Close leaves no goroutine behind.
func TestCloseStopsGoroutines(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY)")
	src := newSource(srv)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cs, err := src.Changes(ctx, "", schemaSel("public"))
	require.NoError(t, err)
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (1)")
	require.Equal(t, dms.Row{int64(1)}, next(t, cs).Data)
	require.NoError(t, cs.Close())
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // polling, bounded by the deadline
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines left after Close: %d > %d\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestDDLWhileStopped: schema changes made while the task is stopped, with
// no row in between, still produce their control changes on resume,
// although the catalogue is already past them when the stream starts.
func TestDDLWhileStopped(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE u (id int PRIMARY KEY)")
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	// The checkpoint is a change of u: resuming re-reads its transaction,
	// which says nothing about t.
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (1, 10)", "INSERT INTO u VALUES (1)")
	waitRecords(t, target, 2, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	waitStatus(t, task, dms.StatusStopped)

	dmstest.PostgresExec(t, srv,
		"ALTER TABLE t ADD COLUMN b text",
		"ALTER TABLE t DROP COLUMN a",
		"INSERT INTO t VALUES (2, 'x')",
		"ALTER TABLE t RENAME COLUMN b TO c",
	)
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (3, 'y')")
	waitRecords(t, target, 4, memory.Data)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.t []",
		"create-table public.u []",
		"insert public.t [1 10]",
		"insert public.u [1]",
		"add-column public.t [] column b",
		"drop-column public.t [] column a",
		"insert public.t [2 x]",
		"rename-column public.t [] column c from b",
		"insert public.t [3 y]",
	}, describe(target.Records()))
}
