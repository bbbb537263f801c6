package fakedms

import (
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// state is every resource of the server, guarded by Handler.mu (one mutex
// for the whole state, as pstest does). Resources are keyed by ARN. A
// serverless replication config is one more map here (state_serverless.go).
type state struct {
	instances    map[string]*instance
	subnetGroups map[string]*subnetGroup
	endpoints    map[string]*endpoint
	tasks        map[string]*task
	configs      map[string]*replicationConfig
	connections  map[connKey]*connection
	tags         map[string][]types.Tag
	events       []types.Event
}

func newState() state {
	return state{
		instances:    map[string]*instance{},
		subnetGroups: map[string]*subnetGroup{},
		endpoints:    map[string]*endpoint{},
		tasks:        map[string]*task{},
		configs:      map[string]*replicationConfig{},
		connections:  map[connKey]*connection{},
		tags:         map[string][]types.Tag{},
	}
}

// lifecycle is when a resource was created, last made busy (modifying,
// rebooting) and deleted. Its state is computed from the clock when it is
// looked at, so the state delay needs no timer or goroutine.
type lifecycle struct {
	created   time.Time
	busyUntil time.Time
	busy      string
	deleted   time.Time // zero unless being deleted
}

// phase returns the transitional state at now, or "" when there is none.
func (l *lifecycle) phase(now time.Time, delay time.Duration) string {
	switch {
	case !l.deleted.IsZero():
		return "deleting"
	case now.Before(l.created.Add(delay)):
		return "creating"
	case now.Before(l.busyUntil):
		return l.busy
	}
	return ""
}

// gone reports whether a deleted resource has finished deleting.
func (l *lifecycle) gone(now time.Time, delay time.Duration) bool {
	return !l.deleted.IsZero() && !now.Before(l.deleted.Add(delay))
}

type instance struct {
	lifecycle
	ri types.ReplicationInstance // ReplicationInstanceStatus is computed
}

func (in *instance) status(now time.Time, delay time.Duration) string {
	if p := in.phase(now, delay); p != "" {
		return p
	}
	return "available"
}

type subnetGroup struct {
	arn string
	g   types.ReplicationSubnetGroup
}

type endpoint struct {
	lifecycle
	ep types.Endpoint // passwords in its settings are stripped from responses
	// password is the top-level Password, which types.Endpoint lacks.
	password string
	// version counts modifications, so a task notices that its engine task
	// was built from an older definition.
	version int
}

type connKey struct{ endpointArn, instanceArn string }

type connection struct {
	started  time.Time
	finished bool   // the test has ended
	failure  string // why it failed; "" when it succeeded
	endpointIdentifier,
	instanceIdentifier string
}

func (c *connection) status(now time.Time, delay time.Duration) string {
	switch {
	case !c.finished || now.Before(c.started.Add(delay)):
		return "testing"
	case c.failure != "":
		return "failed"
	}
	return "successful"
}

// lock takes the state lock and removes the resources whose deletion has
// finished; it returns the time the caller should use.
func (h *Handler) lock() time.Time {
	h.mu.Lock()
	now := h.cfg.now()
	d := h.cfg.stateDelay
	for arn, in := range h.st.instances {
		if in.gone(now, d) {
			delete(h.st.instances, arn)
			delete(h.st.tags, arn)
		}
	}
	for arn, ep := range h.st.endpoints {
		if ep.gone(now, d) {
			delete(h.st.endpoints, arn)
			delete(h.st.tags, arn)
		}
	}
	for arn, t := range h.st.tasks {
		if t.gone(now, d) {
			delete(h.st.tasks, arn)
			delete(h.st.tags, arn)
		}
	}
	h.sweepServerlessLocked(now)
	return now
}

func (h *Handler) unlock() { h.mu.Unlock() }

// event records a DMS event. Callers hold the lock.
func (h *Handler) eventLocked(now time.Time, sourceType types.SourceType, identifier, category, message string) {
	h.st.events = append(h.st.events, types.Event{
		Date:             aws.Time(now),
		EventCategories:  []string{category},
		Message:          aws.String(message),
		SourceIdentifier: aws.String(identifier),
		SourceType:       sourceType,
	})
}

// sorted returns the map's values ordered by key, so listings and their
// pagination markers are stable.
func sorted[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
