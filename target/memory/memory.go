package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/minidms/minidms/dms"
)

// Record is one change as the target received it, with the task it came
// from.
type Record struct {
	TaskID string
	dms.Change
}

// Target keeps every change it is given, in order. It is safe for
// concurrent use by several tasks.
type Target struct {
	mu      sync.Mutex
	records []Record
	// changed is closed and replaced whenever records grow, so waiters wake
	// without polling.
	changed chan struct{}
}

// New returns an empty memory target.
func New() *Target {
	return &Target{changed: make(chan struct{})}
}

// Write implements dms.Target.
func (t *Target) Write(ctx context.Context, task dms.TaskInfo, changes []dms.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range changes {
		t.records = append(t.records, Record{TaskID: task.ID, Change: c})
	}
	close(t.changed)
	t.changed = make(chan struct{})
	return nil
}

// Records returns a copy of everything received so far.
func (t *Target) Records() []Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.records)
}

// Len returns how many records the target holds.
func (t *Target) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.records)
}

// Reset forgets every record.
func (t *Target) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.records = nil
}

// WaitFor blocks until the target holds at least n records matching keep (all
// records when keep is nil) and returns those records, or fails when ctx ends
// first, saying how many it had.
func (t *Target) WaitFor(ctx context.Context, n int, keep func(Record) bool) ([]Record, error) {
	for {
		t.mu.Lock()
		var got []Record
		for _, r := range t.records {
			if keep == nil || keep(r) {
				got = append(got, r)
			}
		}
		changed := t.changed
		t.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("memory target: waited for %d records, have %d: %w", n, len(got), ctx.Err())
		case <-changed:
		}
	}
}

// Data keeps data records (load, insert, update, delete); a filter for
// WaitFor.
func Data(r Record) bool { return !r.Op.IsControl() }

// Table is a WaitFor filter keeping the data records of one table.
func Table(schema, table string) func(Record) bool {
	return func(r Record) bool {
		return !r.Op.IsControl() && r.Table.Schema == schema && r.Table.Table == table
	}
}

// TableState replays the data records of one table by primary key and
// returns the rows the table would hold, ordered by key, together with every
// inconsistency met on the way: a load or insert of a key that is already
// there (a duplicate), an update or delete of a key that is not (a lost
// change). A drop-table empties the table, as it would a real target's. A
// table without a primary key is keyed by the whole row.
func (t *Target) TableState(schema, table string) (rows []dms.Row, problems []string) {
	state := map[string]dms.Row{}
	for _, r := range t.Records() {
		if r.Table == nil || r.Table.Schema != schema || r.Table.Table != table {
			continue
		}
		if r.Op == dms.OpDropTable {
			clear(state)
			continue
		}
		if r.Op.IsControl() {
			continue
		}
		k := key(r.Table, r.Data)
		_, exists := state[k]
		switch r.Op {
		case dms.OpLoad, dms.OpInsert:
			if exists {
				problems = append(problems, fmt.Sprintf("%s of existing key %s", r.Op, k))
			}
			state[k] = r.Data
		case dms.OpUpdate:
			old := k
			if r.Before != nil {
				old = key(r.Table, r.Before)
			}
			if _, ok := state[old]; !ok {
				problems = append(problems, fmt.Sprintf("update of missing key %s", old))
			}
			delete(state, old)
			state[k] = r.Data
		case dms.OpDelete:
			if !exists {
				problems = append(problems, fmt.Sprintf("delete of missing key %s", k))
			}
			delete(state, k)
		}
	}
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rows = append(rows, state[k])
	}
	return rows, problems
}

func key(def *dms.TableDef, r dms.Row) string {
	var b strings.Builder
	if len(def.PrimaryKey) == 0 {
		for _, v := range r {
			fmt.Fprintf(&b, "%v|", v)
		}
		return b.String()
	}
	for _, name := range def.PrimaryKey {
		v, _ := def.Value(r, name)
		// Zero-padded numbers keep the order numeric for integer keys.
		switch n := v.(type) {
		case int64:
			fmt.Fprintf(&b, "%020d|", n)
		case uint64:
			fmt.Fprintf(&b, "%020d|", n)
		default:
			fmt.Fprintf(&b, "%v|", v)
		}
	}
	return b.String()
}
