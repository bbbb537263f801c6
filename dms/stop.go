package dms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// cdcStop is a parsed CdcStopPosition: stop CDC once the source's commit
// times pass at (commit_time), or once the engine's clock does
// (server_time).
type cdcStop struct {
	commit bool
	at     time.Time
}

// parseCdcStop reads AWS's CdcStopPosition forms,
// "server_time:2018-02-09T12:12:12" and "commit_time:2018-02-09T12:12:12"
// (UTC); "" is no stop.
func parseCdcStop(s string) (*cdcStop, error) {
	if s == "" {
		return nil, nil
	}
	kind, at, ok := strings.Cut(s, ":")
	var stop cdcStop
	switch {
	case ok && strings.EqualFold(kind, "server_time"):
	case ok && strings.EqualFold(kind, "commit_time"):
		stop.commit = true
	default:
		return nil, fmt.Errorf("CdcStopPosition %q: want server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS", s)
	}
	var err error
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339Nano} {
		if stop.at, err = time.Parse(layout, at); err == nil {
			return &stop, nil
		}
	}
	return nil, fmt.Errorf("CdcStopPosition %q: the time is not YYYY-MM-DDTHH:MM:SS: %w", s, err)
}

// CheckCdcStopPosition reports whether s is a CdcStopPosition the engine
// understands (see TaskConfig.CdcStopPosition), for APIs that validate it
// before a task starts.
func CheckCdcStopPosition(s string) error {
	_, err := parseCdcStop(s)
	return err
}

func (s *cdcStop) reason() string {
	if s.commit {
		return StopReasonStoppedAtCommitTime
	}
	return StopReasonStoppedAtServerTime
}

// stoppedAt ends a task's run at its CdcStopPosition: the task stops with
// the stop's reason, not as failed.
type stoppedAt struct{ reason string }

func (e stoppedAt) Error() string { return "stopped at the CDC stop position: " + e.reason }

// cut returns how much of batch comes before a commit_time stop, and
// whether the stop was reached.
func (s *cdcStop) cut(batch []Change) (int, bool) {
	if s == nil || !s.commit {
		return len(batch), false
	}
	for i := range batch {
		if c := &batch[i]; !c.Op.IsControl() && c.CommitTime.After(s.at) {
			return i, true
		}
	}
	return len(batch), false
}

// serverTimer ends reading at a server_time stop: it calls cancel when the
// engine's clock reaches the stop, and reports whether it did.
func (s *cdcStop) serverTimer(now time.Time, cancel context.CancelFunc) (fired func() bool, stop func()) {
	if s == nil || s.commit {
		return func() bool { return false }, func() {}
	}
	done := make(chan struct{})
	timer := time.AfterFunc(s.at.Sub(now), func() {
		close(done)
		cancel()
	})
	return func() bool {
			select {
			case <-done:
				return true
			default:
				return false
			}
		}, func() {
			timer.Stop()
		}
}

func isStoppedAtErr(err error) bool {
	_, ok := isStoppedAt(err)
	return ok
}

func isStoppedAt(err error) (string, bool) {
	var s stoppedAt
	if errors.As(err, &s) {
		return s.reason, true
	}
	return "", false
}
