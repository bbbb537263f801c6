package dms

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// recoverableError marks an error the task survives by reconnecting.
type recoverableError struct{ err error }

func (e recoverableError) Error() string { return e.err.Error() }
func (e recoverableError) Unwrap() error { return e.err }

// Recoverable marks err as one a task recovers from by reopening its
// change stream at its checkpoint, as AWS DMS recovers from a lost source
// connection: sources wrap connection failures with it, and leave data
// and configuration errors unwrapped so that they fail the task at once.
func Recoverable(err error) error {
	if err == nil {
		return nil
	}
	return recoverableError{err}
}

// IsRecoverable reports whether err, or an error it wraps, was marked
// with Recoverable.
func IsRecoverable(err error) bool {
	var r recoverableError
	return errors.As(err, &r)
}

// TimePositioner is implemented by sources that can find in their log
// where the changes committed at a time begin (source/mysql reads its
// binary logs' event times); a CDC task's CdcStartTime needs it.
type TimePositioner interface {
	// PositionAt returns the position from which Changes delivers the
	// transactions committed at or after at.
	PositionAt(ctx context.Context, at time.Time) (Position, error)
}

// StartPositioner is implemented by change streams that know where they
// started; the engine checkpoints it, so that a stream opened "from now"
// and lost before its first change reopens where it began.
type StartPositioner interface {
	StartPosition() Position
}

// retryPolicy is ErrorBehavior's recoverable-error part.
type retryPolicy struct {
	count      int // -1: retry forever
	interval   time.Duration
	throttling bool
	max        time.Duration
	stopAtMax  bool
}

func (t *Task) retryPolicy() retryPolicy {
	eb := t.cfg.Settings.ErrorBehavior
	return retryPolicy{
		count:      eb.RecoverableErrorCount,
		interval:   time.Duration(eb.RecoverableErrorInterval) * time.Second,
		throttling: eb.RecoverableErrorThrottling,
		max:        time.Duration(eb.RecoverableErrorThrottlingMax) * time.Second,
		stopAtMax:  eb.RecoverableErrorStopRetryAfterThrottlingMax,
	}
}

// minRetryWait keeps a zero RecoverableErrorInterval from spinning.
const minRetryWait = 50 * time.Millisecond

// wait returns how long to wait before retry attempt n (1-based) and
// whether to give up instead. With RecoverableErrorThrottling the interval
// doubles each time (5 s, 10 s, 20 s, …) up to RecoverableErrorThrottlingMax,
// as AWS DMS documents.
func (p retryPolicy) wait(n int) (time.Duration, bool) {
	if p.count >= 0 && n > p.count {
		return 0, false
	}
	d := p.interval
	if p.throttling {
		for i := 1; i < n && (p.max <= 0 || d < p.max); i++ {
			d *= 2
		}
		if p.max > 0 && d >= p.max {
			if p.stopAtMax && n > 1 && d > p.max {
				return 0, false
			}
			d = p.max
		}
	}
	return max(d, minRetryWait), true
}

// streamWithRecovery copies changes to the target like streamChanges and,
// when the source connection is lost, reopens the stream at the checkpoint
// (the last change the target accepted) until the ErrorBehavior policy gives
// up. A clean recovery repeats and loses nothing: the changes read before
// the loss are written first.
func (t *Task) streamWithRecovery(readCtx, writeCtx context.Context, stream ChangeStream) error {
	log := t.engine.log.With("task", t.cfg.ID)
	policy := t.retryPolicy()
	attempt := 0
	for {
		t.checkpointStart(stream)
		delivered := t.deliveredCount()
		err := t.streamChanges(readCtx, writeCtx, stream)
		if err == nil || readCtx.Err() != nil || !IsRecoverable(err) {
			return err
		}
		if t.deliveredCount() > delivered {
			attempt = 0 // the stream worked for a while: a new outage
		}
		for {
			attempt++
			d, ok := policy.wait(attempt)
			if !ok {
				return fmt.Errorf("%w (gave up after %d reconnection attempts: ErrorBehavior.RecoverableErrorCount is %d)", err, attempt-1, policy.count)
			}
			log.Warn("source change stream lost, reconnecting", "err", err, "attempt", attempt, "wait", d)
			select {
			case <-readCtx.Done():
				return readCtx.Err()
			case <-time.After(d):
			}
			t.mu.Lock()
			from := t.status.Checkpoint
			t.mu.Unlock()
			stream, err = t.openStream(readCtx, from)
			if err == nil {
				log.Info("source change stream reopened", "attempt", attempt, "from", from)
				break
			}
			if readCtx.Err() != nil || !IsRecoverable(err) {
				return err
			}
		}
	}
}

// checkpointStart sets the checkpoint to where a stream began, if the task
// has none yet.
func (t *Task) checkpointStart(stream ChangeStream) {
	sp, ok := stream.(StartPositioner)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status.Checkpoint == "" {
		t.status.Checkpoint = sp.StartPosition()
	}
}

func (t *Task) deliveredCount() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delivered
}
