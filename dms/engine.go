package dms

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/minidms/minidms/mapping"
)

// MigrationType says what a task replicates, spelled as the DMS API spells
// it.
type MigrationType string

// Migration types.
const (
	FullLoad       MigrationType = "full-load"
	CDC            MigrationType = "cdc"
	FullLoadAndCDC MigrationType = "full-load-and-cdc"
)

// StartType says how a task starts, spelled as StartReplicationTaskType.
type StartType string

// Start types.
const (
	// StartReplication starts afresh: statistics and checkpoint are reset.
	StartReplication StartType = "start-replication"
	// ResumeProcessing continues where the task stopped: a full load reloads
	// the tables it had not finished, CDC continues after the checkpoint.
	ResumeProcessing StartType = "resume-processing"
	// ReloadTarget loads every table again and restarts CDC from the new
	// load's position.
	ReloadTarget StartType = "reload-target"
)

// Errors the engine returns; test with errors.Is.
var (
	ErrTaskExists     = errors.New("task already exists")
	ErrTaskNotFound   = errors.New("task not found")
	ErrTaskActive     = errors.New("task is active")
	ErrTaskNotRunning = errors.New("task is not running")
	ErrNoTables       = errors.New("No tables were found at task initialization. Either the selected table(s) or schemas(s) no longer exist or no table(s) match the specified table mappings.")
)

// TaskConfig describes a replication task.
type TaskConfig struct {
	// ID is the task's resource id (the last segment of its ARN); targets
	// use it in control records.
	ID            string
	Source        Source
	Target        Target
	Mapping       TableSelector
	MigrationType MigrationType
	// Settings are the task settings; nil means the defaults.
	Settings *mapping.TaskSettings
	// CdcStartPosition makes a fresh CDC task start at this source position
	// instead of "now".
	CdcStartPosition Position
	// CdcStartTime, without CdcStartPosition, makes a fresh CDC task start
	// with the first transaction committed at or after it, found by a
	// source that implements TimePositioner; on another source CDC starts
	// from now, and a warning is logged.
	CdcStartTime time.Time
	// Checkpoint restores a task saved elsewhere: resume-processing
	// continues after it.
	Checkpoint Position
	// Stats and Tables restore, with Checkpoint, the statistics of a task
	// saved elsewhere: a resume-processing start goes on counting from
	// them (start-replication and reload-target start from zero).
	Stats  TaskStats
	Tables []TableStatistics
	// CdcStopPosition stops CDC as the DMS API's CdcStopPosition does:
	// "commit_time:2018-02-09T12:12:12" stops before the first change
	// committed after that time (Stop Reason STOPPED_AT_COMMIT_TIME),
	// "server_time:…" when the engine's clock reaches it (Stop Reason
	// STOPPED_AT_SERVER_TIME). Times are UTC.
	CdcStopPosition string
}

// Engine runs replication tasks. The zero value is not usable; call
// NewEngine.
type Engine struct {
	log *slog.Logger
	now func() time.Time

	mu    sync.Mutex
	tasks map[string]*Task
}

// Option configures an Engine.
type Option func(*Engine)

// WithLogger sets the logger; the default discards everything.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithClock replaces time.Now, for tests that need fixed times.
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// NewEngine returns an engine with no tasks.
func NewEngine(opts ...Option) *Engine {
	e := &Engine{
		log:   slog.New(slog.DiscardHandler),
		now:   time.Now,
		tasks: map[string]*Task{},
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// NewTask registers a task in status ready.
func (e *Engine) NewTask(cfg TaskConfig) (*Task, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("task config: ID is empty")
	case cfg.Source == nil:
		return nil, fmt.Errorf("task %s: no source", cfg.ID)
	case cfg.Target == nil:
		return nil, fmt.Errorf("task %s: no target", cfg.ID)
	case cfg.Mapping == nil:
		return nil, fmt.Errorf("task %s: no table mapping", cfg.ID)
	}
	switch cfg.MigrationType {
	case FullLoad, CDC, FullLoadAndCDC:
	default:
		return nil, fmt.Errorf("task %s: unknown migration type %q", cfg.ID, cfg.MigrationType)
	}
	if cfg.Settings == nil {
		cfg.Settings = mapping.DefaultTaskSettings()
	}
	stop, err := parseCdcStop(cfg.CdcStopPosition)
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", cfg.ID, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.tasks[cfg.ID]; ok {
		return nil, fmt.Errorf("task %s: %w", cfg.ID, ErrTaskExists)
	}
	t := newTask(e, cfg)
	t.stop = stop
	e.tasks[cfg.ID] = t
	return t, nil
}

// Task returns the task with the given ID.
func (e *Engine) Task(id string) (*Task, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.tasks[id]
	if !ok {
		return nil, fmt.Errorf("task %s: %w", id, ErrTaskNotFound)
	}
	return t, nil
}

// Tasks returns every task, ordered by ID.
func (e *Engine) Tasks() []*Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Task, 0, len(e.tasks))
	for _, t := range e.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.ID < out[j].cfg.ID })
	return out
}

// DeleteTask removes a task that is not running.
func (e *Engine) DeleteTask(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.tasks[id]
	if !ok {
		return fmt.Errorf("task %s: %w", id, ErrTaskNotFound)
	}
	if t.active() {
		return fmt.Errorf("task %s: %w", id, ErrTaskActive)
	}
	delete(e.tasks, id)
	return nil
}

// Close stops every running task and waits for them.
func (e *Engine) Close() error {
	var errs []error
	for _, t := range e.Tasks() {
		if err := t.halt(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
