package dms_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/mysql"
	"github.com/minidms/minidms/target/memory"
)

const waitLimit = 60 * time.Second

func mysqlSource(srv dmstest.MySQLServer) *mysql.Source {
	return mysql.New(mysql.Config{Addr: srv.Addr, User: srv.User, Password: srv.Password})
}

func newTask(t *testing.T, srv dmstest.MySQLServer, target dms.Target, typ dms.MigrationType) *dms.Task {
	t.Helper()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{
		ID:            "TESTTASK",
		Source:        mysqlSource(srv),
		Target:        target,
		Mapping:       dmstest.SelectSchema(t, srv.Database),
		MigrationType: typ,
	})
	require.NoError(t, err)
	return task
}

// describe renders records as "op table data" lines, with the test's random
// schema name replaced by "db" so expectations can be written out.
func describe(schema string, recs []memory.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		line := fmt.Sprintf("%s %s.%s %v", r.Op, r.Table.Schema, r.Table.Table, r.Data)
		if r.Before != nil {
			line += fmt.Sprintf(" before %v", r.Before)
		}
		out = append(out, strings.Replace(line, schema+".", "db.", 1))
	}
	return out
}

func TestFullLoadOfThreeTables(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE authors (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL)",
		"CREATE TABLE books (id INT PRIMARY KEY, author_id INT, title VARCHAR(100))",
		"CREATE TABLE reviews (id BIGINT PRIMARY KEY, book_id INT, stars TINYINT)",
		"INSERT INTO authors VALUES (1,'Ann'),(2,'Bob')",
		"INSERT INTO books VALUES (10,1,'Alpha'),(11,2,'Beta'),(12,2,NULL)",
		"INSERT INTO reviews VALUES (100,10,5)",
	)
	target := memory.New()
	task := newTask(t, srv, target, dms.FullLoad)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)

	require.Equal(t, dms.StopReasonFullLoadOnlyDone, st.StopReason)
	require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
	require.Equal(t, 3, st.Stats.TablesLoaded)
	require.Zero(t, st.Stats.TablesLoading+st.Stats.TablesQueued+st.Stats.TablesErrored)
	require.Equal(t, []string{
		"drop-table db.authors []",
		"drop-table db.books []",
		"drop-table db.reviews []",
		"create-table db.authors []",
		"create-table db.books []",
		"create-table db.reviews []",
		"load db.authors [1 Ann]",
		"load db.authors [2 Bob]",
		"load db.books [10 1 Alpha]",
		"load db.books [11 2 Beta]",
		"load db.books [12 2 <nil>]",
		"load db.reviews [100 10 5]",
	}, describe(srv.Database, target.Records()))

	stats := task.TableStatistics()
	require.Len(t, stats, 3)
	for i, want := range []struct {
		table string
		rows  int64
	}{{"authors", 2}, {"books", 3}, {"reviews", 1}} {
		require.Equal(t, want.table, stats[i].TableName)
		require.Equal(t, srv.Database, stats[i].SchemaName)
		require.Equal(t, want.rows, stats[i].FullLoadRows)
		require.Equal(t, dms.TableStateCompleted, stats[i].TableState)
		require.Zero(t, stats[i].FullLoadErrorRows)
	}
}

func TestCDCInsertUpdateDeleteAndTransactions(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20))")
	target := memory.New()
	task := newTask(t, srv, target, dms.CDC)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table db.items []",
	}, describe(srv.Database, dmstest.WaitRecords(t, target, 2, nil)))

	many := make([]string, 0, 52)
	many = append(many, "BEGIN")
	for i := 100; i < 150; i++ {
		many = append(many, fmt.Sprintf("INSERT INTO items VALUES (%d, 'bulk')", i))
	}
	many = append(many, "COMMIT")
	dmstest.MySQLExec(t, srv,
		"INSERT INTO items VALUES (1, 'one')",
		"UPDATE items SET label = 'uno' WHERE id = 1",
		"DELETE FROM items WHERE id = 1",
	)
	dmstest.MySQLExec(t, srv, many...)
	dmstest.MySQLExec(t, srv, "BEGIN", "INSERT INTO items VALUES (7, 'rolled back')", "DELETE FROM items WHERE id = 100", "ROLLBACK")
	dmstest.MySQLExec(t, srv, "INSERT INTO items VALUES (2, 'after rollback')")

	recs := dmstest.WaitRecords(t, target, 54, memory.Data)
	lines := describe(srv.Database, recs)
	require.Equal(t, []string{
		"insert db.items [1 one]",
		"update db.items [1 uno] before [1 one]",
		"delete db.items [1 uno]",
	}, lines[:3])
	for i, r := range recs[3:53] {
		require.Equal(t, fmt.Sprintf("insert db.items [%d bulk]", 100+i), lines[3+i])
		require.Equal(t, recs[3].TransactionID, r.TransactionID, "one transaction")
		require.Equal(t, i+1, r.TransactionRecord)
	}
	require.NotEqual(t, recs[0].TransactionID, recs[3].TransactionID)
	require.Equal(t, "insert db.items [2 after rollback]", lines[53])
	require.Len(t, recs, 54, "the rolled-back transaction produced records")
	for _, r := range recs {
		require.NotEmpty(t, r.Position)
		require.False(t, r.CommitTime.IsZero())
	}

	stats := task.TableStatistics()
	require.Len(t, stats, 1)
	require.Equal(t, int64(52), stats[0].Inserts)
	require.Equal(t, int64(52), stats[0].AppliedInserts)
	require.Equal(t, int64(1), stats[0].Updates)
	require.Equal(t, int64(1), stats[0].Deletes)
	require.Equal(t, dms.TableStateCompleted, stats[0].TableState)

	require.NoError(t, task.Stop(context.Background()))
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)
	require.Equal(t, dms.StopReasonNormal, st.StopReason)
	require.Equal(t, recs[53].Position, st.Checkpoint)
}

func TestCDCResumeDeliversEachChangeOnce(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE events (id INT PRIMARY KEY, note VARCHAR(20))")
	target := memory.New()
	task := newTask(t, srv, target, dms.CDC)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.WaitRecords(t, target, 2, nil)

	dmstest.MySQLExec(t, srv, "INSERT INTO events VALUES (1, 'before stop')", "INSERT INTO events VALUES (2, 'before stop')")
	dmstest.WaitRecords(t, target, 2, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	dmstest.MySQLExec(t, srv,
		"INSERT INTO events VALUES (3, 'while stopped')",
		"UPDATE events SET note = 'changed' WHERE id = 1",
		"DELETE FROM events WHERE id = 2",
	)
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.MySQLExec(t, srv, "INSERT INTO events VALUES (4, 'after resume')")
	dmstest.WaitRecords(t, target, 6, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table db.events []",
		"insert db.events [1 before stop]",
		"insert db.events [2 before stop]",
		"insert db.events [3 while stopped]",
		"update db.events [1 changed] before [1 before stop]",
		"delete db.events [2 before stop]",
		"insert db.events [4 after resume]",
	}, describe(srv.Database, target.Records()))
}

func TestFullLoadAndCDCWithConcurrentWriter(t *testing.T) {
	srv := dmstest.MySQL(t)
	const initial = 5000
	dmstest.MySQLExec(t, srv, "CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)")
	var seed []string
	for i := 0; i < initial; i += 500 {
		var vals []string
		for j := i; j < i+500; j++ {
			vals = append(vals, fmt.Sprintf("(%d,%d)", j, j))
		}
		seed = append(seed, "INSERT INTO accounts VALUES "+strings.Join(vals, ","))
	}
	dmstest.MySQLExec(t, srv, seed...)

	mem := memory.New()
	target := dmstest.NewGatedTarget(mem)
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	settings, err := mapping.ParseTaskSettings(`{"FullLoadSettings":{"CommitRate":1000}}`)
	require.NoError(t, err)
	task, err := engine.NewTask(dms.TaskConfig{
		ID: "LOADANDCDC", Source: mysqlSource(srv), Target: target,
		Mapping: dmstest.SelectSchema(t, srv.Database), MigrationType: dms.FullLoadAndCDC, Settings: settings,
	})
	require.NoError(t, err)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))

	// The load is now under way: its snapshot is taken and its first batch
	// waits. Change rows the snapshot has, rows it has not yet sent, and add
	// new ones.
	target.WaitLoading(t)
	var writes []string
	for i := 0; i < 300; i++ {
		writes = append(writes,
			fmt.Sprintf("INSERT INTO accounts VALUES (%d, %d)", initial+i, i),
			fmt.Sprintf("UPDATE accounts SET balance = balance + 1 WHERE id = %d", i*13%initial),
		)
		if i%50 == 0 {
			writes = append(writes, fmt.Sprintf("DELETE FROM accounts WHERE id = %d", initial-1-i))
		}
	}
	dmstest.MySQLExec(t, srv, writes...)
	target.Open()
	dmstest.MySQLExec(t, srv, "INSERT INTO accounts VALUES (-1, 0)")

	dmstest.WaitRecords(t, mem, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert && r.Data[0] == int64(-1) })
	got, problems := mem.TableState(srv.Database, "accounts")
	require.Empty(t, problems, "duplicated or lost changes")

	conn, err := client.Connect(srv.Addr, srv.User, srv.Password, srv.Database)
	require.NoError(t, err)
	defer conn.Close()
	res, err := conn.Execute("SELECT id, balance FROM accounts ORDER BY id")
	require.NoError(t, err)
	want := make([]dms.Row, 0, res.RowNumber())
	for i := range res.RowNumber() {
		id, _ := res.GetInt(i, 0)
		balance, _ := res.GetInt(i, 1)
		want = append(want, dms.Row{id, balance})
	}
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

// tableGate holds back the first load batch of one table until open is
// closed, or the write's context ends.
type tableGate struct {
	*memory.Target
	table string
	once  sync.Once
	hit   chan struct{}
	open  chan struct{}
}

func (g *tableGate) Write(ctx context.Context, task dms.TaskInfo, changes []dms.Change) error {
	if changes[0].Op == dms.OpLoad && changes[0].Table.Table == g.table {
		var err error
		g.once.Do(func() {
			close(g.hit)
			select {
			case <-g.open:
			case <-ctx.Done():
				err = ctx.Err()
			}
		})
		if err != nil {
			return err
		}
	}
	return g.Target.Write(ctx, task, changes)
}

// A full-load-and-cdc task stopped during its load and resumed loads every
// table again from the new snapshot: a change made in between to a table
// the first run had finished is not lost.
func TestFullLoadAndCDCResumedDuringLoad(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE a (id INT PRIMARY KEY)", "CREATE TABLE b (id INT PRIMARY KEY)",
		"INSERT INTO a VALUES (1), (2)", "INSERT INTO b VALUES (10)")
	mem := memory.New()
	gate := &tableGate{Target: mem, table: "b", hit: make(chan struct{}), open: make(chan struct{})}
	task := newTask(t, srv, gate, dms.FullLoadAndCDC)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	select {
	case <-gate.hit:
	case <-time.After(waitLimit):
		t.Fatal("the load of b never started")
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = task.Stop(stopCtx) // abandons the blocked write
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	dmstest.MySQLExec(t, srv, "INSERT INTO a VALUES (3)", "INSERT INTO b VALUES (11)")
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	dmstest.WaitRecords(t, mem, 1, func(r memory.Record) bool { return r.Op == dms.OpLoad && r.Data[0] == int64(11) })
	dmstest.MySQLExec(t, srv, "INSERT INTO a VALUES (4)")
	dmstest.WaitRecords(t, mem, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert && r.Data[0] == int64(4) })

	for table, want := range map[string][]dms.Row{
		"a": {{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}},
		"b": {{int64(10)}, {int64(11)}},
	} {
		rows, problems := mem.TableState(srv.Database, table)
		require.Empty(t, problems, table)
		require.Equal(t, want, rows, table)
	}
}
