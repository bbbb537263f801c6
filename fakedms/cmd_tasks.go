package fakedms

// Replication tasks: Create/Describe/Modify/Delete/Start/StopReplicationTask,
// ReloadTables.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

const sourceTypeTask types.SourceType = "replication-task"

// startWait bounds how long StartReplicationTask waits for the engine to
// leave "starting" (open its source), so that a describe after it sees
// running (or the end state) and the Stopped waiter, which fails on
// "starting", can follow a start. A source slower than this shows
// "starting" for a while, as on AWS.
const startWait = 5 * time.Second

// task is a replication task. Its engine task is built at the first start
// and rebuilt at a start after the task or one of its endpoints changed,
// carrying the checkpoint over; until then the engine task keeps the
// status and statistics of its last run.
type task struct {
	lifecycle
	arn, id, identifier               string // id is the ARN's last segment, the engine's task id
	instanceArn, sourceArn, targetArn string
	migrationType                     types.MigrationTypeValue
	tableMappings                     string
	mappings                          *mapping.TableMappings
	settings                          *mapping.TaskSettings
	cdcStartPosition, cdcStopPosition *string
	cdcStartTime                      *time.Time
	taskData                          *string

	engine *dms.Task
	// dirty says the definition changed since engine was built;
	// sourceVersion and targetVersion are the endpoint versions it was built
	// from.
	dirty                        bool
	sourceVersion, targetVersion int
	// restored is the last run's status loaded from the data directory
	// (persist.go), until the engine task is built.
	restored *restoredRun
}

func checkMigrationType(v types.MigrationTypeValue) error {
	switch v {
	case types.MigrationTypeValueFullLoad, types.MigrationTypeValueCdc, types.MigrationTypeValueFullLoadAndCdc:
		return nil
	}
	return invalidParam("Invalid value %q for MigrationType: must be one of full-load, cdc, full-load-and-cdc", v)
}

func parseMappings(doc *string) (*mapping.TableMappings, error) {
	if err := required("TableMappings", doc); err != nil {
		return nil, err
	}
	m, err := mapping.ParseTableMappings(*doc)
	if err != nil {
		return nil, invalidParam("%s", err.Error())
	}
	return m, nil
}

func settingsErr(err error) error {
	if me, ok := errors.AsType[*mapping.Error](err); ok {
		return invalidParam("%s", me.Message)
	}
	return invalidParam("Invalid task settings JSON")
}

func checkCdc(pos *string, t *time.Time, stop *string) error {
	if pos != nil && *pos != "" && t != nil {
		return invalidCombination("CdcStartPosition and CdcStartTime are mutually exclusive: give only one")
	}
	if err := dms.CheckCdcStopPosition(aws.ToString(stop)); err != nil {
		return invalidParam("%v", err)
	}
	return nil
}

func (h *Handler) createReplicationTask(_ context.Context, in *dmsapi.CreateReplicationTaskInput) (*dmsapi.CreateReplicationTaskOutput, error) {
	for _, r := range []struct {
		name string
		v    *string
	}{{"ReplicationTaskIdentifier", in.ReplicationTaskIdentifier}, {"SourceEndpointArn", in.SourceEndpointArn},
		{"TargetEndpointArn", in.TargetEndpointArn}, {"ReplicationInstanceArn", in.ReplicationInstanceArn}} {
		if err := required(r.name, r.v); err != nil {
			return nil, err
		}
	}
	if err := validIdentifier("ReplicationTaskIdentifier", *in.ReplicationTaskIdentifier, 255); err != nil {
		return nil, err
	}
	if err := validResourceIdentifier(in.ResourceIdentifier); err != nil {
		return nil, err
	}
	if err := checkMigrationType(in.MigrationType); err != nil {
		return nil, err
	}
	if err := checkCdc(in.CdcStartPosition, in.CdcStartTime, in.CdcStopPosition); err != nil {
		return nil, err
	}

	now := h.lock()
	defer h.unlock()
	for _, other := range h.st.tasks {
		if strings.EqualFold(other.identifier, *in.ReplicationTaskIdentifier) {
			return nil, alreadyExists(other.arn, "Replication Task %s already exists", *in.ReplicationTaskIdentifier)
		}
	}
	if _, err := h.instanceLocked(in.ReplicationInstanceArn); err != nil {
		return nil, err
	}
	if err := h.checkEndpointsLocked(*in.SourceEndpointArn, *in.TargetEndpointArn); err != nil {
		return nil, err
	}
	m, err := parseMappings(in.TableMappings)
	if err != nil {
		return nil, err
	}
	settings, err := mapping.ParseTaskSettings(aws.ToString(in.ReplicationTaskSettings))
	if err != nil {
		return nil, settingsErr(err)
	}
	id := newResourceID(in.ResourceIdentifier)
	arn := h.arn(arnTask, id)
	if _, ok := h.st.tasks[arn]; ok {
		return nil, alreadyExists(arn, "Resource with ResourceIdentifier %s already exists", id)
	}
	t := &task{
		lifecycle:        lifecycle{created: now},
		arn:              arn,
		id:               id,
		identifier:       *in.ReplicationTaskIdentifier,
		instanceArn:      *in.ReplicationInstanceArn,
		sourceArn:        *in.SourceEndpointArn,
		targetArn:        *in.TargetEndpointArn,
		migrationType:    in.MigrationType,
		tableMappings:    *in.TableMappings,
		mappings:         m,
		settings:         settings,
		cdcStartPosition: in.CdcStartPosition,
		cdcStartTime:     in.CdcStartTime,
		cdcStopPosition:  in.CdcStopPosition,
		taskData:         in.TaskData,
	}
	h.st.tasks[arn] = t
	h.setTagsLocked(arn, in.Tags)
	h.eventLocked(now, sourceTypeTask, t.identifier, "creation", "Replication task has been created.")
	return &dmsapi.CreateReplicationTaskOutput{ReplicationTask: h.taskViewLocked(t, now, "creating", true)}, nil
}

// checkEndpointsLocked checks that both endpoints exist and sit on the
// right side of the task.
func (h *Handler) checkEndpointsLocked(sourceArn, targetArn string) error {
	src, err := h.endpointLocked(&sourceArn)
	if err != nil {
		return err
	}
	dst, err := h.endpointLocked(&targetArn)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		e    *endpoint
		want types.ReplicationEndpointTypeValue
	}{{src, types.ReplicationEndpointTypeValueSource}, {dst, types.ReplicationEndpointTypeValueTarget}} {
		if !strings.EqualFold(string(c.e.ep.EndpointType), string(c.want)) {
			e, _ := engineOf(aws.ToString(c.e.ep.EngineName), types.ReplicationEndpointTypeValue(strings.ToLower(string(c.e.ep.EndpointType))))
			return wrongType(e, strings.ToUpper(string(c.want)))
		}
	}
	return nil
}

// taskStatusLocked returns the API status of t and the engine's view of
// its last run (zero before the first start).
func (h *Handler) taskStatusLocked(t *task, now time.Time) (string, dms.TaskStatus) {
	st, built := t.lastRun()
	if p := t.phase(now, h.cfg.stateDelay); p != "" {
		return p, st
	}
	if !built {
		return string(dms.StatusReady), st
	}
	return string(st.Status), st
}

// recoveryCheckpoint wraps an engine position in AWS's checkpoint layout
// (checkpoint:V1#<seq>#<stream position>#…); parseCheckpoint takes it out
// again.
func recoveryCheckpoint(p dms.Position) string {
	return "checkpoint:V1#1#" + string(p) + "#0#0#*#0#0"
}

func parseCheckpoint(s string) (dms.Position, bool) {
	rest, ok := strings.CutPrefix(s, "checkpoint:V1#")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "#")
	if len(parts) < 7 {
		return "", false
	}
	return dms.Position(strings.Join(parts[1:len(parts)-5], "#")), true
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return aws.Time(t)
}

func stringPtr(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// taskViewLocked is the API shape of a task; status overrides the computed
// one in the response of the call that changed it.
func (h *Handler) taskViewLocked(t *task, now time.Time, status string, withSettings bool) *types.ReplicationTask {
	computed, st := h.taskStatusLocked(t, now)
	if status == "" {
		status = computed
	}
	rt := &types.ReplicationTask{
		CdcStartPosition:            t.cdcStartPosition,
		CdcStopPosition:             t.cdcStopPosition,
		LastFailureMessage:          stringPtr(st.LastFailureMessage),
		MigrationType:               t.migrationType,
		ReplicationInstanceArn:      aws.String(t.instanceArn),
		ReplicationTaskArn:          aws.String(t.arn),
		ReplicationTaskCreationDate: aws.Time(t.created),
		ReplicationTaskIdentifier:   aws.String(t.identifier),
		ReplicationTaskStartDate:    timePtr(st.StartDate),
		SourceEndpointArn:           aws.String(t.sourceArn),
		Status:                      aws.String(status),
		StopReason:                  stringPtr(st.StopReason),
		TableMappings:               aws.String(t.tableMappings),
		TargetEndpointArn:           aws.String(t.targetArn),
		TaskData:                    t.taskData,
	}
	if t.cdcStartTime != nil && t.cdcStartPosition == nil {
		rt.CdcStartPosition = aws.String(t.cdcStartTime.UTC().Format("2006-01-02T15:04:05"))
	}
	if st.Checkpoint != "" {
		rt.RecoveryCheckpoint = aws.String(recoveryCheckpoint(st.Checkpoint))
	}
	if status != "creating" {
		rt.ReplicationTaskStats = taskStats(st.Stats)
	}
	if withSettings {
		s := *t.settings
		if s.Logging.EnableLogging {
			// Read-only members AWS fills in when logging is on.
			inst := resourceID(t.instanceArn)
			if in, ok := h.st.instances[t.instanceArn]; ok {
				inst = aws.ToString(in.ri.ReplicationInstanceIdentifier)
			}
			s.Logging.CloudWatchLogGroup = "dms-tasks-" + inst
			s.Logging.CloudWatchLogStream = "dms-task-" + t.id
		}
		rt.ReplicationTaskSettings = aws.String(s.JSON())
	}
	return rt
}

// taskStats is the API shape of the engine's statistics of a run (a
// serverless replication's ReplicationStats has the same members).
func taskStats(s dms.TaskStats) *types.ReplicationTaskStats {
	return &types.ReplicationTaskStats{
		ElapsedTimeMillis:       s.ElapsedTimeMillis,
		FreshStartDate:          timePtr(s.FreshStartDate),
		FullLoadFinishDate:      timePtr(s.FullLoadFinishDate),
		FullLoadProgressPercent: int32(s.FullLoadProgressPercent),
		FullLoadStartDate:       timePtr(s.FullLoadStartDate),
		StartDate:               timePtr(s.StartDate),
		StopDate:                timePtr(s.StopDate),
		TablesErrored:           int32(s.TablesErrored),
		TablesLoaded:            int32(s.TablesLoaded),
		TablesLoading:           int32(s.TablesLoading),
		TablesQueued:            int32(s.TablesQueued),
	}
}

func (h *Handler) taskLocked(arn *string) (*task, error) {
	if err := required("ReplicationTaskArn", arn); err != nil {
		return nil, err
	}
	if arnKind(*arn) == "" {
		return nil, invalidParam("Invalid ARN %q: want arn:aws:dms:<region>:<account>:task:<id>", *arn)
	}
	t, ok := h.st.tasks[*arn]
	if !ok {
		return nil, notFound("Replication Task %s not found", *arn)
	}
	return t, nil
}

func taskFilters() filterFields[*types.ReplicationTask] {
	return filterFields[*types.ReplicationTask]{
		"replication-task-arn": func(t *types.ReplicationTask) []string { return []string{aws.ToString(t.ReplicationTaskArn)} },
		"replication-task-id":  func(t *types.ReplicationTask) []string { return []string{aws.ToString(t.ReplicationTaskIdentifier)} },
		"migration-type":       func(t *types.ReplicationTask) []string { return []string{string(t.MigrationType)} },
		"endpoint-arn": func(t *types.ReplicationTask) []string {
			return []string{aws.ToString(t.SourceEndpointArn), aws.ToString(t.TargetEndpointArn)}
		},
		"replication-instance-arn": func(t *types.ReplicationTask) []string { return []string{aws.ToString(t.ReplicationInstanceArn)} },
	}
}

func (h *Handler) describeReplicationTasks(_ context.Context, in *dmsapi.DescribeReplicationTasksInput) (*dmsapi.DescribeReplicationTasksOutput, error) {
	now := h.lock()
	var all []*types.ReplicationTask
	for _, t := range h.st.tasks {
		all = append(all, h.taskViewLocked(t, now, "", !aws.ToBool(in.WithoutSettings)))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b *types.ReplicationTask) int {
		return strings.Compare(*a.ReplicationTaskIdentifier, *b.ReplicationTaskIdentifier)
	})
	pg, marker, err := describePage(all, taskFilters(), in.Filters, false, "No Tasks found matching provided filters", in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationTasksOutput{ReplicationTasks: pg, Marker: marker}, nil
}

// modifyDocuments replaces the table mappings and merges the task settings
// a Modify call gives (nil: unchanged), validated as at creation.
func (t *task) modifyDocuments(mappings, settings *string) error {
	if mappings != nil {
		m, err := parseMappings(mappings)
		if err != nil {
			return err
		}
		t.tableMappings, t.mappings = *mappings, m
	}
	if settings != nil {
		s, err := t.settings.Merge(*settings)
		if err != nil {
			return settingsErr(err)
		}
		t.settings = s
	}
	return nil
}

func active(status string) bool {
	switch dms.Status(status) {
	case dms.StatusStarting, dms.StatusRunning, dms.StatusStopping:
		return true
	}
	return false
}

func (h *Handler) modifyReplicationTask(_ context.Context, in *dmsapi.ModifyReplicationTaskInput) (*dmsapi.ModifyReplicationTaskOutput, error) {
	now := h.lock()
	defer h.unlock()
	t, err := h.taskLocked(in.ReplicationTaskArn)
	if err != nil {
		return nil, err
	}
	status, _ := h.taskStatusLocked(t, now)
	switch {
	case active(status):
		if s, ok := onlyLogSeverities(t, in); ok {
			// What AWS allows on a running task; the engine does not read
			// it, so the running task is left as it is.
			t.settings = s
			return &dmsapi.ModifyReplicationTaskOutput{ReplicationTask: h.taskViewLocked(t, now, "", true)}, nil
		}
		return nil, invalidState("Replication Task, excluding logging severity task settings, cannot be modified while it is %s state", status)
	case status == "creating" || status == "deleting" || status == "modifying":
		return nil, invalidState("Replication Task %s cannot be modified while it is %s", t.identifier, status)
	}
	next := *t
	if in.ReplicationTaskIdentifier != nil {
		if err := validIdentifier("ReplicationTaskIdentifier", *in.ReplicationTaskIdentifier, 255); err != nil {
			return nil, err
		}
		for _, other := range h.st.tasks {
			if other != t && strings.EqualFold(other.identifier, *in.ReplicationTaskIdentifier) {
				return nil, alreadyExists(other.arn, "Replication Task %s already exists", *in.ReplicationTaskIdentifier)
			}
		}
		next.identifier = *in.ReplicationTaskIdentifier
	}
	if in.MigrationType != "" {
		if err := checkMigrationType(in.MigrationType); err != nil {
			return nil, err
		}
		next.migrationType = in.MigrationType
	}
	if err := next.modifyDocuments(in.TableMappings, in.ReplicationTaskSettings); err != nil {
		return nil, err
	}
	if err := checkCdc(in.CdcStartPosition, in.CdcStartTime, in.CdcStopPosition); err != nil {
		return nil, err
	}
	if in.CdcStartPosition != nil || in.CdcStartTime != nil {
		next.cdcStartPosition, next.cdcStartTime = in.CdcStartPosition, in.CdcStartTime
	}
	if in.CdcStopPosition != nil {
		next.cdcStopPosition = in.CdcStopPosition
	}
	if in.TaskData != nil {
		next.taskData = in.TaskData
	}
	next.dirty = true
	next.busy, next.busyUntil = "modifying", now.Add(h.cfg.stateDelay)
	*t = next
	h.eventLocked(now, sourceTypeTask, t.identifier, "configuration change", "Replication task has been modified.")
	return &dmsapi.ModifyReplicationTaskOutput{ReplicationTask: h.taskViewLocked(t, now, "modifying", true)}, nil
}

// onlyLogSeverities returns the merged settings when a modification
// changes nothing but the log components' severities.
func onlyLogSeverities(t *task, in *dmsapi.ModifyReplicationTaskInput) (*mapping.TaskSettings, bool) {
	if in.ReplicationTaskSettings == nil || in.ReplicationTaskIdentifier != nil || in.MigrationType != "" || in.TableMappings != nil ||
		in.CdcStartPosition != nil || in.CdcStartTime != nil || in.CdcStopPosition != nil || in.TaskData != nil {
		return nil, false
	}
	merged, err := t.settings.Merge(*in.ReplicationTaskSettings)
	if err != nil {
		return nil, false
	}
	a, b := *t.settings, *merged
	a.Logging.LogComponents, b.Logging.LogComponents = nil, nil
	return merged, a.JSON() == b.JSON()
}

// slotDropper is a source that keeps per-task state on its server
// (source/postgres: the task's replication slot and publication), which
// DeleteReplicationTask drops, as AWS DMS drops a PostgreSQL task's slot.
type slotDropper interface {
	DropSlot(ctx context.Context) error
}

func (h *Handler) deleteReplicationTask(_ context.Context, in *dmsapi.DeleteReplicationTaskInput) (*dmsapi.DeleteReplicationTaskOutput, error) {
	now := h.lock()
	out, drop, err := h.deleteReplicationTaskLocked(now, in)
	h.unlock()
	h.dropSlot(drop, "task", aws.ToString(in.ReplicationTaskArn))
	return out, err
}

// dropSlot drops a deleted task's or replication's slot, if it has one.
// It runs outside the lock: it talks to the source's server. A failure
// leaves the slot behind and is logged, not returned: the resource is
// deleted either way.
func (h *Handler) dropSlot(drop slotDropper, kind, arn string) {
	if drop == nil {
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, connectionTimeout)
	defer cancel()
	if err := drop.DropSlot(ctx); err != nil {
		h.cfg.log.Warn("fakedms: delete: dropping the replication slot failed", kind, arn, "err", err)
	}
}

func (h *Handler) deleteReplicationTaskLocked(now time.Time, in *dmsapi.DeleteReplicationTaskInput) (*dmsapi.DeleteReplicationTaskOutput, slotDropper, error) {
	t, err := h.taskLocked(in.ReplicationTaskArn)
	if err != nil {
		return nil, nil, err
	}
	status, _ := h.taskStatusLocked(t, now)
	if active(status) || status == "deleting" {
		return nil, nil, invalidState("Replication task %s is %s: stop it before deleting it", t.identifier, status)
	}
	var drop slotDropper
	if t.engine != nil {
		if err := h.engine.DeleteTask(t.id); err != nil {
			return nil, nil, invalidState("Replication task %s: %v", t.identifier, err)
		}
		drop, _ = t.engine.Config().Source.(slotDropper)
	} else if t.restored != nil {
		drop = h.restoredSlotLocked(t)
	}
	view := h.taskViewLocked(t, now, "deleting", true)
	t.deleted = now
	h.eventLocked(now, sourceTypeTask, t.identifier, "deletion", "Replication task has been deleted.")
	return &dmsapi.DeleteReplicationTaskOutput{ReplicationTask: view}, drop, nil
}

// cdcStart turns a CdcStartPosition or CdcStartTime into where a CDC
// start reads from: a source position, or a time the source looks up in
// its log (a CdcStartPosition given as a date is one, in UTC as on AWS).
func cdcStart(pos *string, at *time.Time) (dms.Position, time.Time) {
	if pos == nil || *pos == "" {
		if at != nil {
			return "", *at
		}
		return "", time.Time{}
	}
	if p, ok := parseCheckpoint(*pos); ok {
		return p, time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, *pos); err == nil {
			return "", t
		}
	}
	return dms.Position(*pos), time.Time{}
}

func (h *Handler) wiring() wiring {
	return wiring{log: h.cfg.log, now: h.cfg.now, kinesis: h.kinesisClient, s3: h.s3Access}
}

// buildLocked makes the engine task from the task's current definition,
// replacing the engine task of an earlier run; resumeFrom is where
// resume-processing continues, how the start it is built for.
func (h *Handler) buildLocked(t *task, resumeFrom dms.Position, how dms.StartType) error {
	src, dst := h.st.endpoints[t.sourceArn], h.st.endpoints[t.targetArn]
	if src == nil || dst == nil {
		return invalidState("Replication task %s: its endpoints no longer exist", t.identifier)
	}
	w := h.wiring()
	w.taskID = t.id
	newSource, ok := h.sources[aws.ToString(src.ep.EngineName)]
	if !ok {
		return invalidParam("%s", noSourceEngine(aws.ToString(src.ep.EngineName), "replicate from"))
	}
	newTarget, ok := targetFactories()[aws.ToString(dst.ep.EngineName)]
	if !ok {
		return invalidParam("fakedms cannot replicate to a %s endpoint yet", aws.ToString(dst.ep.EngineName))
	}
	source, err := newSource(src, w)
	if err != nil {
		return invalidParam("Source endpoint %s: %v", aws.ToString(src.ep.EndpointIdentifier), err)
	}
	target, _, err := newTarget(dst, w)
	if err != nil {
		return invalidParam("Target endpoint %s: %v", aws.ToString(dst.ep.EndpointIdentifier), err)
	}
	// The new engine task goes on counting where the last run (of this
	// process, or the data directory's) stopped, when it resumes.
	last, _ := t.lastRun()
	lastTables := t.lastTables()
	if t.engine != nil {
		if err := h.engine.DeleteTask(t.id); err != nil {
			return invalidState("Replication task %s: %v", t.identifier, err)
		}
		t.engine = nil
	}
	startPos, startTime := cdcStart(t.cdcStartPosition, t.cdcStartTime)
	et, err := h.engine.NewTask(dms.TaskConfig{
		ID:               t.id,
		Source:           source,
		Target:           target,
		Mapping:          t.mappings,
		MigrationType:    t.engineMigrationType(how), // the same strings, but see persist.go
		Settings:         t.settings,
		CdcStartPosition: startPos,
		CdcStartTime:     startTime,
		CdcStopPosition:  aws.ToString(t.cdcStopPosition),
		Checkpoint:       resumeFrom,
		Stats:            last.Stats,
		Tables:           lastTables,
	})
	if err != nil {
		return fmt.Errorf("fakedms: engine task %s: %w", t.id, err)
	}
	t.engine, t.dirty, t.restored = et, false, nil
	t.sourceVersion, t.targetVersion = src.version, dst.version
	return nil
}

func (h *Handler) startReplicationTask(ctx context.Context, in *dmsapi.StartReplicationTaskInput) (*dmsapi.StartReplicationTaskOutput, error) {
	how := dms.StartType(in.StartReplicationTaskType)
	switch how {
	case dms.StartReplication, dms.ResumeProcessing, dms.ReloadTarget:
	default:
		return nil, invalidParam("Invalid value %q for StartReplicationTaskType: must be one of start-replication, resume-processing, reload-target", in.StartReplicationTaskType)
	}
	if err := checkCdc(in.CdcStartPosition, in.CdcStartTime, in.CdcStopPosition); err != nil {
		return nil, err
	}
	now := h.lock()
	t, err := h.taskLocked(in.ReplicationTaskArn)
	if err != nil {
		h.unlock()
		return nil, err
	}
	status, st := h.taskStatusLocked(t, now)
	switch {
	case active(status):
		h.unlock()
		return nil, invalidState("Replication task %s is already %s", t.identifier, status)
	case status == "creating" || status == "deleting" || status == "modifying":
		h.unlock()
		return nil, invalidState("Replication task %s cannot be started while it is %s", t.identifier, status)
	}
	how, err = resolveStart(st, t.engine == nil && t.restored == nil, how)
	if err != nil {
		h.unlock()
		return nil, err
	}
	et, err := h.launchLocked(t, st, how, in.CdcStartPosition, in.CdcStartTime, in.CdcStopPosition)
	if err != nil {
		h.unlock()
		return nil, err
	}
	identifier := t.identifier
	view := h.taskViewLocked(t, now, string(dms.StatusStarting), true)
	h.unlock()

	h.goBackground(func(ctx context.Context) { h.watch(ctx, et, identifier) })
	waitCtx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	et.Wait(waitCtx, func(s dms.TaskStatus) bool { return s.Status != dms.StatusStarting })
	return &dmsapi.StartReplicationTaskOutput{ReplicationTask: view}, nil
}

// resolveStart applies AWS's start-type rules to a run whose engine task
// is in st (unbuilt: none yet): start-replication only for the first run;
// resuming or reloading a task that never ran is starting it.
func resolveStart(st dms.TaskStatus, unbuilt bool, how dms.StartType) (dms.StartType, error) {
	firstRun := unbuilt || st.Stats.FreshStartDate.IsZero()
	switch {
	case !firstRun && how == dms.StartReplication:
		return "", invalidCombination("Start Type : START_REPLICATION, valid only for tasks running for the first time")
	case firstRun:
		how = dms.StartReplication
	}
	return how, nil
}

// launchLocked starts t's engine task (st is its status) the way how says,
// with the CDC positions of the start call; it builds the engine task
// first when there is none yet or t or its endpoints changed, carrying the
// checkpoint over. Serverless replications start theirs the same way.
func (h *Handler) launchLocked(t *task, st dms.TaskStatus, how dms.StartType, cdcStartPosition *string, cdcStartTime *time.Time, cdcStopPosition *string) (*dms.Task, error) {
	if cdcStartPosition != nil || cdcStartTime != nil {
		t.cdcStartPosition, t.cdcStartTime, t.dirty = cdcStartPosition, cdcStartTime, true
	}
	if cdcStopPosition != nil {
		t.cdcStopPosition = cdcStopPosition
	}
	if t.engine == nil || t.dirty || h.endpointChangedLocked(t) || t.loadForgotten(how) {
		// A start point given with this call replaces the checkpoint.
		resumeFrom := st.Checkpoint
		if p, at := cdcStart(cdcStartPosition, cdcStartTime); p != "" || !at.IsZero() {
			resumeFrom = p
		}
		if err := h.buildLocked(t, resumeFrom, how); err != nil {
			return nil, err
		}
	}
	et := t.engine
	if err := et.Start(h.ctx, how); err != nil {
		return nil, invalidState("Replication task %s: %v", t.identifier, err)
	}
	return et, nil
}

func (h *Handler) endpointChangedLocked(t *task) bool {
	src, dst := h.st.endpoints[t.sourceArn], h.st.endpoints[t.targetArn]
	return src == nil || dst == nil || src.version != t.sourceVersion || dst.version != t.targetVersion
}

// watch records a task's state changes as events until its run ends.
func (h *Handler) watch(ctx context.Context, et *dms.Task, identifier string) {
	last := dms.StatusStarting
	for {
		st, err := et.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status != last })
		if err != nil {
			return
		}
		last = st.Status
		category, msg := "state change", ""
		switch st.Status {
		case dms.StatusRunning:
			msg = "Replication task has started."
		case dms.StatusStopping:
			msg = "Replication task is being stopped."
		case dms.StatusStopped:
			msg = "Replication task has stopped. " + st.StopReason + "."
		case dms.StatusFailed:
			category, msg = "failure", "Replication task has failed. Reason: "+st.LastFailureMessage
		default:
			continue
		}
		now := h.lock()
		h.eventLocked(now, sourceTypeTask, identifier, category, msg)
		h.unlock()
		if st.Status == dms.StatusStopped || st.Status == dms.StatusFailed {
			return
		}
	}
}

func (h *Handler) stopReplicationTask(ctx context.Context, in *dmsapi.StopReplicationTaskInput) (*dmsapi.StopReplicationTaskOutput, error) {
	now := h.lock()
	t, err := h.taskLocked(in.ReplicationTaskArn)
	if err != nil {
		h.unlock()
		return nil, err
	}
	status, _ := h.taskStatusLocked(t, now)
	if status != string(dms.StatusRunning) && status != string(dms.StatusStarting) {
		h.unlock()
		return nil, invalidState("Replication task %s is not running (%s)", t.identifier, status)
	}
	et := t.engine
	view := h.taskViewLocked(t, now, string(dms.StatusStopping), true)
	h.unlock()

	h.stopEngine(ctx, et)
	return &dmsapi.StopReplicationTaskOutput{ReplicationTask: view}, nil
}

// stopEngine stops an engine task in the background and returns once the
// engine says stopping: Stop returns only once the task has delivered what
// it read, and the stop calls answer at once, as AWS's do.
func (h *Handler) stopEngine(ctx context.Context, et *dms.Task) {
	h.goBackground(func(ctx context.Context) {
		if err := et.Stop(ctx); err != nil && !errors.Is(err, dms.ErrTaskNotRunning) {
			h.cfg.log.Warn("fakedms: stop task", "task", et.ID(), "err", err)
		}
	})
	et.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status != dms.StatusRunning && s.Status != dms.StatusStarting })
}

// checkReload checks the input of ReloadTables and
// ReloadReplicationTables.
func checkReload(tables []types.TableToReload, option types.ReloadOptionValue) error {
	if len(tables) == 0 {
		return invalidParam("The parameter TablesToReload must be provided and must not be empty.")
	}
	switch option {
	case "", types.ReloadOptionValueDataReload, types.ReloadOptionValueValidateOnly:
	default:
		return invalidParam("Invalid value %q for ReloadOption: must be data-reload or validate-only", option)
	}
	return nil
}

// unselected returns the first of tables that t's mapping does not select.
func unselected(t *task, tables []types.TableToReload) (string, bool) {
	for _, tbl := range tables {
		if !t.mappings.Selected(aws.ToString(tbl.SchemaName), aws.ToString(tbl.TableName)) {
			return aws.ToString(tbl.SchemaName) + "." + aws.ToString(tbl.TableName), true
		}
	}
	return "", false
}

func (h *Handler) reloadTables(_ context.Context, in *dmsapi.ReloadTablesInput) (*dmsapi.ReloadTablesOutput, error) {
	if err := checkReload(in.TablesToReload, in.ReloadOption); err != nil {
		return nil, err
	}
	now := h.lock()
	defer h.unlock()
	t, err := h.taskLocked(in.ReplicationTaskArn)
	if err != nil {
		return nil, err
	}
	if status, _ := h.taskStatusLocked(t, now); status != string(dms.StatusRunning) {
		return nil, invalidState("Replication task %s is not running (%s)", t.identifier, status)
	}
	if name, ok := unselected(t, in.TablesToReload); ok {
		return nil, invalidParam("Table %s is not part of replication task %s", name, t.identifier)
	}
	if err := h.reload(t.engine, t.identifier, in.TablesToReload, in.ReloadOption); err != nil {
		return nil, err
	}
	return &dmsapi.ReloadTablesOutput{ReplicationTaskArn: aws.String(t.arn)}, nil
}

// reload has a running engine task reload tables (ReloadTables,
// ReloadReplicationTables). validate-only is acknowledged only: fakedms
// validates no data. So is a reload the engine cannot do (a full-load
// task; a source whose snapshots cannot place a change, which the engine
// logs when it comes to it).
func (h *Handler) reload(et *dms.Task, identifier string, tables []types.TableToReload, option types.ReloadOptionValue) error {
	if option == types.ReloadOptionValueValidateOnly {
		h.cfg.log.Warn("fakedms: ReloadOption validate-only is acknowledged but not carried out: fakedms validates no data", "task", identifier)
		return nil
	}
	ids := make([]dms.TableID, 0, len(tables))
	for _, tbl := range tables {
		ids = append(ids, dms.TableID{Schema: aws.ToString(tbl.SchemaName), Table: aws.ToString(tbl.TableName)})
	}
	switch err := et.ReloadTables(ids); {
	case errors.Is(err, dms.ErrReloadUnsupported):
		h.cfg.log.Warn("fakedms: reload acknowledged but not carried out", "task", identifier, "err", err)
	case err != nil:
		return invalidState("Replication task %s is not running: %v", identifier, err)
	}
	return nil
}
