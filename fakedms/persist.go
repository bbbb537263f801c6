package fakedms

// Persistence (WithDataDir): the resources are kept in one versioned JSON
// document in the data directory, written atomically after every
// state-changing call and whenever a background change (a task's
// checkpoint, status or statistics, a connection test, a serverless
// replication's status) shows in it, and loaded by Open.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// StateFile is the name of the state document in the data directory.
const StateFile = "fakedms-state.json"

// stateVersion is the version of the state document this code writes and
// reads.
const stateVersion = 1

// flushInterval is how often the background flusher looks for changes
// that no API call made (a running task's checkpoint, a connection test
// that ended); a write happens only when the document changed, so at most
// one write per interval.
const flushInterval = 150 * time.Millisecond

// restartMessage is the failure of a connection test that the server's
// restart interrupted.
const restartMessage = "fakedms restarted before the connection test finished"

// WithDataDir makes the server keep its resources in dir (created, mode
// 0700, if missing) and load them at start: replication instances, subnet
// groups, endpoints (their passwords included: the file is mode 0600),
// tasks with their settings, status, statistics and checkpoint, tags,
// connections, events and serverless replication configs. A task that was
// starting, running or stopping when the process ended comes back
// stopped, with StopReason "Stop Reason RECOVERABLE_ERROR" and its
// RecoveryCheckpoint, so StartReplicationTask with resume-processing
// continues its CDC after the checkpoint. The built-in Kinesis and S3 keep
// their data in memory only. One server per directory.
//
// NewHandler and NewServer panic when the state cannot be loaded (an
// unknown version, a corrupt file); Open and OpenServer return the error.
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// persister writes the state document; mu orders the writes, so the file
// always holds the newest snapshot taken.
type persister struct {
	dir  string
	mu   sync.Mutex
	last []byte // the document last written
}

func (p *persister) path() string { return filepath.Join(p.dir, StateFile) }

// OpenServer is NewServer returning the error of loading the data
// directory (WithDataDir) instead of panicking.
func OpenServer(opts ...Option) (*Server, error) {
	h, err := Open(opts...)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(h)
	return &Server{Handler: h, URL: ts.URL, ts: ts, transport: http.DefaultTransport.(*http.Transport).Clone()}, nil
}

// openDataDir loads the state document of the data directory, if any,
// and starts the flusher. Open calls it before the handler serves.
func (h *Handler) openDataDir() error {
	dir := h.cfg.dataDir
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("fakedms: data dir: %w", err)
	}
	p := &persister{dir: dir}
	path := p.path()
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("fakedms: read state: %w", err)
	default:
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("fakedms: read state: %w", err)
		}
		if err := h.restore(data, info.ModTime()); err != nil {
			return fmt.Errorf("fakedms: state file %s: %w", path, err)
		}
	}
	// Leftovers of writes that a crash interrupted: the state file is
	// whole either way (the rename is atomic).
	tmps, _ := filepath.Glob(filepath.Join(dir, StateFile+".tmp-*"))
	for _, tmp := range tmps {
		os.Remove(tmp)
	}
	h.persist = p
	if err := h.save(); err != nil {
		return err
	}
	h.goBackground(h.flushLoop)
	return nil
}

// flushLoop saves the state whenever it changed, at most once per
// flushInterval, until the handler closes; Close saves it once more.
func (h *Handler) flushLoop(ctx context.Context) {
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := h.save(); err != nil {
			h.cfg.log.Error("fakedms: saving state failed", "err", err)
		}
	}
}

// afterCall saves the state after a DMS call that may have changed it,
// before the call is answered, so that an answered call is durable.
// Describe and List calls change nothing worth a write of their own.
func (h *Handler) afterCall(op string) func(any, error) (any, error) {
	return func(out any, err error) (any, error) {
		if h.persist == nil || strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List") {
			return out, err
		}
		if serr := h.save(); serr != nil && err == nil {
			h.cfg.log.Error("fakedms: saving state failed", "op", op, "err", serr)
			return nil, &apiError{Code: "InternalFailure", Status: http.StatusInternalServerError,
				Message: fmt.Sprintf("fakedms: %s was carried out but could not be saved: %v", op, serr)}
		}
		return out, err
	}
}

// closeDataDir saves the state a last time; Close calls it once the tasks
// have stopped.
func (h *Handler) closeDataDir() error {
	if h.persist == nil {
		return nil
	}
	return h.save()
}

// save writes the state document if it changed since the last write.
func (h *Handler) save() error {
	p := h.persist
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	data, err := h.snapshot()
	if err != nil {
		return fmt.Errorf("fakedms: encode state: %w", err)
	}
	if bytes.Equal(data, p.last) {
		return nil
	}
	if err := writeAtomic(p.dir, StateFile, data); err != nil {
		return fmt.Errorf("fakedms: save state to %s: %w", p.path(), err)
	}
	p.last = data
	return nil
}

// writeAtomic replaces dir/name with data: a temporary file in dir,
// synced, renamed over name, and the directory synced, so that a crash
// leaves either the old document or the new one.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// The state document. Resources are stored with the SDK's types (which
// encoding/json handles: exported fields, times as RFC 3339 with
// nanoseconds) next to the fields of the server's own structs.
type persistedState struct {
	Version      int                    `json:"version"`
	Instances    []persistedInstance    `json:"instances"`
	SubnetGroups []persistedSubnetGroup `json:"subnetGroups"`
	Endpoints    []persistedEndpoint    `json:"endpoints"`
	Tasks        []persistedTask        `json:"tasks"`
	Configs      []persistedConfig      `json:"replicationConfigs"`
	Connections  []persistedConnection  `json:"connections"`
	Tags         map[string][]types.Tag `json:"tags"`
	Events       []types.Event          `json:"events"`
}

type persistedLifecycle struct {
	Created   time.Time `json:"created"`
	BusyUntil time.Time `json:"busyUntil"`
	Busy      string    `json:"busy,omitempty"`
	Deleted   time.Time `json:"deleted"`
}

func saveLifecycle(l lifecycle) persistedLifecycle {
	return persistedLifecycle{Created: l.created, BusyUntil: l.busyUntil, Busy: l.busy, Deleted: l.deleted}
}

func (p persistedLifecycle) load() lifecycle {
	return lifecycle{created: p.Created, busyUntil: p.BusyUntil, busy: p.Busy, deleted: p.Deleted}
}

type persistedInstance struct {
	Lifecycle persistedLifecycle        `json:"lifecycle"`
	Instance  types.ReplicationInstance `json:"instance"`
}

type persistedSubnetGroup struct {
	ARN   string                       `json:"arn"`
	Group types.ReplicationSubnetGroup `json:"group"`
}

type persistedEndpoint struct {
	Lifecycle persistedLifecycle `json:"lifecycle"`
	Endpoint  types.Endpoint     `json:"endpoint"`
	Password  string             `json:"password,omitempty"`
	Version   int                `json:"version"`
}

type persistedTask struct {
	Lifecycle        persistedLifecycle       `json:"lifecycle"`
	ARN              string                   `json:"arn"`
	ID               string                   `json:"id"`
	Identifier       string                   `json:"identifier"`
	InstanceARN      string                   `json:"instanceArn,omitempty"`
	SourceARN        string                   `json:"sourceArn"`
	TargetARN        string                   `json:"targetArn"`
	MigrationType    types.MigrationTypeValue `json:"migrationType"`
	TableMappings    string                   `json:"tableMappings"`
	Settings         string                   `json:"settings"`
	CdcStartPosition *string                  `json:"cdcStartPosition,omitempty"`
	CdcStopPosition  *string                  `json:"cdcStopPosition,omitempty"`
	CdcStartTime     *time.Time               `json:"cdcStartTime,omitempty"`
	TaskData         *string                  `json:"taskData,omitempty"`
	SourceVersion    int                      `json:"sourceVersion"`
	TargetVersion    int                      `json:"targetVersion"`
	// Run is the engine's status of the last run, its checkpoint
	// included; nil before the first start.
	Run *dms.TaskStatus `json:"run,omitempty"`
	// Tables are the table statistics of the last run.
	Tables []dms.TableStatistics `json:"tables,omitempty"`
}

type persistedConfig struct {
	Lifecycle           persistedLifecycle  `json:"lifecycle"`
	ARN                 string              `json:"arn"`
	Updated             time.Time           `json:"updated"`
	Compute             types.ComputeConfig `json:"compute"`
	Supplemental        *string             `json:"supplementalSettings,omitempty"`
	ReplicationSettings *string             `json:"replicationSettings,omitempty"`
	Task                persistedTask       `json:"task"`
	Run                 *persistedRun       `json:"run,omitempty"`
}

// persistedRun is what DescribeReplications shows of a serverless run.
type persistedRun struct {
	Status           string     `json:"status"`
	Since            time.Time  `json:"since"`
	Updated          time.Time  `json:"updated"`
	StartType        string     `json:"startType"`
	CdcStartPosition *string    `json:"cdcStartPosition,omitempty"`
	CdcStartTime     *time.Time `json:"cdcStartTime,omitempty"`
	CdcStopPosition  *string    `json:"cdcStopPosition,omitempty"`
	Failures         []string   `json:"failures,omitempty"`
	StopReason       string     `json:"stopReason,omitempty"`
	Provision        string     `json:"provision,omitempty"`
	Units            int32      `json:"units"`
	ProvisionedAt    time.Time  `json:"provisionedAt"`
	DeprovisionedAt  time.Time  `json:"deprovisionedAt"`
	LastStop         time.Time  `json:"lastStop"`
	StatsDeleted     bool       `json:"statsDeleted"`
}

type persistedConnection struct {
	EndpointARN        string    `json:"endpointArn"`
	InstanceARN        string    `json:"instanceArn"`
	Started            time.Time `json:"started"`
	Finished           bool      `json:"finished"`
	Failure            string    `json:"failure,omitempty"`
	EndpointIdentifier string    `json:"endpointIdentifier"`
	InstanceIdentifier string    `json:"instanceIdentifier"`
}

// restoredRun is a task's last run as loaded from the data directory.
type restoredRun struct {
	status dms.TaskStatus
	tables []dms.TableStatistics
}

// lastRun is the engine's status of t's last run, or the one loaded from
// the data directory until the engine task is built; false when t has
// none.
func (t *task) lastRun() (dms.TaskStatus, bool) {
	switch {
	case t.engine != nil:
		return t.engine.Status(), true
	case t.restored != nil:
		return t.restored.status, true
	}
	return dms.TaskStatus{}, false
}

// lastTables is the table statistics of t's last run, the engine's or
// those loaded from the data directory.
func (t *task) lastTables() []dms.TableStatistics {
	switch {
	case t.engine != nil:
		return t.engine.TableStatistics()
	case t.restored != nil:
		return t.restored.tables
	}
	return nil
}

// snapshot is the state document of the current state, encoded under the
// lock (the resources hold pointers that the calls change).
func (h *Handler) snapshot() ([]byte, error) {
	h.lock()
	defer h.unlock()
	doc := &persistedState{Version: stateVersion, Tags: h.st.tags, Events: h.st.events}
	for _, in := range sorted(h.st.instances) {
		doc.Instances = append(doc.Instances, persistedInstance{Lifecycle: saveLifecycle(in.lifecycle), Instance: in.ri})
	}
	for _, g := range sorted(h.st.subnetGroups) {
		doc.SubnetGroups = append(doc.SubnetGroups, persistedSubnetGroup{ARN: g.arn, Group: g.g})
	}
	for _, e := range sorted(h.st.endpoints) {
		doc.Endpoints = append(doc.Endpoints, persistedEndpoint{Lifecycle: saveLifecycle(e.lifecycle), Endpoint: e.ep, Password: e.password, Version: e.version})
	}
	for _, t := range sorted(h.st.tasks) {
		doc.Tasks = append(doc.Tasks, saveTask(t))
	}
	for _, rc := range sorted(h.st.configs) {
		pc := persistedConfig{
			Lifecycle: saveLifecycle(rc.lifecycle), ARN: rc.arn, Updated: rc.updated, Compute: rc.compute,
			Supplemental: rc.supplemental, ReplicationSettings: rc.replicationSettings, Task: saveTask(rc.t),
		}
		if run := rc.run; run != nil {
			view := h.replicationViewLocked(rc)
			pc.Run = &persistedRun{
				Status: *view.Status, Since: run.since, Updated: run.updated, StartType: string(run.startType),
				CdcStartPosition: run.cdcStartPosition, CdcStartTime: run.cdcStartTime, CdcStopPosition: run.cdcStopPosition,
				Failures: view.FailureMessages, StopReason: derefString(view.StopReason), Provision: run.provision, Units: run.units,
				ProvisionedAt: run.provisionedAt, DeprovisionedAt: run.deprovisionedAt, LastStop: run.lastStop, StatsDeleted: run.statsDeleted,
			}
		}
		doc.Configs = append(doc.Configs, pc)
	}
	keys := make([]connKey, 0, len(h.st.connections))
	for k := range h.st.connections {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b connKey) int {
		return cmp.Or(strings.Compare(a.endpointArn, b.endpointArn), strings.Compare(a.instanceArn, b.instanceArn))
	})
	for _, k := range keys {
		c := h.st.connections[k]
		doc.Connections = append(doc.Connections, persistedConnection{
			EndpointARN: k.endpointArn, InstanceARN: k.instanceArn, Started: c.started, Finished: c.finished, Failure: c.failure,
			EndpointIdentifier: c.endpointIdentifier, InstanceIdentifier: c.instanceIdentifier,
		})
	}
	return json.MarshalIndent(doc, "", "\t")
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func saveTask(t *task) persistedTask {
	pt := persistedTask{
		Lifecycle: saveLifecycle(t.lifecycle), ARN: t.arn, ID: t.id, Identifier: t.identifier,
		InstanceARN: t.instanceArn, SourceARN: t.sourceArn, TargetARN: t.targetArn, MigrationType: t.migrationType,
		TableMappings: t.tableMappings, Settings: t.settings.JSON(),
		CdcStartPosition: t.cdcStartPosition, CdcStopPosition: t.cdcStopPosition, CdcStartTime: t.cdcStartTime, TaskData: t.taskData,
		SourceVersion: t.sourceVersion, TargetVersion: t.targetVersion,
	}
	if st, ok := t.lastRun(); ok {
		if active(string(st.Status)) {
			// It grows with the clock; restore computes it again.
			st.Stats.ElapsedTimeMillis = 0
		}
		pt.Run = &st
		pt.Tables = t.lastTables()
	}
	return pt
}

// restore replaces the (empty) state with the document's. A run that was
// active when the document was written ended with the process: it comes
// back stopped at stoppedAt (when the file was last written), with
// StopReason RECOVERABLE_ERROR and its checkpoint.
func (h *Handler) restore(data []byte, stoppedAt time.Time) error {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("corrupt: %w", err)
	}
	if head.Version == nil {
		return errors.New(`corrupt: no "version" member`)
	}
	if *head.Version != stateVersion {
		return fmt.Errorf("state version %d is not supported: this fakedms reads version %d", *head.Version, stateVersion)
	}
	var doc persistedState
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("corrupt: %w", err)
	}
	st := newState()
	for _, p := range doc.Instances {
		if p.Instance.ReplicationInstanceArn == nil {
			return errors.New("corrupt: a replication instance without ReplicationInstanceArn")
		}
		st.instances[*p.Instance.ReplicationInstanceArn] = &instance{lifecycle: p.Lifecycle.load(), ri: p.Instance}
	}
	for _, p := range doc.SubnetGroups {
		st.subnetGroups[p.ARN] = &subnetGroup{arn: p.ARN, g: p.Group}
	}
	for _, p := range doc.Endpoints {
		if p.Endpoint.EndpointArn == nil {
			return errors.New("corrupt: an endpoint without EndpointArn")
		}
		st.endpoints[*p.Endpoint.EndpointArn] = &endpoint{lifecycle: p.Lifecycle.load(), ep: p.Endpoint, password: p.Password, version: p.Version}
	}
	for _, p := range doc.Tasks {
		t, err := loadTask(p, stoppedAt)
		if err != nil {
			return err
		}
		st.tasks[t.arn] = t
	}
	for _, p := range doc.Configs {
		t, err := loadTask(p.Task, stoppedAt)
		if err != nil {
			return err
		}
		rc := &replicationConfig{
			lifecycle: p.Lifecycle.load(), arn: p.ARN, updated: p.Updated, compute: p.Compute,
			supplemental: p.Supplemental, replicationSettings: p.ReplicationSettings, t: t,
		}
		if r := p.Run; r != nil {
			run := &replicationRun{
				phase: r.Status, since: r.Since, updated: r.Updated, startType: dms.StartType(r.StartType),
				cdcStartPosition: r.CdcStartPosition, cdcStartTime: r.CdcStartTime, cdcStopPosition: r.CdcStopPosition,
				failures: r.Failures, stopReason: r.StopReason, provision: r.Provision, units: r.Units,
				provisionedAt: r.ProvisionedAt, deprovisionedAt: r.DeprovisionedAt, lastStop: r.LastStop, statsDeleted: r.StatsDeleted,
			}
			if run.phase != replStopped && run.phase != replFailed {
				run.phase, run.stopReason, run.lastStop, run.updated = replStopped, dms.StopReasonRecoverableError, stoppedAt, stoppedAt
			}
			if run.provision != "" && run.provision != deprovisionedDone {
				// The capacity went with the process.
				run.provision, run.units, run.deprovisionedAt, run.statsDeleted = deprovisionedDone, 0, stoppedAt, true
			}
			run.lifeCtx, run.endLife = context.WithCancel(h.ctx)
			run.stopCtx, run.stop = context.WithCancel(run.lifeCtx)
			rc.run = run
		}
		st.configs[rc.arn] = rc
	}
	for _, p := range doc.Connections {
		c := &connection{started: p.Started, finished: p.Finished, failure: p.Failure,
			endpointIdentifier: p.EndpointIdentifier, instanceIdentifier: p.InstanceIdentifier}
		if !c.finished {
			c.finished, c.failure = true, restartMessage
		}
		st.connections[connKey{p.EndpointARN, p.InstanceARN}] = c
	}
	if doc.Tags != nil {
		st.tags = doc.Tags
	}
	st.events = doc.Events
	h.mu.Lock()
	h.st = st
	h.mu.Unlock()
	return nil
}

func loadTask(p persistedTask, stoppedAt time.Time) (*task, error) {
	m, err := mapping.ParseTableMappings(p.TableMappings)
	if err != nil {
		return nil, fmt.Errorf("task %s: table mappings: %w", p.ARN, err)
	}
	s, err := mapping.ParseTaskSettings(p.Settings)
	if err != nil {
		return nil, fmt.Errorf("task %s: task settings: %w", p.ARN, err)
	}
	t := &task{
		lifecycle: p.Lifecycle.load(), arn: p.ARN, id: p.ID, identifier: p.Identifier,
		instanceArn: p.InstanceARN, sourceArn: p.SourceARN, targetArn: p.TargetARN, migrationType: p.MigrationType,
		tableMappings: p.TableMappings, mappings: m, settings: s,
		cdcStartPosition: p.CdcStartPosition, cdcStopPosition: p.CdcStopPosition, cdcStartTime: p.CdcStartTime, taskData: p.TaskData,
		sourceVersion: p.SourceVersion, targetVersion: p.TargetVersion,
	}
	if r := p.Run; r != nil {
		if active(string(r.Status)) {
			r.Status, r.StopReason = dms.StatusStopped, dms.StopReasonRecoverableError
			r.Stats.StopDate = stoppedAt
			if !r.Stats.StartDate.IsZero() {
				r.Stats.ElapsedTimeMillis = stoppedAt.Sub(r.Stats.StartDate).Milliseconds()
			}
		}
		t.restored = &restoredRun{status: *r, tables: p.Tables}
	}
	return t, nil
}

// restoredSlotLocked is the source of a task loaded from the data
// directory whose engine task is not built yet, so that deleting it drops
// its replication slot as deleting a task that ran does; nil when its
// source keeps no slot.
func (h *Handler) restoredSlotLocked(t *task) slotDropper {
	src := h.st.endpoints[t.sourceArn]
	if src == nil {
		return nil
	}
	newSource, ok := h.sources[aws.ToString(src.ep.EngineName)]
	if !ok {
		return nil
	}
	w := h.wiring()
	w.taskID = t.id
	s, err := newSource(src, w)
	if err != nil {
		return nil
	}
	drop, _ := s.(slotDropper)
	return drop
}

// engineMigrationType is the migration type of the engine task built for
// a start of t: t's own, except when a full-load-and-cdc task loaded from
// the data directory, whose full load had finished, resumes processing.
// The engine task built then knows nothing of that load and would load
// every table again (and continue CDC from the new load, so a row deleted
// in between would never show as a delete): it is built as a CDC task,
// which continues after the checkpoint.
func (t *task) engineMigrationType(how dms.StartType) dms.MigrationType {
	mt := dms.MigrationType(t.migrationType)
	if r := t.restored; r != nil && how == dms.ResumeProcessing && mt == dms.FullLoadAndCDC &&
		!r.status.Stats.FullLoadFinishDate.IsZero() && r.status.Checkpoint != "" {
		return dms.CDC
	}
	return mt
}

// loadForgotten reports whether t's engine task was built as a CDC task by
// engineMigrationType and a start other than resume-processing needs the
// full load back: the engine task is then built again.
func (t *task) loadForgotten(how dms.StartType) bool {
	return t.engine != nil && how != dms.ResumeProcessing && t.engine.Config().MigrationType != dms.MigrationType(t.migrationType)
}
