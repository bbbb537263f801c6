package postgres_test

import (
	"context"
	"fmt"
	"math"
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
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)

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
	}, dmstest.Describe(recs))
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.items []",
	}, dmstest.Describe(dmstest.WaitRecords(t, target, 2, nil)))

	dmstest.PostgresExec(t, srv,
		"INSERT INTO items VALUES (1, 'one')",
		"UPDATE items SET label = 'uno' WHERE id = 1",
		"UPDATE items SET id = 3 WHERE id = 1",
		"DELETE FROM items WHERE id = 3",
	)
	dmstest.PostgresExec(t, srv, bulkTxn(100, 150)...)
	dmstest.PostgresExec(t, srv, "BEGIN; INSERT INTO items VALUES (7, 'rolled back'); DELETE FROM items WHERE id = 100; ROLLBACK")
	dmstest.PostgresExec(t, srv, "TRUNCATE items", "INSERT INTO items VALUES (2, 'after rollback')") // TRUNCATE is not captured

	recs := dmstest.WaitRecords(t, target, 55, memory.Data)
	lines := dmstest.Describe(recs)
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
	st := dmstest.WaitStatus(t, task, dms.StatusStopped)
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.WaitRecords(t, target, 2, nil)

	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (1, 'before stop')", "INSERT INTO events VALUES (2, 'before stop')")
	dmstest.WaitRecords(t, target, 2, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	dmstest.PostgresExec(t, srv,
		"INSERT INTO events VALUES (3, 'while stopped')",
		"UPDATE events SET note = 'changed' WHERE id = 1",
		"DELETE FROM events WHERE id = 2",
	)
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (4, 'after resume')")
	dmstest.WaitRecords(t, target, 6, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.events []",
		"insert public.events [1 before stop]",
		"insert public.events [2 before stop]",
		"insert public.events [3 while stopped]",
		"update public.events [1 changed]",
		"delete public.events [2 <nil>]",
		"insert public.events [4 after resume]",
	}, dmstest.Describe(target.Records()))
}

func TestFullLoadAndCDCWithConcurrentWriter(t *testing.T) {
	srv := dmstest.Postgres(t)
	const initial = 5000
	dmstest.PostgresExec(t, srv, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
	dmstest.PostgresExec(t, srv, bulkInsert("accounts", 0, initial, 500, func(i int) string { return fmt.Sprintf("(%d,%d)", i, i) })...)

	mem := memory.New()
	target := dmstest.NewGatedTarget(mem)
	task := newTask(t, newSource(srv), target, dms.FullLoadAndCDC, `{"FullLoadSettings":{"CommitRate":1000}}`)
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))

	// The load is under way: its snapshot is taken and its first batch
	// waits. Change rows the snapshot has, rows it has not sent yet, and
	// add new ones.
	target.WaitLoading(t)
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
	target.Open()
	dmstest.PostgresExec(t, srv, "INSERT INTO accounts VALUES (-1, 0)")

	dmstest.WaitRecords(t, mem, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert && r.Data[0] == int64(-1) })
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	require.True(t, slotExists(t, srv, slot))

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.ErrorContains(t, src.DropSlot(ctx), "in use by a running change stream")

	require.NoError(t, task.Stop(ctx))
	dmstest.WaitStatus(t, task, dms.StatusStopped)
	require.NoError(t, src.DropSlot(ctx))
	require.False(t, slotExists(t, srv, slot))
	var pubs int
	require.NoError(t, connect(t, srv).QueryRow(ctx, "SELECT count(*) FROM pg_publication WHERE pubname = $1", slot).Scan(&pubs))
	require.Zero(t, pubs, "the source's own publication is dropped too")
	require.NoError(t, src.DropSlot(ctx), "dropping again is no error")

	// Resuming needs the slot.
	require.NoError(t, task.Start(ctx, dms.ResumeProcessing))
	st := dmstest.WaitStatus(t, task, dms.StatusFailed)
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (1)")
	dmstest.WaitRecords(t, target, 1, memory.Data)

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
	dmstest.WaitRecords(t, target, 3, memory.Data)
	dmstest.PostgresExec(t, srv, "INSERT INTO events VALUES (4)")
	recs := dmstest.WaitRecords(t, target, 4, memory.Data)
	require.Equal(t, []string{
		"insert public.events [1]",
		"insert public.events [2]",
		"insert public.events [3]",
		"insert public.events [4]",
	}, dmstest.Describe(recs))
	require.Equal(t, dms.StatusRunning, task.Status().Status)
	after := walsender()
	require.NotZero(t, after)
	require.NotEqual(t, before, after, "the stream was reopened")
}

const matrixTable = `CREATE TABLE matrix (
	id int PRIMARY KEY,
	i2 smallint, i4 integer, i8 bigint, ser serial,
	n_bounded numeric(10,2), n_unbounded numeric, n_big numeric(40,5),
	r real, d double precision, m money, b boolean,
	c char(5), vc varchar(20), vc_free varchar, t text, by bytea,
	dt date, tm time, tm3 time(3), ts timestamp, ts0 timestamp(0), tstz timestamptz,
	iv interval, u uuid, j json, jb jsonb, arr int[], e mood, h hstore, x xml, dom positive,
	nul text)`

const matrixValues = `(%d, -32768, 2147483647, 9223372036854775807, DEFAULT,
	12345678.90, 3.14159265358979, 123456789012345678901234567890123.45678,
	1.1, 2.718281828459045, 1234.56, true,
	'ab', 'hello', 'free', 'text value', '\xdeadbeef',
	'2024-02-29', '13:14:15.123456', '01:02:03.5', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05', '2024-01-02 03:04:05.5+02',
	'1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b":[1,2]}', '{1,2,3}', 'happy', 'k=>v', '<a>1</a>', 7,
	NULL)`

// TestTypeMatrix pins the DMS type and Go value of every mapped type, after
// full load and after CDC.
func TestTypeMatrix(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv,
		"CREATE EXTENSION IF NOT EXISTS hstore",
		"CREATE TYPE mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
		matrixTable,
		fmt.Sprintf("INSERT INTO matrix VALUES "+matrixValues, 1),
		"INSERT INTO matrix (id, m, ts, tstz, r, d) VALUES (3, -1234567.891, '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', 'NaN', '-Infinity')",
	)
	target := memory.New()
	task := newTask(t, newSource(srv), target, dms.FullLoadAndCDC, "")
	require.NoError(t, task.Start(context.Background(), dms.StartReplication))
	loads := dmstest.WaitRecords(t, target, 2, func(r memory.Record) bool { return r.Op == dms.OpLoad })
	dmstest.PostgresExec(t, srv, fmt.Sprintf("INSERT INTO matrix VALUES "+matrixValues, 2))
	ins := dmstest.WaitRecords(t, target, 1, func(r memory.Record) bool { return r.Op == dms.OpInsert })[0]

	type col struct {
		name, typ     string
		length, p, sc int
	}
	var got []col
	for _, c := range loads[0].Table.Columns {
		got = append(got, col{c.Name, string(c.Type), c.Length, c.Precision, c.Scale})
	}
	require.Equal(t, []col{
		{"id", "INT4", 0, 0, 0},
		{"i2", "INT2", 0, 0, 0},
		{"i4", "INT4", 0, 0, 0},
		{"i8", "INT8", 0, 0, 0},
		{"ser", "INT4", 0, 0, 0},
		{"n_bounded", "NUMERIC", 0, 10, 2},
		{"n_unbounded", "NUMERIC", 0, 28, 6},
		{"n_big", "STRING", 42, 0, 0},
		{"r", "REAL4", 0, 0, 0},
		{"d", "REAL8", 0, 0, 0},
		{"m", "NUMERIC", 0, 38, 4},
		{"b", "BOOLEAN", 0, 0, 0},
		{"c", "WSTRING", 5, 0, 0},
		{"vc", "WSTRING", 20, 0, 0},
		{"vc_free", "NCLOB", 0, 0, 0},
		{"t", "NCLOB", 0, 0, 0},
		{"by", "BLOB", 0, 0, 0},
		{"dt", "DATE", 0, 0, 0},
		{"tm", "TIME", 0, 0, 6},
		{"tm3", "TIME", 0, 0, 3},
		{"ts", "DATETIME", 0, 0, 6},
		{"ts0", "DATETIME", 0, 0, 0},
		{"tstz", "DATETIME", 0, 0, 6},
		{"iv", "STRING", 128, 0, 0},
		{"u", "STRING", 36, 0, 0},
		{"j", "NCLOB", 0, 0, 0},
		{"jb", "NCLOB", 0, 0, 0},
		{"arr", "NCLOB", 0, 0, 0},
		{"e", "STRING", 64, 0, 0},
		{"h", "NCLOB", 0, 0, 0},
		{"x", "CLOB", 0, 0, 0},
		{"dom", "INT4", 0, 0, 0},
		{"nul", "NCLOB", 0, 0, 0},
	}, got)
	require.Equal(t, "money", loads[0].Table.Columns[10].SourceType)
	require.Equal(t, "mood", loads[0].Table.Columns[28].SourceType)
	require.False(t, loads[0].Table.Columns[0].Nullable)
	require.True(t, loads[0].Table.Columns[1].Nullable)

	want := func(id int64, serial int64) dms.Row {
		return dms.Row{
			id, int64(-32768), int64(2147483647), int64(9223372036854775807), serial,
			"12345678.90", "3.14159265358979", "123456789012345678901234567890123.45678",
			float32(1.1), 2.718281828459045, "1234.5600", true,
			"ab   ", "hello", "free", "text value", []byte{0xde, 0xad, 0xbe, 0xef},
			"2024-02-29", "13:14:15.123456", "01:02:03.500", "2024-01-02 03:04:05.678000", "2024-01-02 03:04:05", "2024-01-02 01:04:05.500000",
			"1 year 2 mons 3 days 04:05:06", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"a": 1}`, `{"b": [1, 2]}`, "{1,2,3}", "happy", `"k"=>"v"`, "<a>1</a>", int64(7),
			nil,
		}
	}
	require.Equal(t, want(1, 1), loads[0].Data, "full load")
	require.Equal(t, want(2, 3), ins.Data, "CDC")

	edge := loads[1].Data
	require.Len(t, edge, 33)
	require.Equal(t, int64(3), edge[0])
	require.Equal(t, int64(2), edge[4])
	require.True(t, math.IsNaN(float64(edge[8].(float32))), "NaN real: %v", edge[8])
	require.Equal(t, math.Inf(-1), edge[9])
	require.Equal(t, "-1234567.8900", edge[10])
	require.Equal(t, "1999-12-31 23:59:59.999999", edge[20])
	require.Equal(t, "2000-01-01 00:00:00.000000", edge[22])
	for _, i := range []int{1, 2, 3, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32} {
		require.Nil(t, edge[i], "column %d", i)
	}
}

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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv,
		"INSERT INTO docs VALUES (1, 1, "+bigText+")",
		"INSERT INTO docs_full VALUES (1, 1, "+bigText+")",
		"UPDATE docs SET n = 2 WHERE id = 1",
		"UPDATE docs_full SET n = 2 WHERE id = 1",
		"UPDATE docs SET body = 'small' WHERE id = 1",
	)
	recs := dmstest.WaitRecords(t, target, 5, memory.Data)

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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
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
	recs := dmstest.WaitRecords(t, target, 15, nil)
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
	}, dmstest.Describe(recs))
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv,
		"INSERT INTO t VALUES (1, 10)",
		"ALTER TABLE t ADD COLUMN b text",
		"INSERT INTO t VALUES (2, 20, 'x')",
		"ALTER TABLE t RENAME COLUMN b TO c",
		"ALTER TABLE t DROP COLUMN a",
		"INSERT INTO t VALUES (3, 'y')",
	)
	dmstest.WaitRecords(t, target, 3, memory.Data)
	recs := target.Records()
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions []",
		"create-table public.t []",
		"insert public.t [1 10]",
		"insert public.t [2 20 x]",
		"insert public.t [3 y]",
	}, dmstest.Describe(recs))
	require.Equal(t, []string{"id", "a", "b"}, colNames(recs[3].Table), "rows still decode with their own columns")
	require.Equal(t, []string{"id", "c"}, colNames(recs[4].Table))

	var triggers int
	require.NoError(t, connect(t, srv).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_event_trigger WHERE evtname = 'awsdms_intercept_ddl'").Scan(&triggers))
	require.Zero(t, triggers, "no DDL artifacts with CaptureDdls off")
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
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	// The checkpoint is a change of u: resuming re-reads its transaction,
	// which says nothing about t.
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (1, 10)", "INSERT INTO u VALUES (1)")
	dmstest.WaitRecords(t, target, 2, memory.Data)
	require.NoError(t, task.Stop(context.Background()))
	dmstest.WaitStatus(t, task, dms.StatusStopped)

	dmstest.PostgresExec(t, srv,
		"ALTER TABLE t ADD COLUMN b text",
		"ALTER TABLE t DROP COLUMN a",
		"INSERT INTO t VALUES (2, 'x')",
		"ALTER TABLE t RENAME COLUMN b TO c",
	)
	require.NoError(t, task.Start(context.Background(), dms.ResumeProcessing))
	dmstest.WaitStatus(t, task, dms.StatusRunning)
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (3, 'y')")
	dmstest.WaitRecords(t, target, 4, memory.Data)
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
	}, dmstest.Describe(target.Records()))
}
