package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

func TestFullLoadOfThreeTables(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv,
		"CREATE TABLE authors (id int PRIMARY KEY, name varchar(50) NOT NULL)",
		"CREATE TABLE books (id int PRIMARY KEY, author_id int, title text)",
		"CREATE TABLE reviews (id bigint PRIMARY KEY, book_id int, stars smallint)",
		"INSERT INTO authors VALUES (1, 'Ann'), (2, 'Bob')",
		"INSERT INTO books VALUES (10, 1, 'Alpha'), (11, 2, 'Beta'), (12, 2, NULL)",
		"INSERT INTO reviews VALUES (100, 10, 5)",
	)
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.FullLoad, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	st := waitStatus(t, task, dms.StatusStopped)

	require.Equal(t, dms.StopReasonFullLoadOnlyDone, st.StopReason)
	require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
	require.Equal(t, 3, st.Stats.TablesLoaded)
	require.Zero(t, st.Stats.TablesLoading+st.Stats.TablesQueued+st.Stats.TablesErrored)
	recs := target.Records()
	require.Equal(t, []string{
		"drop-table public.authors []",
		"drop-table public.books []",
		"drop-table public.reviews []",
		"create-table public.authors []",
		"create-table public.books []",
		"create-table public.reviews []",
		"load public.authors [1 Ann]",
		"load public.authors [2 Bob]",
		"load public.books [10 1 Alpha]",
		"load public.books [11 2 Beta]",
		"load public.books [12 2 <nil>]",
		"load public.reviews [100 10 5]",
	}, describe(recs))
	require.Equal(t, []dms.Column{
		{Name: "id", Type: dms.TypeInt4, SourceType: "integer"},
		{Name: "name", Type: dms.TypeWString, Length: 50, SourceType: "character varying(50)"},
	}, recs[3].Table.Columns)
	require.Equal(t, []string{"id"}, recs[3].Table.PrimaryKey)
	for _, r := range recs[6:] {
		require.NoError(t, dms.CheckRow(r.Table, r.Data))
		require.Empty(t, r.Position, "full-load rows have no position")
	}

	stats := task.TableStatistics()
	require.Len(t, stats, 3)
	for i, want := range []struct {
		table string
		rows  int64
	}{{"authors", 2}, {"books", 3}, {"reviews", 1}} {
		require.Equal(t, want.table, stats[i].TableName)
		require.Equal(t, "public", stats[i].SchemaName)
		require.Equal(t, want.rows, stats[i].FullLoadRows)
		require.Equal(t, dms.TableStateCompleted, stats[i].TableState)
		require.Zero(t, stats[i].FullLoadErrorRows)
		require.Zero(t, stats[i].Inserts+stats[i].Updates+stats[i].Deletes+stats[i].Ddls)
	}
}

func TestCDCInsertUpdateDeleteAndTransactions(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE items (id int PRIMARY KEY, label varchar(20))")
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC, "")
	start := time.Now().UTC().Add(-time.Second)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.items []",
	}, describe(waitRecords(t, target, 2, nil)))

	dmstest.PostgresExec(t, srv,
		"INSERT INTO items VALUES (1, 'one')",
		"UPDATE items SET label = 'uno' WHERE id = 1",
		"UPDATE items SET id = 3 WHERE id = 1",
		"DELETE FROM items WHERE id = 3",
	)
	dmstest.PostgresExec(t, srv, bulkTxn(100, 150)...)
	dmstest.PostgresExec(t, srv, "BEGIN; INSERT INTO items VALUES (7, 'rolled back'); DELETE FROM items WHERE id = 100; ROLLBACK")
	dmstest.PostgresExec(t, srv, "TRUNCATE items", "INSERT INTO items VALUES (2, 'after rollback')") // TRUNCATE is not captured

	recs := waitRecords(t, target, 55, memory.Data)
	lines := describe(recs)
	require.Equal(t, []string{
		"insert public.items [1 one]",
		"update public.items [1 uno]", // key unchanged: PostgreSQL sends no old row
		"update public.items [3 uno] before [1 <nil>]",
		"delete public.items [3 <nil>]", // default replica identity: the key only
	}, lines[:4])
	for i, r := range recs[4:54] {
		require.Equal(t, fmt.Sprintf("insert public.items [%d bulk]", 100+i), lines[4+i])
		require.Equal(t, recs[4].TransactionID, r.TransactionID, "one transaction")
		require.Equal(t, i+1, r.TransactionRecord)
		require.Equal(t, recs[4].CommitTime, r.CommitTime)
	}
	require.Equal(t, "insert public.items [2 after rollback]", lines[54])
	require.Len(t, recs, 55, "the rolled-back transaction produced records")
	ids := map[uint64]bool{}
	for _, r := range recs {
		require.NotEmpty(t, r.Position)
		require.NotZero(t, r.TransactionID)
		require.Equal(t, time.UTC, r.CommitTime.Location())
		require.False(t, r.CommitTime.Before(start), "commit time %v before the test started", r.CommitTime)
		require.False(t, r.CommitTime.After(time.Now().Add(time.Second)), "commit time %v in the future", r.CommitTime)
		ids[r.TransactionID] = true
	}
	require.Len(t, ids, 6, "four autocommit statements, the bulk transaction and the last insert")
	require.Equal(t, 1, recs[0].TransactionRecord)
	require.Regexp(t, `^[0-9A-F]{8}/[0-9A-F]{8}\.1\.[0-9A-F]{8}/[0-9A-F]{8}$`, string(recs[0].Position))
	require.Regexp(t, `^[0-9A-F]{8}/[0-9A-F]{8}\.50\.[0-9A-F]{8}/[0-9A-F]{8}$`, string(recs[53].Position))

	stats := task.TableStatistics()
	require.Len(t, stats, 1)
	require.Equal(t, int64(52), stats[0].Inserts)
	require.Equal(t, int64(2), stats[0].Updates)
	require.Equal(t, int64(1), stats[0].Deletes)

	require.NoError(t, task.Stop(context.Background()))
	st := waitStatus(t, task, dms.StatusStopped)
	require.Equal(t, dms.StopReasonNormal, st.StopReason)
	require.Equal(t, recs[54].Position, st.Checkpoint)
}

// bulkTxn is one transaction inserting ids [from, to).
func bulkTxn(from, to int) []string {
	q := []string{"BEGIN"}
	for i := from; i < to; i++ {
		q = append(q, fmt.Sprintf("INSERT INTO items VALUES (%d, 'bulk')", i))
	}
	return append(q, "COMMIT")
}

func TestCDCResumeDeliversEachChangeOnce(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE events (id int PRIMARY KEY, note varchar(20))")
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	waitRecords(t, target, 2, nil)

	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (1, 'before stop')", "INSERT INTO events VALUES (2, 'before stop')")
	waitRecords(t, target, 2, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	waitStatus(t, task, dms.StatusStopped)

	dmstest.PostgresExec(t, srv,
		"INSERT INTO events VALUES (3, 'while stopped')",
		"UPDATE events SET note = 'changed' WHERE id = 1",
		"DELETE FROM events WHERE id = 2",
	)
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (4, 'after resume')")
	waitRecords(t, target, 6, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	waitStatus(t, task, dms.StatusStopped)

	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.events []",
		"insert public.events [1 before stop]",
		"insert public.events [2 before stop]",
		"insert public.events [3 while stopped]",
		"update public.events [1 changed]",
		"delete public.events [2 <nil>]",
		"insert public.events [4 after resume]",
	}, describe(target.Records()))
}

// TestResumeInsideTransaction resumes from a change in the middle of a
// transaction: the rest of it arrives, nothing before it again.
func TestResumeInsideTransaction(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE items (id int PRIMARY KEY, label varchar(20))")
	src := newSource(srv)
	cs := openChanges(t, src, "")
	dmstest.PostgresExec(t, srv, bulkTxn(1, 6)...)
	dmstest.PostgresExec(t, srv, "INSERT INTO items VALUES (9, 'next')")
	first := nextN(t, cs, 3)
	require.Equal(t, 3, first[2].TransactionRecord)
	require.NoError(t, cs.Close())

	cs = openChanges(t, src, first[2].Position)
	rest := nextN(t, cs, 3)
	var got []string
	for _, c := range rest {
		got = append(got, fmt.Sprintf("%v %d", c.Data, c.TransactionRecord))
	}
	require.Equal(t, []string{"[4 bulk] 4", "[5 bulk] 5", "[9 next] 1"}, got)
	require.Equal(t, first[0].TransactionID, rest[0].TransactionID)
}

// gatedTarget holds back the first full-load batch until open is closed, so
// a test can make changes while the load is certainly in progress.
type gatedTarget struct {
	*memory.Target
	once sync.Once
	hit  chan struct{}
	open chan struct{}
}

func (g *gatedTarget) Write(ctx context.Context, task dms.TaskInfo, changes []dms.Change) error {
	if changes[0].Op == dms.OpLoad {
		g.once.Do(func() {
			close(g.hit)
			<-g.open
		})
	}
	return g.Target.Write(ctx, task, changes)
}

func TestFullLoadAndCDCWithConcurrentWriter(t *testing.T) {
	srv := dmstest.Postgres(t)
	const initial = 5000
	dmstest.PostgresExec(t, srv, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
	dmstest.PostgresExec(t, srv, bulkInsert("accounts", 0, initial, 500, func(i int) string { return fmt.Sprintf("(%d,%d)", i, i) })...)

	mem := memory.New()
	target := &gatedTarget{Target: mem, hit: make(chan struct{}), open: make(chan struct{})}
	task := newTask(t, newSource(srv), target, dms.FullLoadAndCDC, `{"FullLoadSettings":{"CommitRate":1000}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))

	// The load is under way: its snapshot is taken and its first batch
	// waits. Change rows the snapshot has, rows it has not sent yet, and
	// add new ones.
	select {
	case <-target.hit:
	case <-time.After(waitLimit):
		t.Fatal("the full load never wrote")
	}
	var writes []string
	for i := range 300 {
		writes = append(writes,
			fmt.Sprintf("INSERT INTO accounts VALUES (%d, %d)", initial+i, i),
			fmt.Sprintf("UPDATE accounts SET balance = balance + 1 WHERE id = %d", i*13%initial),
		)
		if i%50 == 0 {
			writes = append(writes, fmt.Sprintf("DELETE FROM accounts WHERE id = %d", initial-1-i))
		}
	}
	dmstest.PostgresExec(t, srv, writes...)
	close(target.open)
	dmstest.PostgresExec(t, srv, "INSERT INTO accounts VALUES (-1, 0)")

	waitRecords(t, mem, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert && r.Data[0] == int64(-1) })
	got, problems := mem.TableState("public", "accounts")
	require.Empty(t, problems, "duplicated or lost changes")

	rows, err := connect(t, srv).Query(context.Background(), "SELECT id, balance FROM accounts ORDER BY id")
	require.NoError(t, err)
	var want []dms.Row
	for rows.Next() {
		var id, balance int32
		require.NoError(t, rows.Scan(&id, &balance))
		want = append(want, dms.Row{int64(id), int64(balance)})
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, initial+300-6+1, "the seed, 300 inserts, 6 deletes and the final insert")
	require.Equal(t, want, got)

	st := task.Status()
	require.Equal(t, dms.StatusRunning, st.Status)
	require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
	stats := task.TableStatistics()
	require.Equal(t, int64(initial), stats[0].FullLoadRows)
	require.Equal(t, int64(301), stats[0].Inserts)
	require.Equal(t, int64(300), stats[0].Updates)
	require.Equal(t, int64(6), stats[0].Deletes)
}

func TestDropSlot(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY)")
	src := newSource(srv)
	slot, err := src.SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_"+srv.Database, slot)

	target := memory.New()
	task := newTask(t, src, target, dms.CDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	require.True(t, slotExists(t, srv, slot))

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.ErrorContains(t, src.DropSlot(ctx), "in use by a running change stream")

	require.NoError(t, task.Stop(ctx))
	waitStatus(t, task, dms.StatusStopped)
	require.NoError(t, src.DropSlot(ctx))
	require.False(t, slotExists(t, srv, slot))
	var pubs int
	require.NoError(t, connect(t, srv).QueryRow(ctx, "SELECT count(*) FROM pg_publication WHERE pubname = $1", slot).Scan(&pubs))
	require.Zero(t, pubs, "the source's own publication is dropped too")
	require.NoError(t, src.DropSlot(ctx), "dropping again is no error")

	// Resuming needs the slot.
	require.NoError(t, task.Start(ctx, dms.ResumeProcessing))
	st := waitStatus(t, task, dms.StatusFailed)
	require.Contains(t, st.LastFailureMessage, "does not exist")
}

// TestLostConnectionRecovers: when the server ends the walsender, the
// engine reopens the stream at its checkpoint; nothing is lost or doubled.
func TestLostConnectionRecovers(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE events (id int PRIMARY KEY)")
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.CDC,
		`{"ErrorBehavior":{"RecoverableErrorInterval":0,"RecoverableErrorThrottling":false}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	waitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (1)")
	waitRecords(t, target, 1, memory.Data)

	walsender := func() int {
		var pid int
		require.NoError(t, connect(t, srv).QueryRow(context.Background(),
			"SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = $1", "minidms_"+srv.Database).Scan(&pid))
		return pid
	}
	before := walsender()
	require.NotZero(t, before)
	dmstest.PostgresExec(t, srv, fmt.Sprintf("SELECT pg_terminate_backend(%d)", before))
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (2)", "INSERT INTO events VALUES (3)")
	waitRecords(t, target, 3, memory.Data)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (4)")
	recs := waitRecords(t, target, 4, memory.Data)
	require.Equal(t, []string{
		"insert public.events [1]",
		"insert public.events [2]",
		"insert public.events [3]",
		"insert public.events [4]",
	}, describe(recs))
	require.Equal(t, dms.StatusRunning, task.Status().Status)
	after := walsender()
	require.NotZero(t, after)
	require.NotEqual(t, before, after, "the stream was reopened")
}
