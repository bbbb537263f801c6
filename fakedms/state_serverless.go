package fakedms

// DMS Serverless state: replication configs, their replications, the
// statuses a replication passes through and the timing options. The
// operations are in cmd_replication_configs.go and cmd_replications.go.

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
)

const arnReplicationConfig = "replication-config"

// defaultDeprovisioningDelay is LocalStack's default for
// DMS_SERVERLESS_DEPROVISIONING_DELAY.
const defaultDeprovisioningDelay = 60 * time.Second

// clockPoll is how often a serverless replication's driver looks at the
// clock while it waits, so that an injected clock (WithClock) that jumps
// is noticed without a timer of its own.
const clockPoll = 10 * time.Millisecond

// serverlessTiming is the timing of serverless replications.
type serverlessTiming struct {
	stateDelay       time.Duration
	deprovisionDelay time.Duration
	deprovisionSet   bool
}

// WithServerlessStateDelay makes a serverless replication stay at least d
// in each status it passes through on its own (initializing,
// preparing_metadata_resources, testing_connection, fetching_metadata,
// calculating_capacity, provisioning_capacity, replication_starting,
// stopping, and deprovisioning as ProvisionState), and a deleted
// replication config report deleting for d. LocalStack's
// DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME. The default, 0, lets a
// replication run as soon as its connections are tested and its engine
// task has opened its source; describes then may see only some of the
// statuses.
func WithServerlessStateDelay(d time.Duration) Option {
	return func(c *config) { c.serverless.stateDelay = d }
}

// WithDeprovisioningDelay sets how long a serverless replication keeps its
// capacity after it stopped (or failed) before it is deprovisioned, which
// deletes its table statistics; default 60 s, as LocalStack's
// DMS_SERVERLESS_DEPROVISIONING_DELAY. A replication config can be deleted
// only once its replication is deprovisioned.
func WithDeprovisioningDelay(d time.Duration) Option {
	return func(c *config) { c.serverless.deprovisionDelay, c.serverless.deprovisionSet = d, true }
}

func (h *Handler) deprovisioningDelay() time.Duration {
	if !h.cfg.serverless.deprovisionSet {
		return defaultDeprovisioningDelay
	}
	return h.cfg.serverless.deprovisionDelay
}

// Replication statuses, as the DMS API spells them.
const (
	replCreated       = "created"
	replInitializing  = "initializing"
	replPreparing     = "preparing_metadata_resources"
	replTesting       = "testing_connection"
	replFetching      = "fetching_metadata"
	replCalculating   = "calculating_capacity"
	replProvisioning  = "provisioning_capacity"
	replStarting      = "replication_starting"
	replRunning       = "running"
	replStopping      = "stopping"
	replStopped       = "stopped"
	replFailed        = "failed"
	replDeleting      = "deleting"
	provisioning      = "provisioning"
	provisioned       = "provisioned"
	deprovisioning    = "deprovisioning"
	deprovisionedDone = "deprovisioned"
)

// replicationConfig is a serverless replication config with its
// replication. The replication runs t, a task like a replication task's
// (not listed among them), whose id is the serverless task id
// serv-res-id-<epoch ms>-<letters> that AWS puts in control records; its
// engine task is built and started by the same code as a task's.
type replicationConfig struct {
	lifecycle // created and deleted; the other members are unused
	arn       string
	updated   time.Time
	compute   types.ComputeConfig
	supplemental,
	replicationSettings *string // as given; t.settings holds the merged document
	t   *task
	run *replicationRun // the current or last run; nil before the first start
}

// replicationRun is one run of a replication, from StartReplication to
// its deprovisioning. Its driver goroutine (drive) moves it through the
// provisioning statuses and starts the engine task; its members are
// guarded by Handler.mu.
type replicationRun struct {
	// phase is the status the driver (or StopReplication) set; "" while
	// the engine task's status is the replication's.
	phase string
	// since is when phase was entered: each phase lasts at least the
	// serverless state delay from then.
	since, updated time.Time
	startType      dms.StartType
	cdcStartPosition,
	cdcStopPosition *string
	cdcStartTime *time.Time
	failures     []string
	stopReason   string // set when the run ended without the engine
	engine       *dms.Task

	provision                      string // ProvisionState; "" before provisioning
	units                          int32
	provisionedAt, deprovisionedAt time.Time
	lastStop                       time.Time
	statsDeleted, stopRequested    bool

	// stopCtx ends when StopReplication is called; lifeCtx when the run is
	// replaced by the next one, its config is deleted, or the server
	// closes.
	stopCtx, lifeCtx context.Context
	stop, endLife    context.CancelFunc
}

// newServerlessID returns a serverless task id, serv-res-id-<13-digit epoch
// ms>-<4 lower-case letters>, as AWS's control records show
// (serv-res-id-1722361971936-yel).
func newServerlessID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return fmt.Sprintf("serv-res-id-%013d-%s", now.UnixMilli(), b[:])
}

// replicationStatusLocked returns the status of rc's replication and the
// engine's view of its run (zero before the engine task started).
func (h *Handler) replicationStatusLocked(rc *replicationConfig) (string, dms.TaskStatus) {
	var st dms.TaskStatus
	if rc.run != nil && rc.run.engine != nil {
		st = rc.run.engine.Status()
	}
	switch {
	case !rc.deleted.IsZero():
		return replDeleting, st
	case rc.run == nil:
		return replCreated, st
	case rc.run.phase != "":
		return rc.run.phase, st
	}
	switch st.Status {
	case dms.StatusRunning:
		return replRunning, st
	case dms.StatusStopping:
		return replStopping, st
	case dms.StatusStopped:
		return replStopped, st
	case dms.StatusFailed:
		return replFailed, st
	}
	return replStarting, st
}

// replicationActive reports whether a replication is on its way to
// running, running or stopping.
func replicationActive(status string) bool {
	switch status {
	case replCreated, replStopped, replFailed, replDeleting:
		return false
	}
	return true
}

// sweepServerlessLocked removes the replication configs whose deletion
// has finished. lock calls it.
func (h *Handler) sweepServerlessLocked(now time.Time) {
	for arn, rc := range h.st.configs {
		if rc.gone(now, h.cfg.serverless.stateDelay) {
			delete(h.st.configs, arn)
			delete(h.st.tags, arn)
		}
	}
}

// sleepUntil waits until the clock reaches deadline, or ctx ends.
func (h *Handler) sleepUntil(ctx context.Context, deadline time.Time) error {
	for {
		left := deadline.Sub(h.cfg.now())
		if left <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(min(left, clockPoll))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
