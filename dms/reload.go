package dms

import (
	"context"
	"errors"
	"fmt"
)

// CoveringSnapshot is implemented by snapshots that can tell whether a
// change is already in them: source/mysql's compares the change's binlog
// position with the snapshot's. Reloading a table while CDC runs needs
// it, so that the changes the new snapshot holds are not delivered again.
type CoveringSnapshot interface {
	Snapshot
	// Covers reports whether the change at pos (a Change.Position of this
	// source's stream) was committed before the view, so that its effect
	// is in the rows the view loads. It works after Close.
	Covers(pos Position) (bool, error)
}

// ReloadSnapshotter is implemented by sources whose Snapshot cannot be
// opened while their change stream runs (source/postgres's creates the
// task's replication slot, which the stream holds); a reload opens this
// view instead.
type ReloadSnapshotter interface {
	ReloadSnapshot(ctx context.Context) (CoveringSnapshot, error)
}

// ErrReloadUnsupported is returned by ReloadTables for a task whose source
// snapshots are not CoveringSnapshots, or that does not replicate changes.
var ErrReloadUnsupported = errors.New("the source cannot reload tables while changes are replicated")

// reloadCut holds back the changes of reloaded tables that their reload's
// snapshot already holds. The stream delivers changes in commit order, so
// once one change is past the snapshot every later one is too, and the
// cut is done.
type reloadCut struct {
	tables map[TableID]bool
	snap   CoveringSnapshot
}

// ReloadTables loads the given tables again while the task replicates
// changes, as the DMS API's ReloadTables does: each is dropped and created
// on the target as TargetTablePrepMode says and loaded from a new
// snapshot of the source, its statistics showing "Table is being
// reloaded" and then FullLoadReloaded; the changes of the table that
// snapshot holds are not delivered again, the later ones are. It returns
// at once: the task reloads between two batches of changes (a
// full-load-and-cdc task still loading, once its full load is done).
// Tables the mapping does not select are ignored.
func (t *Task) ReloadTables(tables []TableID) error {
	if t.cfg.MigrationType == FullLoad {
		return fmt.Errorf("task %s: %w", t.cfg.ID, ErrReloadUnsupported)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done == nil || t.status.Status != StatusRunning {
		return fmt.Errorf("task %s: %w", t.cfg.ID, ErrTaskNotRunning)
	}
	t.reloads = append(t.reloads, tables...)
	select {
	case t.reloadAsked <- struct{}{}:
	default: // already asked; the pending list has these tables too
	}
	return nil
}

// pendingReloads takes the tables ReloadTables asked for.
func (t *Task) pendingReloads() []TableID {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := t.reloads
	t.reloads = nil
	return ids
}

// reload loads the pending tables from a new snapshot and adds the cut
// that keeps their covered changes back. It runs on the writing goroutine
// of the change stream, between batches.
func (t *Task) reload(readCtx, writeCtx context.Context) error {
	ids := t.pendingReloads()
	if len(ids) == 0 {
		return nil
	}
	var snap Snapshot
	var err error
	if rs, ok := t.cfg.Source.(ReloadSnapshotter); ok {
		snap, err = rs.ReloadSnapshot(readCtx)
	} else {
		snap, err = t.cfg.Source.Snapshot(readCtx)
	}
	if err != nil {
		return fmt.Errorf("reload tables: open source snapshot: %w", err)
	}
	defer snap.Close()
	cs, ok := snap.(CoveringSnapshot)
	if !ok {
		t.engine.log.Warn("tables not reloaded", "task", t.cfg.ID, "err", ErrReloadUnsupported)
		return nil
	}
	all, err := snap.Tables(readCtx, t.cfg.Mapping)
	if err != nil {
		return fmt.Errorf("reload tables: list source tables: %w", err)
	}
	want := map[TableID]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var defs []*TableDef
	for _, def := range all {
		if want[def.ID()] {
			defs = append(defs, def)
		}
	}
	if len(defs) == 0 {
		return nil
	}
	t.sortForLoad(defs)
	if err := t.write(writeCtx, prepareChanges(defs, t.cfg.Settings.FullLoadSettings.TargetTablePrepMode)); err != nil {
		return err
	}
	cut := reloadCut{tables: map[TableID]bool{}, snap: cs}
	for _, def := range defs {
		if err := t.loadTable(readCtx, writeCtx, snap, def, 0); err != nil {
			return fmt.Errorf("reload %w", err)
		}
		cut.tables[def.ID()] = true
	}
	t.cuts = append(t.cuts, cut)
	return nil
}

// heldBack reports whether c is a change that a reload's snapshot holds,
// ending the cuts c is past.
func (t *Task) heldBack(c Change) (bool, error) {
	if len(t.cuts) == 0 || c.Position == "" {
		return false, nil
	}
	held := false
	kept := t.cuts[:0]
	for _, cut := range t.cuts {
		covered, err := cut.snap.Covers(c.Position)
		if err != nil {
			return false, fmt.Errorf("reload tables: compare position %s with the snapshot: %w", c.Position, err)
		}
		if !covered {
			continue
		}
		kept = append(kept, cut)
		if c.Table != nil && cut.tables[c.Table.ID()] {
			held = true
		}
	}
	t.cuts = kept
	return held, nil
}
