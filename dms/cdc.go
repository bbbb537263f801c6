package dms

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// maxBatch bounds how many changes go to the target in one Write: enough to
// fill a Kinesis PutRecords call, small enough to keep latency low.
const maxBatch = 500

// startCDC decides where a CDC task reads from and, on a fresh start,
// announces the tables it captures: a create-table control record for the
// awsdms_apply_exceptions table and one for every selected table, as AWS
// DMS does when a CDC task starts.
func (t *Task) startCDC(readCtx, writeCtx context.Context, how StartType) (Position, error) {
	t.mu.Lock()
	from := t.status.Checkpoint
	t.mu.Unlock()
	tables, err := t.cfg.Source.Tables(readCtx, t.cfg.Mapping)
	if err != nil {
		return "", fmt.Errorf("list source tables: %w", err)
	}
	if len(tables) == 0 {
		return "", ErrNoTables
	}
	sort.Slice(tables, func(i, j int) bool {
		if tables[i].Schema != tables[j].Schema {
			return tables[i].Schema < tables[j].Schema
		}
		return tables[i].Table < tables[j].Table
	})
	t.update(func() {
		t.status.Stats.FullLoadProgressPercent = 100
		for _, def := range tables {
			t.tableLocked(def.ID(), TableStateCompleted)
		}
	})
	if how == ResumeProcessing {
		return from, nil
	}
	announce := []Change{{Op: OpCreateTable, Table: ApplyExceptionsTable()}}
	for _, def := range tables {
		announce = append(announce, Change{Op: OpCreateTable, Table: def})
	}
	return from, t.write(writeCtx, announce)
}

// streamChanges copies the source's change stream to the target until
// readCtx ends. One goroutine reads while this one writes, so decoding and
// delivery overlap; whatever has been read when reading stops is still
// written, so a clean stop loses nothing and a resume repeats nothing.
func (t *Task) streamChanges(readCtx, writeCtx context.Context, from Position) error {
	stream, err := t.cfg.Source.Changes(readCtx, from, t.cfg.Mapping)
	if err != nil {
		return fmt.Errorf("open source change stream: %w", err)
	}
	defer stream.Close()

	readCtx, cancelRead := context.WithCancel(readCtx)
	changes := make(chan Change, 4*maxBatch)
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(changes)
		for {
			c, err := stream.Next(readCtx)
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
	for c := range changes {
		batch = append(batch[:0], c)
	fill:
		for len(batch) < maxBatch {
			select {
			case c, ok := <-changes:
				if !ok {
					break fill
				}
				batch = append(batch, c)
			default:
				break fill
			}
		}
		if err := t.write(writeCtx, batch); err != nil {
			return err
		}
	}
	wg.Wait()
	return readErr
}
