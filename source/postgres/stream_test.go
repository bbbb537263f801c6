package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

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
