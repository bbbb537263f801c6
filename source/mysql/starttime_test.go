package mysql_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/mysql"
)

var _ dms.TimePositioner = (*mysql.Source)(nil)

// query runs one query on srv's server and returns its rows as text.
func query(t *testing.T, srv dmstest.MySQLServer, q string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := client.ConnectWithContext(ctx, srv.Addr, srv.User, srv.Password, "", waitLimit)
	require.NoError(t, err)
	defer c.Close()
	r, err := c.Execute(q)
	require.NoError(t, err, q)
	defer r.Close()
	var out [][]string
	for i := range r.RowNumber() {
		row := make([]string, r.ColumnNumber())
		for j := range row {
			v, err := r.GetString(i, j)
			require.NoError(t, err)
			row[j] = strings.Clone(v) // v may alias the result's pooled buffer
		}
		out = append(out, row)
	}
	return out
}

// serverNow is the server's clock, in Unix seconds.
func serverNow(t *testing.T, srv dmstest.MySQLServer) int64 {
	t.Helper()
	n, err := strconv.ParseInt(query(t, srv, "SELECT UNIX_TIMESTAMP()")[0][0], 10, 64)
	require.NoError(t, err)
	return n
}

// nextSecond waits until the server's clock is past the second after and
// returns the second it is in.
func nextSecond(t *testing.T, srv dmstest.MySQLServer, after int64) time.Time {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if now := serverNow(t, srv); now > after {
			return time.Unix(now, 0).UTC()
		}
		require.True(t, time.Now().Before(deadline), "the server clock stays at %d", after)
		time.Sleep(10 * time.Millisecond) // polling, bounded by the deadline
	}
}

// logEnd is the server's current end of the binary log.
func logEnd(t *testing.T, srv dmstest.MySQLServer) (string, uint32) {
	t.Helper()
	r := query(t, srv, "SHOW MASTER STATUS")
	pos, err := strconv.ParseUint(r[0][1], 10, 32)
	require.NoError(t, err)
	return r[0][0], uint32(pos)
}

// startPos is the between-transactions position at file:pos.
func startPos(file string, pos uint32) dms.Position {
	return dms.Position(fmt.Sprintf("%s:%d:0:%d:0:%s:%d", file, pos, pos, file, pos))
}

// place splits a position into its file and offset (the 7-field form's
// first two fields).
func place(t *testing.T, p dms.Position) (string, uint32) {
	t.Helper()
	f := strings.Split(string(p), ":")
	require.Len(t, f, 7, p)
	pos, err := strconv.ParseUint(f[1], 10, 32)
	require.NoError(t, err)
	return f[0], uint32(pos)
}

// txnStart is where the transaction of a change starts (the 7-field form's
// txnFile and txnStartPos).
func txnStart(t *testing.T, c dms.Change) (string, uint32) {
	t.Helper()
	f := strings.Split(string(c.Position), ":")
	require.Len(t, f, 7, c.Position)
	pos, err := strconv.ParseUint(f[6], 10, 32)
	require.NoError(t, err)
	return f[5], uint32(pos)
}

// before orders binlog places by file sequence, then offset.
func before(t *testing.T, aFile string, aPos uint32, bFile string, bPos uint32) bool {
	t.Helper()
	seq := func(f string) int {
		n, err := strconv.Atoi(f[strings.LastIndexByte(f, '.')+1:])
		require.NoError(t, err, f)
		return n
	}
	if seq(aFile) != seq(bFile) {
		return seq(aFile) < seq(bFile)
	}
	return aPos < bPos
}

func positionAt(t *testing.T, src *mysql.Source, at time.Time) dms.Position {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	p, err := src.PositionAt(ctx, at)
	require.NoError(t, err)
	return p
}

// nextRows returns the next n changes of rows, skipping control changes
// (a read from the start of a log sees the CREATE TABLE).
func nextRows(t *testing.T, cs dms.ChangeStream, n int) []dms.Change {
	t.Helper()
	var out []dms.Change
	for len(out) < n {
		if c := dmstest.Next(t, cs); !c.Op.IsControl() {
			out = append(out, c)
		}
	}
	return out
}

// ids are the first column of the changes' rows.
func ids(cs []dms.Change) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i], _ = c.Data[0].(int64)
	}
	return out
}

// TestPositionAt: on the shared server, Changes from PositionAt(T)
// delivers the transactions committed from second T on, first.
func TestPositionAt(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	T := nextSecond(t, srv, serverNow(t, srv)) // row 1 was committed before T
	dmstest.MySQLExec(t, srv, "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (3)")
	src := newSource(srv)
	sel := schemaSel(srv.Database)
	oldest := query(t, srv, "SHOW BINARY LOGS")[0][0]

	atT := positionAt(t, src, T)
	cases := []struct {
		name  string
		at    time.Time
		after []string // run after PositionAt, before reading
		want  []int64  // the rows the first changes carry
		pos   dms.Position
		end   bool // the end of the log
	}{
		{name: "the second of row 2", at: T, want: []int64{2, 3}, pos: atT},
		{name: "later in that second", at: T.Add(999 * time.Millisecond), want: []int64{2, 3}, pos: atT},
		{name: "in the future", at: time.Now().Add(time.Hour), after: []string{"INSERT INTO t VALUES (4)"}, want: []int64{4}, end: true},
		{name: "before every binary log", at: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), pos: startPos(oldest, 4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			endFile, endPos := logEnd(t, srv)
			p := positionAt(t, src, tc.at)
			if tc.pos != "" {
				require.Equal(t, tc.pos, p)
			}
			file, pos := place(t, p)
			require.Equal(t, startPos(file, pos), p, "a between-transactions position")
			if tc.end {
				require.False(t, before(t, file, pos, endFile, endPos), "the end of the log, not before it")
				nowFile, nowPos := logEnd(t, srv)
				require.False(t, before(t, nowFile, nowPos, file, pos), "the end of the log, not after it")
			}
			if tc.want == nil {
				return
			}
			dmstest.MySQLExec(t, srv, tc.after...)
			cs := openChanges(t, src, p, sel)
			got := nextN(t, cs, len(tc.want))
			require.Equal(t, tc.want, ids(got))
			for _, c := range got {
				require.Equal(t, dms.OpInsert, c.Op)
			}
			if !tc.end {
				require.False(t, got[0].CommitTime.Before(tc.at.Truncate(time.Second)), "first commit %v before %v", got[0].CommitTime, tc.at)
			}
			f, o := txnStart(t, got[0])
			require.False(t, before(t, f, o, file, pos), "the first transaction delivered starts at or after the position")
		})
	}
}

// TestPositionAtRotation: on a server of the test's own, whose binlog
// holds only the test's transactions, the answer is exactly the first
// transaction of second T, also when it lies two rotations after the log
// the scan starts in; before every log is the first log's start and the
// future is the end of the log.
func TestPositionAtRotation(t *testing.T) {
	own := dmstest.StartOwnMySQL(t)
	srv := own.Server
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)", "FLUSH BINARY LOGS", "INSERT INTO t VALUES (1)")
	T := nextSecond(t, srv, serverNow(t, srv))
	// The scan starts in the log holding row 1 (created before T); the
	// first log created at or after T is the one after it.
	dmstest.MySQLExec(t, srv, "FLUSH BINARY LOGS", "FLUSH BINARY LOGS", "INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (3)")
	later := nextSecond(t, srv, serverNow(t, srv))
	dmstest.MySQLExec(t, srv, "INSERT INTO t VALUES (4)")
	src := newSource(srv)
	sel := schemaSel(srv.Database)
	logs := query(t, srv, "SHOW BINARY LOGS")
	require.GreaterOrEqual(t, len(logs), 4)
	first, last := logs[0][0], logs[len(logs)-1][0]
	endFile, endPos := logEnd(t, srv)

	// Where the transactions of rows 1, 2 and 4 start, from a full read.
	all := nextRows(t, openChanges(t, src, startPos(first, 4), sel), 4)
	require.Equal(t, []int64{1, 2, 3, 4}, ids(all))
	var starts [4]dms.Position
	for i, c := range all {
		starts[i] = startPos(txnStart(t, c))
	}
	row2File, _ := txnStart(t, all[1])
	row1File, _ := txnStart(t, all[0])
	require.Equal(t, last, row2File, "row 2 is in the newest log")
	require.NotEqual(t, row1File, row2File)

	cases := []struct {
		name string
		at   time.Time
		want dms.Position
		rows []int64
	}{
		{name: "before every binary log", at: T.Add(-24 * time.Hour), want: startPos(first, 4), rows: []int64{1, 2, 3, 4}},
		{name: "the second of row 2, past two rotations", at: T, want: starts[1], rows: []int64{2, 3, 4}},
		{name: "later in that second", at: T.Add(500 * time.Millisecond), want: starts[1], rows: []int64{2, 3, 4}},
		{name: "the second of row 4", at: later, want: starts[3], rows: []int64{4}},
		{name: "in the future", at: later.Add(time.Hour), want: startPos(endFile, endPos)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := positionAt(t, src, tc.at)
			require.Equal(t, tc.want, p)
			if tc.rows == nil {
				return
			}
			got := nextRows(t, openChanges(t, src, p, sel), len(tc.rows))
			require.Equal(t, tc.rows, ids(got))
			require.False(t, got[0].CommitTime.Before(tc.at.Truncate(time.Second)))
		})
	}
}

// TestPositionAtContext: a context that ends stops PositionAt promptly,
// wherever it is, with the context's error, and leaves no goroutine
// behind; a call the context does not interrupt has the right answer.
func TestPositionAtContext(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	src := newSource(srv)
	at := time.Unix(serverNow(t, srv), 0) // the scan reads from the start of a log
	goroutines := runtime.NumGoroutine()

	cases := []struct {
		name  string
		after time.Duration // cancel after; < 0: before the call
	}{
		{name: "cancelled before", after: -1},
		{name: "cancelled at once", after: 0},
		{name: "after 1ms", after: time.Millisecond},
		{name: "after 5ms", after: 5 * time.Millisecond},
		{name: "after 20ms", after: 20 * time.Millisecond},
		{name: "after 50ms", after: 50 * time.Millisecond},
		{name: "not before the end", after: waitLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.after < 0 {
				cancel()
			} else {
				time.AfterFunc(tc.after, cancel)
			}
			start := time.Now()
			p, err := src.PositionAt(ctx, at)
			took := time.Since(start)
			require.Less(t, took, 5*time.Second+min(tc.after, time.Second), "PositionAt returns promptly")
			if tc.after == waitLimit {
				require.NoError(t, err)
			}
			if err == nil {
				t.Logf("finished first, in %v: %s", took, p)
				require.NotEmpty(t, p)
				return
			}
			t.Logf("stopped in %v: %v", took, err)
			require.Empty(t, p)
			require.ErrorIs(t, err, context.Canceled)
			require.Contains(t, err.Error(), srv.Addr)
		})
	}

	dmstest.RequireGoroutinesBack(t, goroutines)
}
