package dmstest

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/target/memory"
)

// Helpers for tests that run engine tasks against real servers; each
// waits on a condition with WaitLimit as its deadline, never on a fixed
// sleep.

// WaitLimit bounds every wait of these helpers.
const WaitLimit = 60 * time.Second

// SelectSchema is a table mapping that includes every table of schema.
func SelectSchema(t testing.TB, schema string) *mapping.TableMappings {
	t.Helper()
	m, err := mapping.ParseTableMappings(fmt.Sprintf(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":%q,"table-name":"%%"},"rule-action":"include"}]}`, schema))
	require.NoError(t, err)
	return m
}

// WaitStatus waits until the task reaches want, failing the test with the
// task's failure message if it fails instead.
func WaitStatus(t testing.TB, task *dms.Task, want dms.Status) dms.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	st, err := task.Wait(ctx, func(s dms.TaskStatus) bool {
		return s.Status == want || s.Status == dms.StatusFailed
	})
	require.NoError(t, err)
	require.Equal(t, want, st.Status, "task failed: %s", st.LastFailureMessage)
	return st
}

// WaitRecords waits until the target holds n records that keep accepts
// (nil: all) and returns them; each data record's rows must fit their
// table definition. On a time-out it logs the last records received.
func WaitRecords(t testing.TB, target *memory.Target, n int, keep func(memory.Record) bool) []memory.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	recs, err := target.WaitFor(ctx, n, keep)
	if err != nil {
		lines := Describe(target.Records())
		for _, l := range lines[max(0, len(lines)-30):] {
			t.Log(l)
		}
	}
	require.NoError(t, err)
	for _, r := range recs {
		if !r.Op.IsControl() {
			require.NoError(t, dms.CheckRow(r.Table, r.Data))
			if r.Before != nil {
				require.NoError(t, dms.CheckRow(r.Table, r.Before))
			}
		}
	}
	return recs
}

// Describe renders records as "op schema.table data" lines, with the
// before image and the columns of DDL records.
func Describe(recs []memory.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		line := fmt.Sprintf("%s %s.%s %v", r.Op, r.Table.Schema, r.Table.Table, r.Data)
		if r.Before != nil {
			line += fmt.Sprintf(" before %v", r.Before)
		}
		if r.Column != "" {
			line += " column " + r.Column
		}
		if r.OldColumn != "" {
			line += " from " + r.OldColumn
		}
		out = append(out, line)
	}
	return out
}

// GatedTarget is a memory target that holds back the first full-load batch
// until Open, so a test can change the source while the load is certainly
// in progress.
type GatedTarget struct {
	*memory.Target
	once sync.Once
	hit  chan struct{}
	open chan struct{}
}

// NewGatedTarget returns a closed gate in front of mem.
func NewGatedTarget(mem *memory.Target) *GatedTarget {
	return &GatedTarget{Target: mem, hit: make(chan struct{}), open: make(chan struct{})}
}

// Write implements dms.Target.
func (g *GatedTarget) Write(ctx context.Context, task dms.TaskInfo, changes []dms.Change) error {
	if changes[0].Op == dms.OpLoad {
		g.once.Do(func() {
			close(g.hit)
			<-g.open
		})
	}
	return g.Target.Write(ctx, task, changes)
}

// WaitLoading waits until the first load batch is held at the gate.
func (g *GatedTarget) WaitLoading(t testing.TB) {
	t.Helper()
	select {
	case <-g.hit:
	case <-time.After(WaitLimit):
		t.Fatal("the full load never wrote")
	}
}

// Open lets the held batch and every later one through.
func (g *GatedTarget) Open() { close(g.open) }

// Next waits for the next change of a stream and checks its rows fit their
// table definition.
func Next(t testing.TB, cs dms.ChangeStream) dms.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	c, err := cs.Next(ctx)
	require.NoError(t, err)
	if !c.Op.IsControl() {
		require.NoError(t, dms.CheckRow(c.Table, c.Data))
		if c.Before != nil {
			require.NoError(t, dms.CheckRow(c.Table, c.Before))
		}
	}
	return c
}

// LogBuffer is a log sink that a logger's goroutines write to while a
// test reads it: slog.New(slog.NewTextHandler(&buf, nil)).
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RequireGoroutinesBack waits, up to WaitLimit, until no more goroutines
// run than before did, and fails the test with every goroutine's stack if
// some are left: what a Close or Stop must leave behind.
func RequireGoroutinesBack(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // polling, bounded by the deadline
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines left: %d > %d\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
