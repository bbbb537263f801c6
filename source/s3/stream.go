package s3

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minidms/minidms/dms"
)

var errClosed = errors.New("s3 source: change stream is closed")

// position is a place in the CDC files: every object lexically before key,
// and of key its first record records (or all of it).
type position struct {
	key    string
	record int
	all    bool
}

func (p position) encode() dms.Position {
	if p.all {
		return dms.Position(p.key + ":*")
	}
	return dms.Position(p.key + ":" + strconv.Itoa(p.record))
}

func parsePosition(p dms.Position) (position, error) {
	key, rec, ok := cutLast(string(p), ":")
	if !ok {
		return position{}, fmt.Errorf("s3 source: invalid position %q: want <key>:<record>", p)
	}
	if rec == "*" {
		return position{key: key, all: true}, nil
	}
	n, err := strconv.Atoi(rec)
	if err != nil || n < 0 {
		return position{}, fmt.Errorf("s3 source: invalid position %q: record %q is not a number", p, rec)
	}
	return position{key: key, record: n}, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// pending is a CDC file to read, of which the first skip records were
// already delivered.
type pending struct {
	object
	skip int
}

// cdcFile is the CDC file being read.
type cdcFile struct {
	pending
	txID uint64
	body io.ReadCloser
	rr   *recordReader
	// cancel aborts the object's request, so a read blocked on the network
	// returns when the caller's context ends.
	cancel context.CancelFunc
}

func (f *cdcFile) close() {
	f.cancel()
	f.body.Close()
}

// stream follows the CDC folder. Next does all the work on the caller's
// goroutine; the stream owns no goroutine.
type stream struct {
	src    *Source
	sel    dms.TableSelector
	prefix string
	// base lives as long as the stream; Close cancels it.
	base   context.Context
	cancel context.CancelFunc

	mu sync.Mutex
	// known holds every key listed so far, so each is queued or reported
	// skipped once.
	known map[string]bool
	// last is the lexically greatest key queued; a new key not after it is
	// skipped, as AWS does.
	last  string
	queue []pending
	cur   *cdcFile
}

// Changes follows the CDC files under BucketFolder/CdcPath from a Position
// this source handed out; an empty from starts after the files present now.
func (s *Source) Changes(ctx context.Context, from dms.Position, sel dms.TableSelector) (dms.ChangeStream, error) {
	if s.cfg.CdcPath == "" {
		return nil, errors.New("s3 source: CdcPath is required for change data capture")
	}
	var p position
	fromNow := from == ""
	if !fromNow {
		var err error
		if p, err = parsePosition(from); err != nil {
			return nil, err
		}
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	st := &stream{
		src:    s,
		sel:    sel,
		prefix: s.prefix(s.cfg.CdcPath),
		base:   base,
		cancel: cancel,
		known:  map[string]bool{},
		last:   p.key,
	}
	var present []object
	if err := s.list(ctx, st.prefix, func(o object) error {
		present = append(present, o)
		return nil
	}); err != nil {
		cancel()
		return nil, err
	}
	for _, o := range present {
		st.known[o.key] = true
		switch {
		case fromNow:
			st.last = max(st.last, o.key)
		case o.key == p.key && !p.all:
			st.queue = append(st.queue, pending{object: o, skip: p.record})
		case o.key > p.key:
			st.queue = append(st.queue, pending{object: o})
			st.last = max(st.last, o.key)
		}
	}
	slices.SortFunc(st.queue, func(a, b pending) int { return strings.Compare(a.key, b.key) })
	return st, nil
}

// Next returns the next change of a selected table, listing CdcPath every
// PollInterval while there is none.
func (st *stream) Next(ctx context.Context) (dms.Change, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(st.base, cancel)()
	for {
		if err := ctx.Err(); err != nil {
			return dms.Change{}, st.ended(err)
		}
		if st.cur == nil {
			if len(st.queue) == 0 {
				if err := st.poll(ctx); err != nil {
					return dms.Change{}, st.ended(err)
				}
			}
			if len(st.queue) == 0 {
				if err := st.wait(ctx); err != nil {
					return dms.Change{}, st.ended(err)
				}
				continue
			}
			if err := st.openNext(ctx); err != nil {
				return dms.Change{}, st.ended(err)
			}
			continue
		}
		c, ok, err := st.read(ctx)
		if err != nil {
			return dms.Change{}, st.ended(err)
		}
		if ok {
			return c, nil
		}
	}
}

// ended turns an error caused by Close into errClosed.
func (st *stream) ended(err error) error {
	if st.base.Err() != nil {
		return errClosed
	}
	return err
}

func (st *stream) wait(ctx context.Context) error {
	t := time.NewTimer(st.src.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// poll lists CdcPath and queues the new files after the last one queued,
// in lexical order; a new file that sorts before it is skipped.
func (st *stream) poll(ctx context.Context) error {
	var fresh []object
	err := st.src.list(ctx, st.prefix, func(o object) error {
		if st.known[o.key] {
			return nil
		}
		st.known[o.key] = true
		if o.key <= st.last {
			st.src.log.Warn("s3 source: skipping a CDC file that sorts before one already processed",
				"key", o.key, "processed", st.last)
			return nil
		}
		fresh = append(fresh, o)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(fresh, func(a, b object) int { return strings.Compare(a.key, b.key) })
	for _, o := range fresh {
		st.queue = append(st.queue, pending{object: o})
		st.last = o.key
	}
	return nil
}

// openNext starts reading the first queued file.
func (st *stream) openNext(ctx context.Context) error {
	p := st.queue[0]
	objCtx, cancel := context.WithCancel(st.base)
	stop := context.AfterFunc(ctx, cancel)
	out, found, err := st.src.open(objCtx, p.key)
	if !stop() {
		if out != nil {
			out.Body.Close()
		}
		return ctx.Err()
	}
	if err != nil {
		cancel()
		return err
	}
	st.queue = st.queue[1:]
	if !found {
		cancel()
		st.src.log.Warn("s3 source: CDC file disappeared before it was read", "key", p.key)
		return nil
	}
	if out.LastModified != nil {
		p.modified = *out.LastModified
	}
	h := fnv.New32a()
	h.Write([]byte(p.key))
	txID := uint64(h.Sum32())
	if txID == 0 {
		txID = 1 // 0 means "no transaction" to the engine
	}
	st.cur = &cdcFile{pending: p, txID: txID, body: out.Body, rr: newRecordReader(out.Body, &st.src.format), cancel: cancel}
	return nil
}

// read returns the next change of the current file; ok is false when the
// file ended or the record was skipped.
func (st *stream) read(ctx context.Context) (c dms.Change, ok bool, err error) {
	f := st.cur
	stop := context.AfterFunc(ctx, f.cancel)
	defer func() {
		// If ctx ended during the read, the object's request is dead: read
		// the file again next time, after the records already consumed.
		if !stop() {
			st.dropCurrent()
			if err == nil && !ok {
				err = ctx.Err()
			}
		}
	}()
	rec, err := f.rr.next()
	if errors.Is(err, io.EOF) {
		f.close()
		st.cur = nil
		return dms.Change{}, false, nil
	}
	if err != nil {
		st.dropCurrent()
		if ctx.Err() != nil {
			return dms.Change{}, false, ctx.Err()
		}
		return dms.Change{}, false, fmt.Errorf("s3 source: read s3://%s/%s: %w", st.src.cfg.BucketName, f.key, err)
	}
	n := f.rr.n
	if n <= f.skip || rec.blank() {
		return dms.Change{}, false, nil
	}
	c, reason := st.change(rec)
	switch reason {
	case "":
	case unselected:
		return dms.Change{}, false, nil
	default:
		st.src.skipped.Add(1)
		st.src.log.Warn("s3 source: skipping a malformed CDC record", "key", f.key, "record", n, "reason", reason)
		return dms.Change{}, false, nil
	}
	c.TransactionID = f.txID
	c.TransactionRecord = n
	c.CommitTime = f.modified
	c.Position = position{key: f.key, record: n}.encode()
	return c, true, nil
}

// dropCurrent abandons the current file, to be read again from after the
// records it has consumed.
func (st *stream) dropCurrent() {
	f := st.cur
	if f == nil {
		return
	}
	f.close()
	st.cur = nil
	st.queue = append([]pending{{object: f.object, skip: f.rr.n}}, st.queue...)
}

// unselected is the reason change gives for a record of a table the
// selector does not select: skipped, but not malformed.
const unselected = "unselected"

// operation reads a CDC record's operation, in any case.
func operation(s string) (dms.Operation, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "INSERT", "I":
		return dms.OpInsert, true
	case "UPDATE", "U":
		return dms.OpUpdate, true
	case "DELETE", "D":
		return dms.OpDelete, true
	}
	return "", false
}

// change reads a CDC record: operation, table, schema, then one value per
// column. reason says why there is no change.
func (st *stream) change(rec record) (c dms.Change, reason string) {
	if rec.bad != "" {
		return c, rec.bad
	}
	fs := rec.fields
	if len(fs) < 3 {
		return c, fmt.Sprintf("%d fields, want operation, table, schema and values", len(fs))
	}
	op, ok := operation(fs[0].text)
	if !ok {
		return c, fmt.Sprintf("unknown operation %q", fs[0].text)
	}
	id := dms.TableID{Schema: fs[2].text, Table: fs[1].text}
	t := st.src.byID[id]
	if t == nil {
		return c, fmt.Sprintf("unknown table %s", id)
	}
	if !st.sel.Selected(id.Schema, id.Table) {
		return c, unselected
	}
	row, err := t.row(fs[3:], &st.src.format)
	if err != nil {
		return c, err.Error()
	}
	return dms.Change{Op: op, Table: t.def, Data: row}, ""
}

// Close stops the stream; a Next in progress returns.
func (st *stream) Close() error {
	st.cancel()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cur != nil {
		st.cur.close()
		st.cur = nil
	}
	return nil
}
