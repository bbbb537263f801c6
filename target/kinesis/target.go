package kinesis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/minidms/minidms/dms"
)

// PutRecordsAPI is the part of the Kinesis client the target uses;
// *kinesis.Client implements it.
type PutRecordsAPI interface {
	PutRecords(ctx context.Context, params *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// Retry bounds how the target retries throttled and failed writes. Zero
// fields take the defaults.
type Retry struct {
	// MaxAttempts is how many PutRecords calls in a row may fail to write
	// anything before Write gives up (default 20).
	MaxAttempts int
	// BaseDelay is the backoff after the first failure, doubled after each
	// further one (default 100ms); MaxDelay caps it (default 5s). Each wait
	// is drawn at random between half the backoff and the full backoff.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 20
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 100 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 5 * time.Second
	}
	if r.MaxDelay < r.BaseDelay {
		r.MaxDelay = r.BaseDelay
	}
	return r
}

// Config configures a Target.
type Config struct {
	// Client sends PutRecords; usually a *kinesis.Client.
	Client PutRecordsAPI
	// Settings are the target endpoint's KinesisSettings as the DMS API
	// carries them. StreamArn is required.
	Settings types.KinesisSettings
	// Logger receives retries and warnings; nil is silent.
	Logger *slog.Logger
	// Now is the clock of metadata.timestamp; nil is time.Now.
	Now func() time.Time
	// Retry bounds retries; the zero value takes the defaults.
	Retry Retry
}

// Target is a dms.Target writing AWS DMS records to a Kinesis data stream.
// It is safe for concurrent use by several tasks.
type Target struct {
	client    PutRecordsAPI
	settings  types.KinesisSettings
	streamARN string
	stream    string
	log       *slog.Logger
	now       func() time.Time
	retry     Retry

	encoders sync.Pool // *Encoder
	batches  sync.Pool // *batch

	mu sync.Mutex
	tx map[string]TxState // by task id
}

var _ dms.Target = (*Target)(nil)

// New validates cfg and returns a target.
func New(cfg Config) (*Target, error) {
	if cfg.Client == nil {
		return nil, errors.New("kinesis target: no Kinesis client")
	}
	if cfg.Settings.StreamArn == nil || *cfg.Settings.StreamArn == "" {
		return nil, errors.New("kinesis target: KinesisSettings.StreamArn is required")
	}
	arn := *cfg.Settings.StreamArn
	name, err := StreamName(arn)
	if err != nil {
		return nil, fmt.Errorf("kinesis target: %w", err)
	}
	switch cfg.Settings.MessageFormat {
	case "", types.MessageFormatValueJson, types.MessageFormatValueJsonUnformatted:
	default:
		return nil, fmt.Errorf("kinesis target: unknown MessageFormat %q (want %q or %q)",
			cfg.Settings.MessageFormat, types.MessageFormatValueJson, types.MessageFormatValueJsonUnformatted)
	}
	t := &Target{
		client:    cfg.Client,
		settings:  cfg.Settings,
		streamARN: arn,
		stream:    name,
		log:       cfg.Logger,
		now:       cfg.Now,
		retry:     cfg.Retry.withDefaults(),
		tx:        map[string]TxState{},
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	t.log = t.log.With("stream", name)
	if t.now == nil {
		t.now = time.Now
	}
	t.encoders.New = func() any { return NewEncoder(t.settings) }
	t.batches.New = func() any { return new(batch) }
	return t, nil
}

// StreamName returns the stream name of a Kinesis stream ARN
// (arn:aws:kinesis:us-east-1:000000000000:stream/NAME).
func StreamName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" {
		return "", fmt.Errorf("StreamArn %q is not a Kinesis stream ARN", arn)
	}
	name, ok := strings.CutPrefix(parts[5], "stream/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("StreamArn %q is not a Kinesis stream ARN (want arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)", arn)
	}
	return name, nil
}

// Stream returns the name of the target stream.
func (t *Target) Stream() string { return t.stream }

// ResetTask forgets what the target knows of a task's transactions, so its
// next CDC record carries no prev-transaction-id, as after a (re)start. A
// create-table record of awsdms_apply_exceptions, which a task writes when
// it starts CDC afresh, does the same.
func (t *Target) ResetTask(taskID string) {
	t.mu.Lock()
	delete(t.tx, taskID)
	t.mu.Unlock()
}

// record is one encoded record of a batch.
type record struct {
	start, end int  // in batch.data
	change     int  // index in the changes written
	failed     bool // failed at least once and not written since
	written    bool
}

// batch is the pooled working memory of one Write.
type batch struct {
	data    []byte
	recs    []record
	keys    []string // partition keys, by record
	pending []int    // records not yet written, in order
	req     []int    // records of the current request
	entries []ktypes.PutRecordsRequestEntry
}

// maxPooledBytes keeps exceptionally large buffers out of the pool.
const maxPooledBytes = 8 << 20

func (t *Target) putBatch(b *batch) {
	if cap(b.data) > maxPooledBytes {
		return
	}
	clear(b.entries[:cap(b.entries)]) // drop references to data and keys
	clear(b.keys[:cap(b.keys)])
	b.data, b.recs, b.keys, b.pending, b.req, b.entries = b.data[:0], b.recs[:0], b.keys[:0], b.pending[:0], b.req[:0], b.entries[:0]
	t.batches.Put(b)
}

func isApplyExceptions(def *dms.TableDef) bool {
	return def != nil && def.Schema == "" && def.Table == "awsdms_apply_exceptions"
}

// Write implements dms.Target: it encodes changes and writes them to the
// stream, in order, returning once Kinesis holds them all.
func (t *Target) Write(ctx context.Context, task dms.TaskInfo, changes []dms.Change) error {
	if len(changes) == 0 {
		return ctx.Err()
	}
	b := t.batches.Get().(*batch)
	defer t.putBatch(b)
	enc := t.encoders.Get().(*Encoder)
	t.mu.Lock()
	tx := t.tx[task.ID]
	t.mu.Unlock()

	for i := range changes {
		c := &changes[i]
		if c.Op == dms.OpCreateTable && isApplyExceptions(c.Table) {
			tx = TxState{}
		}
		start := len(b.data)
		var key string
		var ok bool
		var err error
		b.data, key, ok, err = enc.Encode(b.data, task, c, &tx, t.now())
		if err != nil {
			t.encoders.Put(enc)
			return fmt.Errorf("kinesis target: stream %s: %w", t.stream, err)
		}
		if !ok {
			continue
		}
		if size := len(b.data) - start + len(key); size > maxRecordBytes {
			t.encoders.Put(enc)
			return fmt.Errorf("kinesis target: stream %s: the %s record of table %s with partition key %q is %d bytes, over the Kinesis limit of %d bytes (1 MiB)",
				t.stream, c.Op, c.Table.ID(), key, size, maxRecordBytes)
		}
		b.recs = append(b.recs, record{start: start, end: len(b.data), change: i})
		b.keys = append(b.keys, key)
	}
	t.encoders.Put(enc)

	if err := t.send(ctx, b, task, changes); err != nil {
		return err
	}
	t.mu.Lock()
	t.tx[task.ID] = tx
	t.mu.Unlock()
	return nil
}

func (b *batch) size(i int) int { return b.recs[i].end - b.recs[i].start + len(b.keys[i]) }

// send writes the batch's records, retrying what fails.
//
// Requests hold consecutive pending records up to the PutRecords limits.
// When records fail (throttling), the records of each partition key that
// failed are retried in order; while any retried record is still pending,
// requests hold at most one record per partition key ("strict" requests),
// so a later record can never overtake an earlier one of its key. Should a
// response report a failed record followed by a written record of the same
// key (a "hole"), the written one is sent again after the failed one: its
// key then sees it twice, in order at the end (at least once).
func (t *Target) send(ctx context.Context, b *batch, task dms.TaskInfo, changes []dms.Change) error {
	for i := range b.recs {
		b.pending = append(b.pending, i)
	}
	retrying := 0 // pending records that failed at least once
	failures := 0 // calls in a row that wrote nothing
	var used map[string]struct{}
	for len(b.pending) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kinesis target: stream %s: %w", t.stream, err)
		}
		strict := retrying > 0
		if strict && used == nil {
			used = map[string]struct{}{}
		}
		clear(used)
		b.req, b.entries = b.req[:0], b.entries[:0]
		bytes := 0
		for _, i := range b.pending {
			if len(b.req) == maxRequestRecords || bytes+b.size(i) > maxRequestBytes {
				break
			}
			if strict {
				if _, dup := used[b.keys[i]]; dup {
					continue
				}
				used[b.keys[i]] = struct{}{}
			}
			bytes += b.size(i)
			b.req = append(b.req, i)
			b.entries = append(b.entries, ktypes.PutRecordsRequestEntry{
				Data:         b.data[b.recs[i].start:b.recs[i].end],
				PartitionKey: &b.keys[i],
			})
		}

		out, err := t.client.PutRecords(ctx, &kinesis.PutRecordsInput{
			StreamName: &t.stream,
			Records:    b.entries,
		})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("kinesis target: stream %s: %w", t.stream, ctx.Err())
			}
			if !retryable(err) {
				return fmt.Errorf("kinesis target: PutRecords to stream %s (%s): %w", t.stream, t.streamARN, err)
			}
			failures++
			if failures >= t.retry.MaxAttempts {
				return fmt.Errorf("kinesis target: PutRecords to stream %s: giving up after %d attempts: %w", t.stream, failures, err)
			}
			t.log.Warn("PutRecords failed, retrying", "task", task.ID, "records", len(b.req), "attempt", failures, "err", err)
			if err := t.sleep(ctx, failures); err != nil {
				return err
			}
			continue
		}
		if len(out.Records) != len(b.req) {
			return fmt.Errorf("kinesis target: PutRecords to stream %s: %d results for %d records", t.stream, len(out.Records), len(b.req))
		}

		failed, written, resent := 0, 0, 0
		var failedKeys map[string]struct{}
		var firstErr string
		for n, i := range b.req {
			res := &out.Records[n]
			key := b.keys[i]
			if res.ErrorCode != nil && *res.ErrorCode != "" {
				code, msg := *res.ErrorCode, deref(res.ErrorMessage)
				if !retryableCode(code) {
					c := &changes[b.recs[i].change]
					return fmt.Errorf("kinesis target: PutRecords to stream %s: the %s record of table %s with partition key %q failed: %s: %s",
						t.stream, c.Op, c.Table.ID(), key, code, msg)
				}
				if firstErr == "" {
					firstErr = code + ": " + msg
				}
				if failedKeys == nil {
					failedKeys = map[string]struct{}{}
				}
				failedKeys[key] = struct{}{}
				if !b.recs[i].failed {
					b.recs[i].failed = true
					retrying++
				}
				failed++
				continue
			}
			if _, hole := failedKeys[key]; hole {
				// Written after an earlier record of its key failed: send it
				// again once that one is through.
				if !b.recs[i].failed {
					b.recs[i].failed = true
					retrying++
				}
				resent++
				continue
			}
			if b.recs[i].failed {
				b.recs[i].failed = false
				retrying--
			}
			b.recs[i].written = true
			written++
		}
		keep := b.pending[:0]
		for _, i := range b.pending {
			if !b.recs[i].written {
				keep = append(keep, i)
			}
		}
		b.pending = keep
		if failed == 0 {
			failures = 0
			continue
		}
		if resent > 0 {
			t.log.Warn("records were written after an earlier record of their partition key failed; sending them again (at least once)",
				"task", task.ID, "records", resent)
		}
		if written > 0 {
			failures = 0
		} else {
			failures++
			if failures >= t.retry.MaxAttempts {
				return fmt.Errorf("kinesis target: PutRecords to stream %s: giving up after %d attempts: %d records failed: %s", t.stream, failures, failed, firstErr)
			}
		}
		t.log.Warn("PutRecords: records failed, retrying", "task", task.ID, "failed", failed, "written", written, "first_error", firstErr)
		if err := t.sleep(ctx, max(failures, 1)); err != nil {
			return err
		}
	}
	return nil
}

// sleep waits the backoff of the given attempt (1-based) or until ctx ends.
func (t *Target) sleep(ctx context.Context, attempt int) error {
	d := t.retry.BaseDelay
	for i := 1; i < attempt && d < t.retry.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, t.retry.MaxDelay)
	d = d/2 + rand.N(d/2+1)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("kinesis target: stream %s: %w", t.stream, ctx.Err())
	case <-timer.C:
		return nil
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// retryableCode reports whether a per-record error code is transient.
func retryableCode(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "InternalFailure", "KMSThrottlingException":
		return true
	}
	return false
}

// retryable reports whether a failed PutRecords call may succeed when
// repeated: throttling, server errors and transport errors are; client
// errors (the stream does not exist, access denied, invalid request, KMS
// key unusable) are not.
func retryable(err error) bool {
	var invalid smithy.InvalidParamsError
	if errors.As(err, &invalid) {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "LimitExceededException", "KMSThrottlingException",
			"ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
			"InternalFailure", "InternalFailureException", "InternalServerError", "ServiceUnavailable",
			"ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException":
			return true
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		// 0: the SDK wraps a failed send (connection refused, reset) as a
		// response error without a response.
		code := status.HTTPStatusCode()
		return code == 0 || code >= 500 || code == 429
	}
	// No API error and no HTTP response: the request did not get through
	// (or its answer was lost).
	return ae == nil
}
