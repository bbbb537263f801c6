package dms

import (
	"context"
	"fmt"
	"sort"
)

// loadOrderer is implemented by mappings that give tables a load-order.
type loadOrderer interface {
	LoadOrder(schema, table string) int
}

// fullLoad copies every selected table through a consistent snapshot and
// returns the position where CDC continues. On resume-processing tables
// already completed are skipped.
//
// As AWS DMS does with TargetTablePrepMode DROP_AND_CREATE, the target is
// first told to drop and then to create every table (all drops, then all
// creates), and only then are rows loaded; TRUNCATE_BEFORE_LOAD emits only
// the create-table records and DO_NOTHING neither.
func (t *Task) fullLoad(readCtx, writeCtx context.Context) (Position, error) {
	snap, err := t.cfg.Source.Snapshot(readCtx)
	if err != nil {
		return "", fmt.Errorf("open source snapshot: %w", err)
	}
	defer snap.Close()
	tables, err := snap.Tables(readCtx, t.cfg.Mapping)
	if err != nil {
		return "", fmt.Errorf("list source tables: %w", err)
	}
	if len(tables) == 0 {
		if t.cfg.Settings.ErrorBehavior.FailOnNoTablesCaptured {
			return "", ErrNoTables
		}
		t.update(func() { t.status.Stats.FullLoadProgressPercent = 100 })
		return snap.Position(), nil
	}
	t.sortForLoad(tables)

	now := t.engine.now()
	var todo []*TableDef
	t.update(func() {
		for _, def := range tables {
			ts := t.tableLocked(def.ID(), TableStateBeforeLoad)
			if ts.TableState == TableStateCompleted {
				continue
			}
			ts.TableState = TableStateBeforeLoad
			todo = append(todo, def)
		}
		st := &t.status.Stats
		st.TablesQueued = len(todo)
		st.TablesLoading, st.TablesErrored = 0, 0
		st.TablesLoaded = len(tables) - len(todo)
		st.FullLoadStartDate = now
		st.FullLoadProgressPercent = 100 * st.TablesLoaded / len(tables)
	})

	if err := t.write(writeCtx, prepareChanges(todo, t.cfg.Settings.FullLoadSettings.TargetTablePrepMode)); err != nil {
		return "", err
	}
	for _, def := range todo {
		if err := t.loadTable(readCtx, writeCtx, snap, def, len(tables)); err != nil {
			return "", err
		}
	}
	t.update(func() { t.status.Stats.FullLoadFinishDate = t.engine.now() })
	return snap.Position(), nil
}

func prepareChanges(tables []*TableDef, prepMode string) []Change {
	var out []Change
	if prepMode == "DO_NOTHING" {
		return nil
	}
	if prepMode != "TRUNCATE_BEFORE_LOAD" {
		for _, def := range tables {
			out = append(out, Change{Op: OpDropTable, Table: def})
		}
	}
	for _, def := range tables {
		out = append(out, Change{Op: OpCreateTable, Table: def})
	}
	return out
}

func (t *Task) sortForLoad(tables []*TableDef) {
	lo, _ := t.cfg.Mapping.(loadOrderer)
	order := func(d *TableDef) int {
		if lo == nil {
			return 0
		}
		return lo.LoadOrder(d.Schema, d.Table)
	}
	sort.SliceStable(tables, func(i, j int) bool {
		a, b := tables[i], tables[j]
		if oa, ob := order(a), order(b); oa != ob {
			return oa > ob
		}
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Table < b.Table
	})
}

// loadTable streams one table to the target in batches of CommitRate rows,
// so memory holds at most one batch whatever the table's size. total is
// the number of tables of the full load; 0 for a reload (reload.go), which
// leaves the task's table counts alone.
func (t *Task) loadTable(readCtx, writeCtx context.Context, snap Snapshot, def *TableDef, total int) error {
	id := def.ID()
	t.update(func() {
		ts := t.tableLocked(id, TableStateBeforeLoad)
		ts.TableState = TableStateFullLoad
		ts.FullLoadStartTime = t.engine.now()
		ts.FullLoadRows = 0
		if total == 0 {
			ts.TableState, ts.FullLoadReloaded = TableStateReloading, true
			return
		}
		t.status.Stats.TablesQueued--
		t.status.Stats.TablesLoading++
	})
	rate := t.cfg.Settings.FullLoadSettings.CommitRate
	if rate <= 0 {
		rate = 10000
	}
	batch := make([]Change, 0, min(rate, 1024))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := t.write(writeCtx, batch); err != nil {
			return err
		}
		n := int64(len(batch))
		t.update(func() {
			ts := t.tables[id]
			ts.FullLoadRows += n
			ts.LastUpdateTime = t.engine.now()
		})
		batch = batch[:0]
		return nil
	}
	err := snap.Load(readCtx, def, func(r Row) error {
		c := Change{Op: OpLoad, Table: def, Data: r}
		if keep, err := t.xf.keep(&c); !keep || err != nil {
			return err // a row the source filters drop is not loaded, nor counted
		}
		batch = append(batch, c)
		if len(batch) >= rate {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("load table %s: %w", id, err)
	}
	t.update(func() {
		ts := t.tables[id]
		ts.TableState = TableStateCompleted
		ts.FullLoadEndTime = t.engine.now()
		if total == 0 {
			return
		}
		st := &t.status.Stats
		st.TablesLoading--
		st.TablesLoaded++
		st.FullLoadProgressPercent = 100 * st.TablesLoaded / total
	})
	return nil
}
