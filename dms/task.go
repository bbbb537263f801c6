package dms

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Task is a replication task: a source, a target, a mapping and its
// progress. Its methods are safe for concurrent use.
type Task struct {
	engine *Engine
	cfg    TaskConfig

	mu     sync.Mutex
	status TaskStatus
	tables map[TableID]*TableStatistics
	// loadDone records that the full load of a full-load-and-cdc task
	// finished, so resume-processing continues with CDC only.
	loadDone bool
	// delivered counts the changes the target accepted in this run.
	delivered int64
	// stop is the CdcStopPosition, nil for none.
	stop *cdcStop
	// changed is closed and replaced on every update so Wait needs no polling.
	changed chan struct{}
	// xf applies the table mapping's filters and transformations.
	xf *transformer
	// objects tells the target the object-mapping rules; nil without any.
	objects ObjectMapper

	// stopRead ends reading from the source; abort also ends writing to the
	// target. Stop uses the first and falls back to the second when its
	// context ends, so a clean stop delivers everything already read.
	stopRead context.CancelFunc
	abort    context.CancelFunc
	done     chan struct{}

	// reloads are the tables ReloadTables asked for, reloadAsked its
	// signal to the change stream's writer; cuts, the writer's own, hold
	// back the changes reloads already loaded (reload.go).
	reloads     []TableID
	reloadAsked chan struct{}
	cuts        []reloadCut
}

func newTask(e *Engine, cfg TaskConfig) *Task {
	xf := newTransformer(cfg, e.now, e.log)
	tables := make(map[TableID]*TableStatistics, len(cfg.Tables))
	for _, ts := range cfg.Tables {
		tables[TableID{Schema: ts.SchemaName, Table: ts.TableName}] = &ts
	}
	return &Task{
		engine:      e,
		cfg:         cfg,
		status:      TaskStatus{Status: StatusReady, Checkpoint: cfg.Checkpoint, Stats: cfg.Stats},
		tables:      tables,
		changed:     make(chan struct{}),
		reloadAsked: make(chan struct{}, 1),
		xf:          xf,
		objects:     newObjectMapper(cfg.Mapping, xf),
	}
}

// ID returns the task's resource id.
func (t *Task) ID() string { return t.cfg.ID }

// Config returns the task's configuration.
func (t *Task) Config() TaskConfig { return t.cfg }

// Info returns what the task tells its target about itself.
func (t *Task) Info() TaskInfo {
	return TaskInfo{ID: t.cfg.ID, Settings: t.cfg.Settings, ObjectMappings: t.objects}
}

// Status returns the task's current status and statistics.
func (t *Task) Status() TaskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snapshotLocked()
}

func (t *Task) snapshotLocked() TaskStatus {
	s := t.status
	end := s.Stats.StopDate
	if s.Status == StatusRunning || s.Status == StatusStarting || s.Status == StatusStopping {
		end = t.engine.now()
	}
	if !s.Stats.StartDate.IsZero() && !end.IsZero() {
		s.Stats.ElapsedTimeMillis = end.Sub(s.Stats.StartDate).Milliseconds()
	}
	return s
}

// TableStatistics returns the statistics of every table the task has
// captured, ordered by schema and table.
func (t *Task) TableStatistics() []TableStatistics {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TableStatistics, 0, len(t.tables))
	for _, s := range t.tables {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SchemaName != out[j].SchemaName {
			return out[i].SchemaName < out[j].SchemaName
		}
		return out[i].TableName < out[j].TableName
	})
	return out
}

// Wait blocks until cond holds for the task's status, or ctx ends.
func (t *Task) Wait(ctx context.Context, cond func(TaskStatus) bool) (TaskStatus, error) {
	for {
		t.mu.Lock()
		s := t.snapshotLocked()
		changed := t.changed
		t.mu.Unlock()
		if cond(s) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("task %s: waiting ended in status %s: %w", t.cfg.ID, s.Status, ctx.Err())
		case <-changed:
		}
	}
}

// Start starts the task in the background. It fails with ErrTaskActive
// when the task is already starting, running or stopping.
func (t *Task) Start(ctx context.Context, how StartType) error {
	switch how {
	case StartReplication, ResumeProcessing, ReloadTarget:
	default:
		return fmt.Errorf("task %s: unknown start type %q", t.cfg.ID, how)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done != nil {
		return fmt.Errorf("task %s: %w", t.cfg.ID, ErrTaskActive)
	}
	now := t.engine.now()
	switch how {
	case StartReplication:
		t.tables = map[TableID]*TableStatistics{}
		t.loadDone = false
		t.cuts = nil
		t.status.Checkpoint = t.cfg.CdcStartPosition
		t.status.Stats = TaskStats{FreshStartDate: now}
	case ReloadTarget:
		t.tables = map[TableID]*TableStatistics{}
		t.loadDone = false
		t.cuts = nil
		t.status.Stats = TaskStats{FreshStartDate: t.status.Stats.FreshStartDate}
	}
	if t.status.Stats.FreshStartDate.IsZero() {
		t.status.Stats.FreshStartDate = now
	}
	// A reload asked for during the previous run and not done by its end
	// is forgotten, as the run that was to carry it out.
	t.reloads = nil
	select {
	case <-t.reloadAsked:
	default:
	}
	t.status.Status = StatusStarting
	t.status.StopReason = ""
	t.status.LastFailureMessage = ""
	t.status.StartDate = now
	t.status.Stats.StartDate = now
	t.status.Stats.StopDate = time.Time{}

	// The task outlives the call that starts it, but keeps its values.
	base := context.WithoutCancel(ctx)
	writeCtx, abort := context.WithCancel(base)
	readCtx, stopRead := context.WithCancel(writeCtx)
	t.stopRead, t.abort = stopRead, abort
	t.done = make(chan struct{})
	t.notifyLocked()
	go t.run(readCtx, writeCtx, how)
	return nil
}

// Stop stops a running task and waits until it has stopped. Changes
// already read from the source are written first; if ctx ends before that
// finishes, writing is abandoned too.
func (t *Task) Stop(ctx context.Context) error {
	t.mu.Lock()
	done := t.done
	if done == nil {
		t.mu.Unlock()
		return fmt.Errorf("task %s: %w", t.cfg.ID, ErrTaskNotRunning)
	}
	t.status.Status = StatusStopping
	t.notifyLocked()
	stopRead, abort := t.stopRead, t.abort
	t.mu.Unlock()

	stopRead()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		abort()
		<-done
		return fmt.Errorf("task %s: stop: %w", t.cfg.ID, ctx.Err())
	}
}

// halt ends the task at once, if it runs.
func (t *Task) halt() error {
	t.mu.Lock()
	done, abort := t.done, t.abort
	t.mu.Unlock()
	if done == nil {
		return nil
	}
	abort()
	<-done
	return nil
}

func (t *Task) active() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done != nil
}

func (t *Task) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *Task) update(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
	t.notifyLocked()
}

func (t *Task) run(readCtx, writeCtx context.Context, how StartType) {
	log := t.engine.log.With("task", t.cfg.ID)
	log.Info("task starting", "type", how, "migration", t.cfg.MigrationType)
	err := t.replicate(readCtx, writeCtx, how)

	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.engine.now()
	switch {
	case err == nil:
		t.status.Status = StatusStopped
		t.status.StopReason = StopReasonFullLoadOnlyDone
	case isStoppedAtErr(err):
		reason, _ := isStoppedAt(err)
		t.status.Status = StatusStopped
		t.status.StopReason = reason
	case readCtx.Err() != nil && errors.Is(err, context.Canceled):
		t.status.Status = StatusStopped
		t.status.StopReason = StopReasonNormal
	default:
		log.Error("task failed", "err", err)
		t.status.Status = StatusFailed
		t.status.StopReason = StopReasonFatalError
		t.status.LastFailureMessage = err.Error()
		for _, ts := range t.tables {
			if ts.TableState == TableStateFullLoad {
				ts.TableState = TableStateError
				t.status.Stats.TablesErrored++
				t.status.Stats.TablesLoading--
			}
		}
	}
	t.status.Stats.StopDate = now
	t.stopRead()
	t.abort()
	close(t.done)
	t.done, t.stopRead, t.abort = nil, nil, nil
	t.notifyLocked()
	log.Info("task ended", "status", t.status.Status, "reason", t.status.StopReason)
}

func (t *Task) replicate(readCtx, writeCtx context.Context, how StartType) error {
	switch t.cfg.MigrationType {
	case FullLoad:
		t.update(func() { t.status.Status = StatusRunning })
		_, err := t.fullLoad(readCtx, writeCtx)
		return err
	case CDC:
		stream, err := t.startCDC(readCtx, writeCtx, how)
		if err != nil {
			return err
		}
		return t.streamWithRecovery(readCtx, writeCtx, stream)
	default:
		t.update(func() { t.status.Status = StatusRunning })
		t.mu.Lock()
		loadDone, from := t.loadDone, t.status.Checkpoint
		t.mu.Unlock()
		if !loadDone {
			// The new load's snapshot is later than the one the tables
			// already loaded came from, and CDC continues from the new
			// one: reload them all, or their changes in between are lost.
			t.update(func() {
				for _, ts := range t.tables {
					ts.TableState = TableStateBeforeLoad
				}
			})
			if err := t.write(writeCtx, []Change{{Op: OpCreateTable, Table: ApplyExceptionsTable()}}); err != nil {
				return err
			}
			pos, err := t.fullLoad(readCtx, writeCtx)
			if err != nil {
				return err
			}
			from = pos
			t.update(func() {
				t.loadDone = true
				t.status.Checkpoint = pos
			})
		}
		stream, err := t.openStream(readCtx, from)
		if err != nil {
			return err
		}
		return t.streamWithRecovery(readCtx, writeCtx, stream)
	}
}

// write hands a batch to the target and, once it is accepted, counts it
// and moves the checkpoint.
func (t *Task) write(ctx context.Context, batch []Change) error {
	// The target gets the transformed changes; statistics and the
	// checkpoint below use the source's.
	out, err := t.xf.apply(batch)
	if err != nil {
		return err
	}
	if err := t.cfg.Target.Write(ctx, t.Info(), out); err != nil {
		return fmt.Errorf("write to target: %w", err)
	}
	now := t.engine.now()
	t.update(func() {
		t.delivered += int64(len(batch))
		for i := range batch {
			c := &batch[i]
			if c.Position != "" {
				t.status.Checkpoint = c.Position
			}
			if c.Table == nil || c.Op == OpLoad || c.Op == OpCreateTable || c.Op == OpDropTable {
				continue
			}
			ts := t.tableLocked(c.Table.ID(), TableStateCompleted)
			ts.LastUpdateTime = now
			switch c.Op {
			case OpInsert:
				ts.Inserts++
				ts.AppliedInserts++
			case OpUpdate:
				ts.Updates++
				ts.AppliedUpdates++
			case OpDelete:
				ts.Deletes++
				ts.AppliedDeletes++
			default:
				ts.Ddls++
				ts.AppliedDdls++
			}
		}
	})
	return nil
}

// tableLocked returns the statistics of a table, adding them in state when
// the table is new to the task.
func (t *Task) tableLocked(id TableID, state string) *TableStatistics {
	ts, ok := t.tables[id]
	if !ok {
		ts = &TableStatistics{SchemaName: id.Schema, TableName: id.Table, TableState: state, ValidationState: "Not enabled"}
		t.tables[id] = ts
	}
	return ts
}

// ApplyExceptionsTable is the control table DMS creates on the target of
// every task with CDC; on a stream target it only shows as a create-table
// control record with an empty schema.
func ApplyExceptionsTable() *TableDef {
	return &TableDef{
		Table: "awsdms_apply_exceptions",
		Columns: []Column{
			{Name: "TASK_NAME", Type: TypeString, Length: 128},
			{Name: "TABLE_OWNER", Type: TypeString, Length: 128},
			{Name: "TABLE_NAME", Type: TypeString, Length: 128},
			{Name: "ERROR_TIME", Type: TypeDateTime},
			{Name: "STATEMENT", Type: TypeCLOB},
			{Name: "ERROR", Type: TypeCLOB},
		},
	}
}
