package dms

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// maxBatch bounds how many changes go to the target in one Write: enough to
// fill a Kinesis PutRecords call, small enough to keep latency low.
const maxBatch = 500

// startCDC opens the change stream where a CDC task reads from and, on a
// fresh start, announces the tables it captures: a create-table control
// record for the awsdms_apply_exceptions table and one for every selected
// table, as AWS DMS does when a CDC task starts. The stream is opened
// first, so a change committed once the task is running (or once its
// create-table records are visible) is never missed.
func (t *Task) startCDC(readCtx, writeCtx context.Context, how StartType) (ChangeStream, error) {
	t.mu.Lock()
	from := t.status.Checkpoint
	t.mu.Unlock()
	tables, err := t.cfg.Source.Tables(readCtx, t.cfg.Mapping)
	if err != nil {
		return nil, fmt.Errorf("list source tables: %w", err)
	}
	if len(tables) == 0 && t.cfg.Settings.ErrorBehavior.FailOnNoTablesCaptured {
		return nil, ErrNoTables
	}
	if from == "" && !t.cfg.CdcStartTime.IsZero() {
		if from, err = t.positionAt(readCtx, t.cfg.CdcStartTime); err != nil {
			return nil, err
		}
	}
	stream, err := t.openStream(readCtx, from)
	if err != nil {
		return nil, err
	}
	sort.Slice(tables, func(i, j int) bool {
		if tables[i].Schema != tables[j].Schema {
			return tables[i].Schema < tables[j].Schema
		}
		return tables[i].Table < tables[j].Table
	})
	t.update(func() {
		t.status.Status = StatusRunning
		t.status.Stats.FullLoadProgressPercent = 100
		for _, def := range tables {
			t.tableLocked(def.ID(), TableStateCompleted)
		}
	})
	if how == ResumeProcessing {
		return stream, nil
	}
	announce := []Change{{Op: OpCreateTable, Table: ApplyExceptionsTable()}}
	for _, def := range tables {
		announce = append(announce, Change{Op: OpCreateTable, Table: def})
	}
	if err := t.write(writeCtx, announce); err != nil {
		stream.Close()
		return nil, err
	}
	return stream, nil
}

// positionAt is where CDC from the time at starts: the source's answer,
// or "now" on a source that cannot look a time up.
func (t *Task) positionAt(ctx context.Context, at time.Time) (Position, error) {
	tp, ok := t.cfg.Source.(TimePositioner)
	if !ok {
		t.engine.log.Warn("the source cannot find a time in its log: CDC starts from now", "task", t.cfg.ID, "CdcStartTime", at)
		return "", nil
	}
	pos, err := tp.PositionAt(ctx, at)
	if err != nil {
		return "", fmt.Errorf("find the CDC start time %s in the source's log: %w", at.UTC().Format(time.RFC3339), err)
	}
	return pos, nil
}

func (t *Task) openStream(ctx context.Context, from Position) (ChangeStream, error) {
	stream, err := t.cfg.Source.Changes(ctx, from, t.cfg.Mapping)
	if err != nil {
		return nil, fmt.Errorf("open source change stream: %w", err)
	}
	return stream, nil
}

// streamChanges copies the change stream to the target until
// readCtx ends. One goroutine reads while this one writes, so decoding and
// delivery overlap; whatever has been read when reading stops is still
// written, so a clean stop loses nothing and a resume repeats nothing.
func (t *Task) streamChanges(readCtx, writeCtx context.Context, stream ChangeStream) error {
	defer stream.Close()

	readCtx, cancelRead := context.WithCancel(readCtx)
	atServerTime, stopTimer := t.stop.serverTimer(t.engine.now(), cancelRead)
	defer stopTimer()
	changes := make(chan Change, 4*maxBatch)
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(changes)
		for {
			c, err := stream.Next(readCtx)
			if err == nil {
				var keep bool
				if keep, err = t.xf.keep(&c); err == nil && !keep {
					continue // filtered out; the checkpoint moves with the next change kept
				}
			}
			if err != nil {
				readErr = fmt.Errorf("read source changes: %w", err)
				return
			}
			changes <- c
		}
	})
	// The reader must be gone before the stream closes; a write error leaves
	// it blocked on a full channel, so drain it.
	defer func() {
		for range changes {
		}
		wg.Wait()
	}()
	defer cancelRead()

	batch := make([]Change, 0, maxBatch)
	// add appends c to the batch unless a table reload already loaded it.
	add := func(c Change) error {
		held, err := t.heldBack(c)
		if err == nil && !held {
			batch = append(batch, c)
		}
		return err
	}
	for {
		var c Change
		var ok bool
		select {
		case c, ok = <-changes:
		case <-t.reloadAsked:
			if err := t.reload(readCtx, writeCtx); err != nil {
				return err
			}
			continue
		}
		if !ok {
			break
		}
		batch = batch[:0]
		if err := add(c); err != nil {
			return err
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case c, ok := <-changes:
				if !ok {
					break fill
				}
				if err := add(c); err != nil {
					return err
				}
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			continue
		}
		n, atCommitTime := t.stop.cut(batch)
		if n > 0 {
			if err := t.write(writeCtx, batch[:n]); err != nil {
				return err
			}
			if err := acknowledge(stream, batch[:n]); err != nil {
				return err
			}
		}
		if atCommitTime {
			return stoppedAt{t.stop.reason()}
		}
	}
	wg.Wait()
	if atServerTime() {
		return stoppedAt{t.stop.reason()}
	}
	return readErr
}

// acknowledge confirms a delivered batch to a stream that wants it.
func acknowledge(stream ChangeStream, batch []Change) error {
	ack, ok := stream.(Acknowledger)
	if !ok {
		return nil
	}
	for i := len(batch) - 1; i >= 0; i-- {
		if pos := batch[i].Position; pos != "" {
			if err := ack.Acknowledge(pos); err != nil {
				return fmt.Errorf("acknowledge delivered changes up to %s: %w", pos, err)
			}
			return nil
		}
	}
	return nil
}
