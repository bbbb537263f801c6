package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/postgres"
)

// slotNames lists the replication slots of srv's database.
func slotNames(t *testing.T, srv dmstest.PostgresServer) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	rows, err := connect(t, srv).Query(ctx, "SELECT slot_name FROM pg_replication_slots WHERE database = current_database() ORDER BY slot_name")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestReloadSnapshot opens a reload view while the task's change stream
// runs: it holds what committed before its consistent point, Covers
// agrees with it for every change the stream delivers, and no temporary
// slot or goroutine stays.
//
// The slot waits for the transactions running when it is asked for (T1),
// then for those that began while it waited (T2), so T1 and T2 are in the
// view; T3, begun while it waited for T2, is still open at the consistent
// point and is not.
func TestReloadSnapshot(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	src := newSource(srv)
	slot, err := src.SlotName()
	require.NoError(t, err)
	cs := openChanges(t, src, "")
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (3, 'delivered before')")
	delivered := dmstest.Next(t, cs)
	// Committed before the view, read from the stream after it.
	dmstest.PostgresExec(t, srv, "UPDATE t SET v = 'A' WHERE id = 1")

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	// begin opens a transaction that has an xid, returning it.
	begin := func(id int) (pgx.Tx, string) {
		tx, err := connect(t, srv).Begin(ctx)
		require.NoError(t, err)
		var xid string
		require.NoError(t, tx.QueryRow(ctx, "INSERT INTO t VALUES ($1, 'concurrent') RETURNING pg_current_xact_id()::xid::text", id).Scan(&xid))
		return tx, xid
	}
	watch := connect(t, srv)
	// waitFor waits until the walsender creating the slot waits for xid.
	waitFor := func(xid string) {
		t.Helper()
		require.Eventually(t, func() bool {
			var waiting bool
			require.NoError(t, watch.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE NOT l.granted AND l.locktype = 'transactionid' AND l.transactionid::text = $1
				AND a.backend_type = 'walsender' AND a.datname = current_database())`, xid).Scan(&waiting))
			return waiting
		}, waitLimit, 10*time.Millisecond, "the temporary slot waits for transaction %s", xid)
	}

	t1, xid1 := begin(4)
	before := runtime.NumGoroutine()
	type opened struct {
		snap dms.CoveringSnapshot
		err  error
	}
	done := make(chan opened, 1)
	go func() {
		snap, err := src.ReloadSnapshot(ctx)
		done <- opened{snap, err}
	}()
	waitFor(xid1)
	t2, xid2 := begin(6)
	require.NoError(t, t1.Commit(ctx))
	waitFor(xid2)
	t3, _ := begin(7)
	require.NoError(t, t2.Commit(ctx))
	var o opened
	select {
	case o = <-done:
	case <-ctx.Done():
		t.Fatal("ReloadSnapshot did not return")
	}
	require.NoError(t, o.err)
	snap := o.snap
	require.NoError(t, t3.Commit(ctx))
	require.Regexp(t, `^[0-9A-F]{8}/[0-9A-F]{8}\.0\.[0-9A-F]{8}/[0-9A-F]{8}$`, string(snap.Position()))
	require.Equal(t, []string{slot}, slotNames(t, srv), "the temporary slot is gone once the view is open; the task's slot stays")
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (5, 'after')")

	defs, err := snap.Tables(ctx, schemaSel("public"))
	require.NoError(t, err)
	require.Len(t, defs, 1)
	var rows []string
	require.NoError(t, snap.Load(ctx, defs[0], func(r dms.Row) error {
		rows = append(rows, fmt.Sprint(r...))
		return nil
	}))
	require.ElementsMatch(t, []string{"1A", "2b", "3delivered before", "4concurrent", "6concurrent"}, rows)
	require.NoError(t, snap.Close())

	changes := append([]dms.Change{delivered}, nextN(t, cs, 5)...)
	for i, tc := range []struct {
		op     dms.Operation
		id     int64
		covers bool
	}{
		{dms.OpInsert, 3, true},
		{dms.OpUpdate, 1, true},
		{dms.OpInsert, 4, true},  // T1
		{dms.OpInsert, 6, true},  // T2
		{dms.OpInsert, 7, false}, // T3: began before the view, committed after
		{dms.OpInsert, 5, false},
	} {
		c := changes[i]
		require.Equal(t, tc.op, c.Op, "change %d", i)
		require.Equal(t, tc.id, c.Data[0], "change %d", i)
		covered, err := snap.Covers(c.Position) // after Close
		require.NoError(t, err)
		require.Equal(t, tc.covers, covered, "change %d at %s, view at %s", i, c.Position, snap.Position())
	}
	_, err = snap.Covers("not a position")
	require.Error(t, err)

	require.Equal(t, []string{slot}, slotNames(t, srv))
	dmstest.RequireGoroutinesBack(t, before)
}

// TestReloadSnapshotErrors: a failing ReloadSnapshot names what failed.
func TestReloadSnapshotErrors(t *testing.T) {
	srv := dmstest.Postgres(t)
	for _, tc := range []struct {
		name string
		dsn  string
		want string
	}{
		{"bad slot name", "", `SlotName "Bad-Name"`},
		{"unreachable", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "postgres source: connect to 127.0.0.1:1/none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(srv, func(c *postgres.Config) {
				if tc.dsn != "" {
					c.DSN = tc.dsn
				} else {
					c.SlotName = "Bad-Name"
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			_, err := src.ReloadSnapshot(ctx)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
