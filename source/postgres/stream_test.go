package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

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
	require.Equal(t, dms.Row{int64(1)}, dmstest.Next(t, cs).Data)
	require.NoError(t, cs.Close())
	dmstest.RequireGoroutinesBack(t, before)
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

// TestSnapshotLoad: rows stream through emit; an error from emit stops the
// load, and the snapshot stays usable and consistent.
func TestSnapshotLoad(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY, v text)")
	dmstest.PostgresExec(t, srv, bulkInsert("t", 0, 3000, 1000, func(i int) string { return fmt.Sprintf("(%d, 'v%d')", i, i) })...)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sn, err := newSource(srv).Snapshot(ctx)
	require.NoError(t, err)
	defer sn.Close()
	require.Empty(t, sn.Position(), "the view opens with the first Tables call")
	defs, err := sn.Tables(ctx, schemaSel("public"))
	require.NoError(t, err)
	require.Len(t, defs, 1)
	require.Regexp(t, `^[0-9A-F]{8}/[0-9A-F]{8}\.0\.[0-9A-F]{8}/[0-9A-F]{8}$`, string(sn.Position()))
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (-1, 'after the snapshot')", "DELETE FROM t WHERE id = 0")

	stop := errors.New("enough")
	n := 0
	err = sn.Load(ctx, defs[0], func(dms.Row) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 10, n)

	var rows []dms.Row
	require.NoError(t, sn.Load(ctx, defs[0], func(r dms.Row) error {
		rows = append(rows, r)
		return nil
	}))
	require.Len(t, rows, 3000, "the snapshot's rows, not today's")
	require.Equal(t, dms.Row{int64(0), "v0"}, rows[0])
	require.Equal(t, dms.Row{int64(2999), "v2999"}, rows[2999])

	// The change stream continues right after the snapshot.
	cs := openChanges(t, newSource(srv), sn.Position())
	got := nextN(t, cs, 2)
	require.Equal(t, "insert public.t [-1 after the snapshot]", describeChange(got[0]))
	require.Equal(t, "delete public.t [0 <nil>]", describeChange(got[1]))
}
