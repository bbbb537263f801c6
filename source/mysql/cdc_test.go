package mysql_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

func TestChanges(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))",
		"CREATE TABLE m (id INT PRIMARY KEY) ENGINE=MyISAM",
		"CREATE TABLE other (id INT PRIMARY KEY)",
	)
	src := newSource(srv)
	start := time.Now().UTC().Truncate(time.Second)
	cs := openChanges(t, src, "", tableSel{schema: srv.Database, tables: []string{"t", "m"}})

	t.Run("insert update delete", func(t *testing.T) {
		dmstest.MySQLExec(t, srv,
			"INSERT INTO other VALUES (1)", // not selected
			"INSERT INTO t VALUES (1, 'a')",
			"UPDATE t SET v = 'b' WHERE id = 1",
			"DELETE FROM t WHERE id = 1",
		)
		ins, upd, del := dmstest.Next(t, cs), dmstest.Next(t, cs), dmstest.Next(t, cs)

		require.Equal(t, dms.OpInsert, ins.Op)
		require.Equal(t, "t", ins.Table.Table)
		require.Equal(t, []string{"id", "v"}, colNames(ins.Table))
		require.Equal(t, dms.Row{int64(1), "a"}, ins.Data)
		require.Nil(t, ins.Before)

		require.Equal(t, dms.OpUpdate, upd.Op)
		require.Equal(t, dms.Row{int64(1), "a"}, upd.Before)
		require.Equal(t, dms.Row{int64(1), "b"}, upd.Data)

		require.Equal(t, dms.OpDelete, del.Op)
		require.Equal(t, dms.Row{int64(1), "b"}, del.Data)

		ids := map[uint64]bool{}
		for _, c := range []dms.Change{ins, upd, del} {
			require.NotZero(t, c.TransactionID)
			require.Equal(t, 1, c.TransactionRecord, "autocommit statements are transactions of one change")
			require.NotEmpty(t, c.Position)
			require.Equal(t, time.UTC, c.CommitTime.Location())
			require.False(t, c.CommitTime.Before(start), "commit time %v before the test started at %v", c.CommitTime, start)
			require.False(t, c.CommitTime.After(time.Now().Add(time.Second)), "commit time %v in the future", c.CommitTime)
			ids[c.TransactionID] = true
		}
		require.Len(t, ids, 3, "each statement its own transaction")
		require.Same(t, ins.Table, upd.Table, "an unchanged table keeps its definition pointer")
		require.Same(t, ins.Table, del.Table)
	})

	t.Run("multi-row transaction", func(t *testing.T) {
		dmstest.MySQLExec(t, srv,
			"BEGIN",
			"INSERT INTO t VALUES (10, 'x'), (11, 'y')",
			"UPDATE t SET v = 'z' WHERE id = 10",
			"DELETE FROM t WHERE id = 11",
			"COMMIT",
		)
		cs4 := nextN(t, cs, 4)
		require.Equal(t, []dms.Operation{dms.OpInsert, dms.OpInsert, dms.OpUpdate, dms.OpDelete},
			[]dms.Operation{cs4[0].Op, cs4[1].Op, cs4[2].Op, cs4[3].Op})
		require.Equal(t, dms.Row{int64(10), "x"}, cs4[0].Data)
		require.Equal(t, dms.Row{int64(11), "y"}, cs4[1].Data)
		require.Equal(t, dms.Row{int64(10), "z"}, cs4[2].Data)
		require.Equal(t, dms.Row{int64(11), "y"}, cs4[3].Data)
		for i, c := range cs4 {
			require.Equal(t, cs4[0].TransactionID, c.TransactionID)
			require.Equal(t, i+1, c.TransactionRecord)
			require.Equal(t, cs4[0].CommitTime, c.CommitTime)
			if i > 0 {
				require.NotEqual(t, cs4[i-1].Position, c.Position)
			}
		}
	})

	t.Run("unselected tables produce nothing", func(t *testing.T) {
		dmstest.MySQLExec(t, srv,
			"ALTER TABLE other ADD COLUMN x INT",
			"CREATE TABLE other2 (id INT PRIMARY KEY)",
			"INSERT INTO other2 VALUES (1)",
			"UPDATE other SET x = 1",
			"INSERT INTO t VALUES (2, 'marker')",
		)
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, dms.Row{int64(2), "marker"}, c.Data)
	})

	t.Run("rollback produces nothing", func(t *testing.T) {
		dmstest.MySQLExec(t, srv,
			"BEGIN",
			"INSERT INTO t VALUES (20, 'rolled back')",
			"DELETE FROM t WHERE id = 10",
			"ROLLBACK",
			"INSERT INTO t VALUES (21, 'marker')",
		)
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, dms.Row{int64(21), "marker"}, c.Data)
	})

	t.Run("rollback of non-transactional work", func(t *testing.T) {
		// The MyISAM insert happens despite the ROLLBACK (the binlog carries
		// it, then a ROLLBACK query event); the InnoDB insert does not.
		dmstest.MySQLExec(t, srv,
			"BEGIN",
			"INSERT INTO t VALUES (30, 'rolled back')",
			"INSERT INTO m VALUES (31)",
			"ROLLBACK",
			"INSERT INTO t VALUES (32, 'marker')",
		)
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, "m", c.Table.Table)
		require.Equal(t, dms.Row{int64(31)}, c.Data)
		c = dmstest.Next(t, cs)
		require.Equal(t, dms.Row{int64(32), "marker"}, c.Data)
	})
}

// TestResume reopens the stream from the position of every change of a
// transaction and of a DDL: the remaining changes arrive exactly once.
func TestResume(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	src := newSource(srv)
	sel := schemaSel(srv.Database)
	cs := openChanges(t, src, "", sel)
	dmstest.MySQLExec(t, srv,
		"INSERT INTO t VALUES (1, 'before')",
		"BEGIN",
		"INSERT INTO t VALUES (2, 'a'), (3, 'b'), (4, 'c')",
		"UPDATE t SET v = 'd' WHERE id IN (2, 3)",
		"DELETE FROM t WHERE id = 4",
		"COMMIT",
		"ALTER TABLE t ADD COLUMN w INT, ADD COLUMN x INT",
		"INSERT INTO t VALUES (5, 'after', 1, 2)",
	)
	all := nextN(t, cs, 10)
	require.Equal(t, dms.Row{int64(1), "before"}, all[0].Data)
	txn := all[1:7]
	for i, c := range txn {
		require.Equal(t, txn[0].TransactionID, c.TransactionID)
		require.Equal(t, i+1, c.TransactionRecord)
	}
	require.Equal(t, dms.OpAddColumn, all[7].Op)
	require.Equal(t, dms.OpAddColumn, all[8].Op)
	require.Equal(t, dms.Row{int64(5), "after", int64(1), int64(2)}, all[9].Data)
	require.NoError(t, cs.Close())

	var markers []dms.Row // written by earlier subtests, after every position
	for i := range all[:len(all)-1] {
		t.Run(fmt.Sprintf("after change %d", i+1), func(t *testing.T) {
			t.Logf("resume from %s", all[i].Position)
			rs := openChanges(t, src, all[i].Position, sel)
			for _, want := range all[i+1:] {
				got := dmstest.Next(t, rs)
				require.Equal(t, want.Op, got.Op)
				require.Equal(t, want.Data, got.Data)
				require.Equal(t, want.Before, got.Before)
				require.Equal(t, want.Column, got.Column)
				require.Equal(t, want.Position, got.Position)
				require.Equal(t, want.TransactionID, got.TransactionID)
				require.Equal(t, want.TransactionRecord, got.TransactionRecord)
				require.Equal(t, want.CommitTime, got.CommitTime)
				require.Equal(t, colNames(want.Table), colNames(got.Table))
			}
			for _, m := range markers {
				require.Equal(t, m, dmstest.Next(t, rs).Data)
			}
			// Nothing is repeated: the next change is one made now.
			marker := dms.Row{int64(100 + i), "marker", nil, nil}
			dmstest.MySQLExec(t, srv, fmt.Sprintf("INSERT INTO t VALUES (%d, 'marker', NULL, NULL)", 100+i))
			require.Equal(t, marker, dmstest.Next(t, rs).Data)
			markers = append(markers, marker)
		})
	}
}

// TestSnapshotPosition: rows written after the snapshot are not loaded but
// arrive from Changes(snapshot.Position()); rows before are not repeated.
func TestSnapshotPosition(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
	)
	src := newSource(srv)
	sel := schemaSel(srv.Database)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sn, err := src.Snapshot(ctx)
	require.NoError(t, err)
	defer sn.Close()
	require.NotEmpty(t, sn.Position())

	dmstest.MySQLExec(t, srv,
		"INSERT INTO t VALUES (4, 'd')",
		"UPDATE t SET v = 'A' WHERE id = 1",
		"DELETE FROM t WHERE id = 2",
	)
	defs, err := sn.Tables(ctx, sel)
	require.NoError(t, err)
	require.Len(t, defs, 1)
	rows := load(t, sn, defs[0])
	require.Equal(t, []dms.Row{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}}, rows)
	require.NoError(t, sn.Close())

	cs := openChanges(t, src, sn.Position(), sel)
	got := nextN(t, cs, 3)
	require.Equal(t, dms.OpInsert, got[0].Op)
	require.Equal(t, dms.Row{int64(4), "d"}, got[0].Data)
	require.Equal(t, dms.OpUpdate, got[1].Op)
	require.Equal(t, dms.Row{int64(1), "a"}, got[1].Before)
	require.Equal(t, dms.Row{int64(1), "A"}, got[1].Data)
	require.Equal(t, dms.OpDelete, got[2].Op)
	require.Equal(t, dms.Row{int64(2), "b"}, got[2].Data)
	dmstest.MySQLExec(t, srv, "INSERT INTO t VALUES (5, 'marker')")
	require.Equal(t, dms.Row{int64(5), "marker"}, dmstest.Next(t, cs).Data)
}

// TestLoadStopsOnEmitError: an error from emit ends Load with that error and
// leaves the snapshot usable.
func TestLoadStopsOnEmitError(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE t (id INT PRIMARY KEY)",
		"INSERT INTO t VALUES (1), (2), (3)",
	)
	src := newSource(srv)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sn, err := src.Snapshot(ctx)
	require.NoError(t, err)
	defer sn.Close()
	def := tableDef(t, src, srv.Database, "t")
	stop := context.Canceled
	n := 0
	err = sn.Load(ctx, def, func(dms.Row) error { n++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, n)
	require.Len(t, load(t, sn, def), 3)

	canceled, cancelLoad := context.WithCancel(ctx)
	cancelLoad()
	require.ErrorIs(t, sn.Load(canceled, def, func(dms.Row) error { return nil }), context.Canceled)
}

func TestChangesContextAndClose(t *testing.T) {
	srv := dmstest.MySQL(t)
	src := newSource(srv)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cs, err := src.Changes(ctx, "", schemaSel(srv.Database))
	require.NoError(t, err)

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	_, err = cs.Next(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, cs.Close())
	require.NoError(t, cs.Close())
	_, err = cs.Next(ctx)
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "closed"), err.Error())
}

// TestCloseStopsGoroutines: Close leaves no goroutine behind.
func TestCloseStopsGoroutines(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)")
	src := newSource(srv)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cs, err := src.Changes(ctx, "", schemaSel(srv.Database))
	require.NoError(t, err)
	dmstest.MySQLExec(t, srv, "INSERT INTO t VALUES (1)")
	require.Equal(t, dms.Row{int64(1)}, dmstest.Next(t, cs).Data)
	require.Greater(t, runtime.NumGoroutine(), before)
	require.NoError(t, cs.Close())
	dmstest.RequireGoroutinesBack(t, before)
}
