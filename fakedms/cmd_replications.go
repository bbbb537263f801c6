package fakedms

// DMS Serverless replications: Start/StopReplication, DescribeReplications,
// DescribeReplicationTableStatistics, ReloadReplicationTables, and the
// driver that moves a replication through its provisioning statuses and
// runs its engine task with the replication tasks' code.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
)

// replicationViewLocked is the API shape of rc's replication.
func (h *Handler) replicationViewLocked(rc *replicationConfig) *types.Replication {
	status, st := h.replicationStatusLocked(rc)
	r := &types.Replication{
		FailureMessages:             []string{},
		IsReadOnly:                  aws.Bool(false),
		ProvisionData:               &types.ProvisionData{},
		ReplicationConfigArn:        aws.String(rc.arn),
		ReplicationConfigIdentifier: aws.String(rc.t.identifier),
		ReplicationCreateTime:       aws.Time(rc.created),
		ReplicationStats:            &types.ReplicationStats{},
		ReplicationType:             rc.t.migrationType,
		ReplicationUpdateTime:       aws.Time(rc.updated),
		SourceEndpointArn:           aws.String(rc.t.sourceArn),
		Status:                      aws.String(status),
		TargetEndpointArn:           aws.String(rc.t.targetArn),
	}
	run := rc.run
	if run == nil {
		return r
	}
	r.StartReplicationType = aws.String(string(run.startType))
	r.CdcStartPosition, r.CdcStartTime, r.CdcStopPosition = run.cdcStartPosition, run.cdcStartTime, run.cdcStopPosition
	r.ReplicationUpdateTime = aws.Time(run.updated)
	r.ReplicationLastStopTime = timePtr(run.lastStop)
	r.ReplicationDeprovisionTime = timePtr(run.deprovisionedAt)
	r.ProvisionData.ProvisionState = stringPtr(run.provision)
	r.ProvisionData.ProvisionedCapacityUnits = run.units
	r.ProvisionData.DateProvisioned = timePtr(run.provisionedAt)
	r.FailureMessages = append(r.FailureMessages, run.failures...)
	r.StopReason = stringPtr(run.stopReason)
	if run.engine != nil {
		r.ReplicationStats = (*types.ReplicationStats)(taskStats(st.Stats))
		if st.Checkpoint != "" {
			r.RecoveryCheckpoint = aws.String(recoveryCheckpoint(st.Checkpoint))
		}
		if run.phase == "" && (status == replStopped || status == replFailed) {
			r.StopReason = stringPtr(st.StopReason)
			// The engine stops before drive records the stop, and a
			// stopped replication always has a last stop time.
			if run.lastStop.IsZero() {
				r.ReplicationLastStopTime = timePtr(st.Stats.StopDate)
			}
			if st.LastFailureMessage != "" {
				r.FailureMessages = append(r.FailureMessages, st.LastFailureMessage)
			}
		}
	}
	return r
}

func (h *Handler) describeReplications(_ context.Context, in *dmsapi.DescribeReplicationsInput) (*dmsapi.DescribeReplicationsOutput, error) {
	h.lock()
	var all []*types.Replication
	for _, rc := range h.st.configs {
		all = append(all, h.replicationViewLocked(rc))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b *types.Replication) int {
		return strings.Compare(*a.ReplicationConfigIdentifier, *b.ReplicationConfigIdentifier)
	})
	filters := serverlessFilters(func(r *types.Replication) *string { return r.ReplicationConfigArn },
		func(r *types.Replication) *string { return r.ReplicationConfigIdentifier })
	pg, marker, err := describePage(all, filters, in.Filters, false, "No Replications found matching provided filters", in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationsOutput{Replications: pg, Marker: marker}, nil
}

func (h *Handler) startReplication(_ context.Context, in *dmsapi.StartReplicationInput) (*dmsapi.StartReplicationOutput, error) {
	how := dms.StartType(aws.ToString(in.StartReplicationType))
	switch how {
	case dms.StartReplication, dms.ResumeProcessing, dms.ReloadTarget:
	default:
		return nil, invalidParam("Invalid value %q for StartReplicationType: must be one of start-replication, resume-processing, reload-target", aws.ToString(in.StartReplicationType))
	}
	if err := checkCdc(in.CdcStartPosition, in.CdcStartTime, in.CdcStopPosition); err != nil {
		return nil, err
	}
	now := h.lock()
	defer h.unlock()
	rc, err := h.configLocked(in.ReplicationConfigArn)
	if err != nil {
		return nil, err
	}
	status, st := h.replicationStatusLocked(rc)
	switch status {
	case replCreated, replStopped, replFailed:
	default:
		return nil, invalidState("Replication %s cannot be started while it is %s", rc.t.identifier, status)
	}
	if how == dms.ResumeProcessing && rc.t.migrationType == types.MigrationTypeValueFullLoad {
		return nil, invalidCombination("Start Type : RESUME_PROCESSING, is not valid for full-load replications")
	}
	st, built := rc.t.lastRun() // the engine's, or the one loaded from the data dir
	if how, err = resolveStart(st, !built, how); err != nil {
		return nil, err
	}
	if rc.run != nil {
		rc.run.endLife() // a previous run waiting to deprovision
	}
	run := &replicationRun{
		phase: replInitializing, since: now, updated: now, startType: how,
		cdcStartPosition: in.CdcStartPosition, cdcStartTime: in.CdcStartTime, cdcStopPosition: in.CdcStopPosition,
	}
	run.lifeCtx, run.endLife = context.WithCancel(h.ctx)
	run.stopCtx, run.stop = context.WithCancel(run.lifeCtx)
	rc.run = run
	view := h.replicationViewLocked(rc)
	h.goBackground(func(context.Context) { h.drive(rc, run) })
	return &dmsapi.StartReplicationOutput{Replication: view}, nil
}

func (h *Handler) stopReplication(_ context.Context, in *dmsapi.StopReplicationInput) (*dmsapi.StopReplicationOutput, error) {
	now := h.lock()
	defer h.unlock()
	rc, err := h.configLocked(in.ReplicationConfigArn)
	if err != nil {
		return nil, err
	}
	status, _ := h.replicationStatusLocked(rc)
	if !replicationActive(status) || status == replStopping {
		return nil, invalidState("Replication %s is not running (%s)", rc.t.identifier, status)
	}
	run := rc.run
	run.stopRequested = true
	run.phase, run.since, run.updated = replStopping, now, now
	run.stop()
	return &dmsapi.StopReplicationOutput{Replication: h.replicationViewLocked(rc)}, nil
}

func (h *Handler) describeReplicationTableStatistics(_ context.Context, in *dmsapi.DescribeReplicationTableStatisticsInput) (*dmsapi.DescribeReplicationTableStatisticsOutput, error) {
	h.lock()
	rc, err := h.configLocked(in.ReplicationConfigArn)
	var et *dms.Task
	if err == nil && rc.run != nil && !rc.run.statsDeleted {
		et = rc.run.engine
	}
	h.unlock()
	if err != nil {
		return nil, err
	}
	pg, marker, err := statisticsPage(et, in.Filters, in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationTableStatisticsOutput{ReplicationConfigArn: in.ReplicationConfigArn, ReplicationTableStatistics: pg, Marker: marker}, nil
}

func (h *Handler) reloadReplicationTables(_ context.Context, in *dmsapi.ReloadReplicationTablesInput) (*dmsapi.ReloadReplicationTablesOutput, error) {
	if err := checkReload(in.TablesToReload, in.ReloadOption); err != nil {
		return nil, err
	}
	h.lock()
	defer h.unlock()
	rc, err := h.configLocked(in.ReplicationConfigArn)
	if err != nil {
		return nil, err
	}
	if status, _ := h.replicationStatusLocked(rc); status != replRunning {
		return nil, invalidState("Replication %s is not running (%s)", rc.t.identifier, status)
	}
	if name, ok := unselected(rc.t, in.TablesToReload); ok {
		return nil, invalidParam("Table %s is not part of replication config %s", name, rc.t.identifier)
	}
	if err := h.reload(rc.run.engine, rc.t.identifier, in.TablesToReload, in.ReloadOption); err != nil {
		return nil, err
	}
	return &dmsapi.ReloadReplicationTablesOutput{ReplicationConfigArn: aws.String(rc.arn)}, nil
}

// provisioningSteps are the statuses a replication passes through after
// initializing, before its engine task runs.
var provisioningSteps = []string{replPreparing, replTesting, replFetching, replCalculating, replProvisioning, replStarting}

// drive runs one replication run: it moves it through the provisioning
// statuses (each lasting at least the serverless state delay), tests its
// endpoints' connections at testing_connection, starts its engine task at
// replication_starting (launchLocked, as StartReplicationTask does), waits
// for the task to end or for StopReplication, and deprovisions the run
// after the deprovisioning delay.
func (h *Handler) drive(rc *replicationConfig, run *replicationRun) {
	d := h.cfg.serverless.stateDelay
	// enter moves the run to phase (running f with the lock held) unless it
	// is no longer the config's current run or a stop was asked for.
	enter := func(phase string, f func(now time.Time) error) (bool, error) {
		now := h.lock()
		defer h.unlock()
		if rc.run != run || run.stopRequested {
			return false, nil
		}
		run.phase, run.since, run.updated = phase, now, now
		if f != nil {
			return true, f(now)
		}
		return true, nil
	}
	since := func() time.Time {
		h.lock()
		defer h.unlock()
		return run.since
	}
	fail := func(messages ...string) time.Time {
		now := h.lock()
		defer h.unlock()
		if rc.run == run {
			run.phase, run.since, run.updated, run.lastStop = replFailed, now, now, now
			run.failures, run.stopReason = messages, dms.StopReasonFatalError
		}
		return now
	}

	for _, phase := range provisioningSteps {
		if err := h.sleepUntil(run.stopCtx, since().Add(d)); err != nil {
			h.endRun(rc, run)
			return
		}
		ok, err := enter(phase, func(now time.Time) error {
			switch phase {
			case replProvisioning:
				run.provision = provisioning
			case replStarting:
				run.provision, run.provisionedAt = provisioned, now
				run.units = aws.ToInt32(rc.compute.MaxCapacityUnits)
				st, _ := rc.t.lastRun()
				et, err := h.launchLocked(rc.t, st, run.startType, run.cdcStartPosition, run.cdcStartTime, run.cdcStopPosition)
				if err != nil {
					return err
				}
				run.engine = et
			}
			return nil
		})
		switch {
		case !ok:
			h.endRun(rc, run)
			return
		case err != nil:
			h.deprovision(rc, run, fail(apiMessage(err)))
			return
		}
		if phase == replTesting {
			if msgs := h.testEndpoints(run.stopCtx, rc); len(msgs) > 0 && run.stopCtx.Err() == nil {
				fail(msgs...)
				return
			}
		}
	}

	// replication_starting lasts the state delay and until the engine task
	// has opened its source; then the engine's status is the replication's.
	h.lock()
	et := run.engine
	h.unlock()
	if err := h.sleepUntil(run.stopCtx, since().Add(d)); err != nil {
		h.endRun(rc, run)
		return
	}
	if _, err := et.Wait(run.stopCtx, func(s dms.TaskStatus) bool { return s.Status != dms.StatusStarting }); err != nil {
		h.endRun(rc, run)
		return
	}
	if ok, _ := enter("", nil); !ok {
		h.endRun(rc, run)
		return
	}
	st, err := et.Wait(run.stopCtx, func(s dms.TaskStatus) bool {
		return s.Status == dms.StatusStopped || s.Status == dms.StatusFailed
	})
	if err != nil {
		h.endRun(rc, run)
		return
	}
	now := h.lock()
	if rc.run == run {
		run.lastStop, run.updated = st.Stats.StopDate, now
	}
	h.unlock()
	h.deprovision(rc, run, st.Stats.StopDate)
}

// endRun finishes a run that StopReplication stopped (or that was
// replaced or whose server closed, which end it at once): it stops the
// engine task, delivering what it read, keeps stopping for the state
// delay, and deprovisions what was provisioned.
func (h *Handler) endRun(rc *replicationConfig, run *replicationRun) {
	if run.lifeCtx.Err() != nil {
		return
	}
	h.lock()
	et, since := run.engine, run.since
	h.unlock()
	if et != nil {
		if err := et.Stop(run.lifeCtx); err != nil && !errors.Is(err, dms.ErrTaskNotRunning) {
			h.cfg.log.Warn("fakedms: stop serverless replication", "task", et.ID(), "err", err)
		}
	}
	if err := h.sleepUntil(run.lifeCtx, since.Add(h.cfg.serverless.stateDelay)); err != nil {
		return
	}
	now := h.lock()
	if rc.run != run {
		h.unlock()
		return
	}
	run.phase, run.updated, run.lastStop = "", now, now
	if et == nil {
		run.phase, run.stopReason = replStopped, dms.StopReasonNormal
	}
	provisioned := run.provision != ""
	h.unlock()
	if provisioned {
		h.deprovision(rc, run, now)
	}
}

// deprovision keeps the capacity of a run that stopped at stopped for the
// deprovisioning delay, then deprovisions it: ProvisionState
// deprovisioning for the state delay, then deprovisioned, with
// ReplicationDeprovisionTime set and the table statistics deleted. Every
// wait is measured from the change that began it, so a test clock moved
// on at once is not missed.
func (h *Handler) deprovision(rc *replicationConfig, run *replicationRun, stopped time.Time) {
	if h.sleepUntil(run.lifeCtx, stopped.Add(h.deprovisioningDelay())) != nil {
		return
	}
	now := h.lock()
	if rc.run != run {
		h.unlock()
		return
	}
	run.provision, run.updated = deprovisioning, now
	h.unlock()
	if h.sleepUntil(run.lifeCtx, now.Add(h.cfg.serverless.stateDelay)) != nil {
		return
	}
	now = h.lock()
	defer h.unlock()
	if rc.run == run {
		run.provision, run.units, run.deprovisionedAt, run.updated = deprovisionedDone, 0, now, now
		run.statsDeleted = true
	}
}

// testEndpoints tests the connections of rc's endpoints as TestConnection
// does and returns what failed.
func (h *Handler) testEndpoints(ctx context.Context, rc *replicationConfig) []string {
	type check struct {
		side, id string
		probe    func(context.Context) error
	}
	var checks []check
	h.lock()
	for _, c := range []struct{ side, arn string }{{"source", rc.t.sourceArn}, {"target", rc.t.targetArn}} {
		e, ok := h.st.endpoints[c.arn]
		if !ok {
			checks = append(checks, check{c.side, c.arn, func(context.Context) error { return errors.New("the endpoint no longer exists") }})
			continue
		}
		checks = append(checks, check{c.side, aws.ToString(e.ep.EndpointIdentifier), h.probe(e)})
	}
	h.unlock()
	ctx, cancel := context.WithTimeout(ctx, connectionTimeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var msgs []string
	for _, c := range checks {
		wg.Go(func() {
			if err := c.probe(ctx); err != nil {
				mu.Lock()
				msgs = append(msgs, fmt.Sprintf("Test connection for the %s endpoint %s failed: %v", c.side, c.id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(msgs)
	return msgs
}

// apiMessage is the message of an API error, or the error's text.
func apiMessage(err error) string {
	var ae interface{ ErrorMessage() string }
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}
