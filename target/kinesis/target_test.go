package kinesis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
)

// fastRetry keeps retry tests quick.
var fastRetry = Retry{MaxAttempts: 50, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

func kinesisClient(t *testing.T) *kinesis.Client {
	t.Helper()
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(dmstest.KinesisEndpoint(t)),
	})
}

// createStream creates a uniquely named stream on the test environment's
// Kinesis, waits until it is ACTIVE and deletes it when the test ends. It
// returns the stream's ARN.
func createStream(t *testing.T, kc *kinesis.Client, shards int32) string {
	t.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "minidms-" + strings.NewReplacer("/", "-", " ", "-", "=", "-").Replace(t.Name())
	name = name[:min(len(name), 100)] + "-" + hex.EncodeToString(suffix)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(shards)})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name})
	})
	for {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stream %s not ACTIVE in time (last error %v)", name, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + name
}

// readStream reads every shard of the stream from the start until it has
// want records (or fails after a deadline), and returns them by shard, in
// shard order.
func readStream(t *testing.T, kc *kinesis.Client, arn string, want int) [][]ktypes.Record {
	t.Helper()
	name, err := StreamName(arn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	require.NoError(t, err)
	iters := make([]*string, len(shards.Shards))
	for i, sh := range shards.Shards {
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
		require.NoError(t, err)
		iters[i] = it.ShardIterator
	}
	out := make([][]ktypes.Record, len(iters))
	for {
		total := 0
		for i := range iters {
			if iters[i] == nil {
				continue
			}
			res, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iters[i], Limit: aws.Int32(10000)})
			require.NoError(t, err)
			out[i] = append(out[i], res.Records...)
			iters[i] = res.NextShardIterator
		}
		for _, recs := range out {
			total += len(recs)
		}
		if total >= want {
			return out
		}
		select {
		case <-ctx.Done():
			t.Fatalf("read %d of %d records", total, want)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func flatten(shards [][]ktypes.Record) []ktypes.Record {
	var all []ktypes.Record
	for _, s := range shards {
		all = append(all, s...)
	}
	return all
}

func fixedClock() time.Time { return clock }

func TestWriteToKinesis(t *testing.T) {
	kc := kinesisClient(t)
	arn := createStream(t, kc, 1)
	s := settings("unformatted", "tx", "pv", "schema")
	s.StreamArn = &arn
	target, err := New(Config{Client: kc, Settings: s, Now: fixedClock})
	require.NoError(t, err)
	require.Equal(t, arn[strings.LastIndex(arn, "/")+1:], target.Stream())

	task := dms.TaskInfo{ID: taskID, Settings: mapping.DefaultTaskSettings()}
	insert := func(id int64, txn uint64, rec int) dms.Change {
		return dms.Change{Op: dms.OpInsert, Table: demo, Data: dms.Row{id, "n", nil}, TransactionID: txn, TransactionRecord: rec,
			CommitTime: time.Date(2024, 7, 29, 1, 0, 0, 0, time.UTC), Position: dms.Position(fmt.Sprintf("pos-%d-%d", txn, rec))}
	}
	ctx := t.Context()
	require.NoError(t, target.Write(ctx, task, []dms.Change{
		{Op: dms.OpCreateTable, Table: dms.ApplyExceptionsTable()},
		{Op: dms.OpCreateTable, Table: demo},
		{Op: dms.OpAddColumn, Table: demoV2}, // left out: IncludeTableAlterOperations is off
		insert(1, 100, 1),
		insert(2, 100, 2),
	}))
	// The transaction state carries over to the next Write of the task...
	require.NoError(t, target.Write(ctx, task, []dms.Change{insert(3, 101, 1)}))
	// ...but not to another task, and not past a restart.
	require.NoError(t, target.Write(ctx, dms.TaskInfo{ID: "OTHERTASK"}, []dms.Change{insert(4, 102, 1)}))
	target.ResetTask(taskID)
	require.NoError(t, target.Write(ctx, task, []dms.Change{insert(5, 103, 1), {Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(6), "", "t"}}}))
	require.NoError(t, target.Write(ctx, task, []dms.Change{
		{Op: dms.OpCreateTable, Table: dms.ApplyExceptionsTable()}, // a fresh CDC start
		insert(7, 104, 1),
	}))

	type rec struct{ key, data string }
	want := []rec{
		{"DZ6OKLFYA5BWVG4RYROQUHXU4E..awsdms_apply_exceptions", `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"","table-name":"awsdms_apply_exceptions"}}` + "\n"},
		{"DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo", `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"public","table-name":"demo"}}` + "\n"},
		{"public.demo", `{"data":{"id":1,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":100,"transaction-record-id":1,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-100-1"}}` + "\n"},
		{"public.demo", `{"data":{"id":2,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":100,"transaction-record-id":2,"prev-transaction-id":100,"prev-transaction-record-id":1,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-100-2"}}` + "\n"},
		{"public.demo", `{"data":{"id":3,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":101,"transaction-record-id":1,"prev-transaction-id":100,"prev-transaction-record-id":2,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-101-1"}}` + "\n"},
		{"public.demo", `{"data":{"id":4,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":102,"transaction-record-id":1,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-102-1"}}` + "\n"},
		{"public.demo", `{"data":{"id":5,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":103,"transaction-record-id":1,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-103-1"}}` + "\n"},
		{"public.demo.6", `{"data":{"id":6,"tags":"t"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"public.demo.6","schema-name":"public","table-name":"demo"}}` + "\n"},
		{"DZ6OKLFYA5BWVG4RYROQUHXU4E..awsdms_apply_exceptions", `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"","table-name":"awsdms_apply_exceptions"}}` + "\n"},
		{"public.demo", `{"data":{"id":7,"name":"n"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"demo","transaction-id":104,"transaction-record-id":1,"commit-timestamp":"2024-07-29T01:00:00.000000Z","stream-position":"pos-104-1"}}` + "\n"},
	}
	var got []rec
	for _, r := range flatten(readStream(t, kc, arn, len(want))) {
		got = append(got, rec{aws.ToString(r.PartitionKey), string(r.Data)})
	}
	require.Equal(t, want, got)
}

// The default (json) format arrives as written, tabs and all.
func TestWriteFormattedToKinesis(t *testing.T) {
	kc := kinesisClient(t)
	arn := createStream(t, kc, 1)
	target, err := New(Config{Client: kc, Settings: types.KinesisSettings{StreamArn: &arn}, Now: fixedClock})
	require.NoError(t, err)
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: taskID}, []dms.Change{
		{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(393), "Jane 😀", nil}},
	}))
	recs := flatten(readStream(t, kc, arn, 1))
	require.Len(t, recs, 1)
	require.Equal(t, "393", aws.ToString(recs[0].PartitionKey))
	require.Equal(t, `{
	"data":	{
		"id":	393,
		"name":	"Jane 😀"
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"load",
		"partition-key-type":	"primary-key",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`, string(recs[0].Data))
}

func TestWriteStreamNotFound(t *testing.T) {
	kc := kinesisClient(t)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/minidms-no-such-stream"
	target, err := New(Config{Client: kc, Settings: types.KinesisSettings{StreamArn: &arn}, Retry: fastRetry})
	require.NoError(t, err)
	err = target.Write(t.Context(), dms.TaskInfo{ID: taskID}, []dms.Change{{Op: dms.OpCreateTable, Table: demo}})
	require.Error(t, err)
	var notFound *ktypes.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	require.Contains(t, err.Error(), "kinesis target: PutRecords to stream minidms-no-such-stream ("+arn+")")
}

// changeID identifies a test change by its table and "id" value.
func changeID(c dms.Change) string { return fmt.Sprintf("%s#%d", c.Table.Table, c.Data[0]) }

// recordID identifies a record written from a test change.
func recordID(t *testing.T, data []byte) string {
	t.Helper()
	var r struct {
		Data     struct{ ID int64 }
		Metadata struct {
			Table string `json:"table-name"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &r), "%s", data)
	return fmt.Sprintf("%s#%d", r.Metadata.Table, r.Data.ID)
}

func idTable(name string) *dms.TableDef {
	return &dms.TableDef{Schema: "s", Table: name, Columns: []dms.Column{{Name: "id", Type: dms.TypeInt8}, {Name: "pad", Type: dms.TypeString}}, PrimaryKey: []string{"id"}}
}

// mixedChanges returns n changes: CDC inserts into three tables (one
// partition key each) interleaved with full-load rows (a key each).
func mixedChanges(n int) []dms.Change {
	tables := []*dms.TableDef{idTable("t1"), idTable("t2"), idTable("t3"), idTable("loaded")}
	out := make([]dms.Change, n)
	for i := range out {
		def := tables[i%len(tables)]
		op := dms.OpInsert
		if def.Table == "loaded" {
			op = dms.OpLoad
		}
		out[i] = dms.Change{Op: op, Table: def, Data: dms.Row{int64(i), "x"}, TransactionID: uint64(i), TransactionRecord: 1}
	}
	return out
}

// wantByKey groups changes by the partition key they are written with.
func wantByKey(changes []dms.Change) map[string][]string {
	want := map[string][]string{}
	for _, c := range changes {
		key := "s." + c.Table.Table
		if c.Op == dms.OpLoad {
			key = fmt.Sprint(c.Data[0])
		}
		want[key] = append(want[key], changeID(c))
	}
	return want
}

func gotByKey(t *testing.T, shards [][]ktypes.Record) map[string][]string {
	got := map[string][]string{}
	for _, recs := range shards {
		for _, r := range recs {
			key := aws.ToString(r.PartitionKey)
			got[key] = append(got[key], recordID(t, r.Data))
		}
	}
	return got
}

// faultyClient wraps the real client and injects the failures Kinesis
// reports: whole calls refused (throttling, limits, KMS throttling, 5xx)
// and records refused with ProvisionedThroughputExceededException. A
// throttled shard refuses the rest of its records in the call, so records
// of a key fail from some point on (a suffix) unless holes is set, which
// fails single records in the middle of their key.
type faultyClient struct {
	inner PutRecordsAPI
	holes bool

	mu             sync.Mutex
	calls          int
	callsRefused   int
	recordsRefused int
	requests       []int // records per request that reached the server
	requestBytes   []int
}

func (f *faultyClient) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()

	switch call % 7 {
	case 1:
		return f.refuse(&ktypes.ProvisionedThroughputExceededException{Message: aws.String("Rate exceeded for stream")})
	case 3:
		return f.refuse(&ktypes.LimitExceededException{Message: aws.String("limit")})
	case 4:
		return f.refuse(&ktypes.KMSThrottlingException{Message: aws.String("kms")})
	case 6:
		return f.refuse(&smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusServiceUnavailable}}, Err: errors.New("service unavailable")})
	}

	// Refuse records: every other key from its n-th record in this call on,
	// with n varying by call.
	fail := make([]bool, len(in.Records))
	seen := map[string]int{}
	keyIndex := map[string]int{}
	for i, r := range in.Records {
		k := aws.ToString(r.PartitionKey)
		if _, ok := keyIndex[k]; !ok {
			keyIndex[k] = len(keyIndex)
		}
		n := seen[k]
		seen[k]++
		if (keyIndex[k]+call)%2 == 0 {
			if f.holes {
				fail[i] = n == call%3 // one record in the middle
			} else {
				fail[i] = n >= call%3 // from the n-th on
			}
		}
	}
	pass := &kinesis.PutRecordsInput{StreamName: in.StreamName, StreamARN: in.StreamARN}
	for i, r := range in.Records {
		if !fail[i] {
			pass.Records = append(pass.Records, r)
		}
	}
	var inner *kinesis.PutRecordsOutput
	if len(pass.Records) > 0 {
		var err error
		inner, err = f.inner.PutRecords(ctx, pass, opts...)
		if err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, len(in.Records))
	bytes := 0
	for _, r := range in.Records {
		bytes += len(r.Data) + len(aws.ToString(r.PartitionKey))
	}
	f.requestBytes = append(f.requestBytes, bytes)
	f.mu.Unlock()

	out := &kinesis.PutRecordsOutput{}
	j := 0
	for i := range in.Records {
		if fail[i] {
			out.Records = append(out.Records, ktypes.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("Rate exceeded for shard")})
			out.FailedRecordCount = aws.Int32(aws.ToInt32(out.FailedRecordCount) + 1)
			f.mu.Lock()
			f.recordsRefused++
			f.mu.Unlock()
			continue
		}
		out.Records = append(out.Records, inner.Records[j])
		j++
	}
	return out, nil
}

func (f *faultyClient) refuse(err error) (*kinesis.PutRecordsOutput, error) {
	f.mu.Lock()
	f.callsRefused++
	f.mu.Unlock()
	return nil, err
}

// Throttled calls and refused records are retried: every record arrives
// exactly once, and in order per partition key.
func TestWriteRetriesKeepOrder(t *testing.T) {
	kc := kinesisClient(t)
	arn := createStream(t, kc, 2)
	faulty := &faultyClient{inner: kc}
	target, err := New(Config{Client: faulty, Settings: types.KinesisSettings{StreamArn: &arn, MessageFormat: types.MessageFormatValueJsonUnformatted}, Retry: fastRetry})
	require.NoError(t, err)

	changes := mixedChanges(1200)
	// Two tasks share the target, as tasks share an endpoint.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for task := range 2 {
		wg.Go(func() {
			part := changes[task*600 : (task+1)*600]
			for len(part) > 0 {
				n := min(len(part), 250)
				if err := target.Write(t.Context(), dms.TaskInfo{ID: fmt.Sprint("task", task)}, part[:n]); err != nil {
					errs[task] = err
					return
				}
				part = part[n:]
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	got := gotByKey(t, readStream(t, kc, arn, len(changes)))
	// Each task wrote its own half; per key, order across the two tasks is
	// theirs, so compare per task by checking each key's sequence is the
	// merge-free order of one half (keys s.t1..s.t3 are shared by both).
	want := wantByKey(changes)
	for key, ids := range want {
		require.ElementsMatch(t, ids, got[key], "key %s: every record exactly once", key)
		require.Equal(t, inTaskOrder(ids, 600), inTaskOrder(got[key], 600), "key %s: in order", key)
	}
	require.Len(t, got, len(want))
	require.Positive(t, faulty.callsRefused)
	require.Positive(t, faulty.recordsRefused)
	t.Logf("%d calls, %d refused, %d records refused", faulty.calls, faulty.callsRefused, faulty.recordsRefused)
}

// inTaskOrder splits ids "table#n" by task (n < half: task 0) keeping their
// order, for keys both tasks write to.
func inTaskOrder(ids []string, half int) [2][]string {
	var out [2][]string
	for _, id := range ids {
		var n int
		_, _ = fmt.Sscanf(id[strings.IndexByte(id, '#')+1:], "%d", &n)
		if n < half {
			out[0] = append(out[0], id)
		} else {
			out[1] = append(out[1], id)
		}
	}
	return out
}

// When a record fails but a later one of its key was written (a hole),
// the later one is written again after it: nothing is lost and the last
// copies are in order (at least once).
func TestWriteRetriesRepairHoles(t *testing.T) {
	kc := kinesisClient(t)
	arn := createStream(t, kc, 1)
	faulty := &faultyClient{inner: kc, holes: true}
	target, err := New(Config{Client: faulty, Settings: types.KinesisSettings{StreamArn: &arn, MessageFormat: types.MessageFormatValueJsonUnformatted}, Retry: fastRetry})
	require.NoError(t, err)

	changes := mixedChanges(400)
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: taskID}, changes))

	// Write has returned, so the stream holds every copy: one read of the
	// single shard returns them all.
	want := wantByKey(changes)
	got := gotByKey(t, readStream(t, kc, arn, len(changes)))
	dups := 0
	for key, ids := range want {
		require.Equal(t, ids, lastCopies(got[key]), "key %s", key)
		dups += len(got[key]) - len(ids)
	}
	require.Positive(t, dups, "the faults should have made holes")
	t.Logf("%d records, %d written twice", len(changes), dups)
}

// lastCopies keeps the last occurrence of each id, in stream order.
func lastCopies(ids []string) []string {
	last := map[string]int{}
	for i, id := range ids {
		last[id] = i
	}
	var out []string
	for i, id := range ids {
		if last[id] == i {
			out = append(out, id)
		}
	}
	return out
}

// Requests stay within 500 records and 5 MiB.
func TestWriteBatchLimits(t *testing.T) {
	kc := kinesisClient(t)
	arn := createStream(t, kc, 1)
	counter := &countingClient{inner: kc}
	target, err := New(Config{Client: counter, Settings: types.KinesisSettings{StreamArn: &arn, MessageFormat: types.MessageFormatValueJsonUnformatted}})
	require.NoError(t, err)

	big := strings.Repeat("x", 900<<10)
	var changes []dms.Change
	for i := range 1100 {
		pad := "x"
		if i < 12 {
			pad = big
		}
		changes = append(changes, dms.Change{Op: dms.OpLoad, Table: idTable("t"), Data: dms.Row{int64(i), pad}})
	}
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: taskID}, changes))
	// 12 records of 900 KiB: 5 per request (6 would pass 5 MiB); the last
	// two go with 498 small ones, then 500 and 90 small ones.
	require.Equal(t, []int{5, 5, 500, 500, 90}, counter.records)
	for _, b := range counter.bytes {
		require.LessOrEqual(t, b, 5<<20)
	}
	got := gotByKey(t, readStream(t, kc, arn, len(changes)))
	require.Len(t, got, len(changes))
}

type countingClient struct {
	inner   PutRecordsAPI
	mu      sync.Mutex
	records []int
	bytes   []int
}

func (c *countingClient) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	n := 0
	for _, r := range in.Records {
		n += len(r.Data) + len(aws.ToString(r.PartitionKey))
	}
	c.mu.Lock()
	c.records = append(c.records, len(in.Records))
	c.bytes = append(c.bytes, n)
	c.mu.Unlock()
	if c.inner == nil {
		return &kinesis.PutRecordsOutput{Records: make([]ktypes.PutRecordsResultEntry, len(in.Records))}, nil
	}
	return c.inner.PutRecords(ctx, in, opts...)
}

// scriptedClient answers PutRecords with fixed errors, without a server.
type scriptedClient struct {
	err        error  // for the whole call
	recordCode string // for every record
	calls      int
}

func (s *scriptedClient) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	out := &kinesis.PutRecordsOutput{FailedRecordCount: aws.Int32(int32(len(in.Records)))}
	for range in.Records {
		out.Records = append(out.Records, ktypes.PutRecordsResultEntry{ErrorCode: aws.String(s.recordCode), ErrorMessage: aws.String("refused")})
	}
	return out, nil
}

func TestWriteErrors(t *testing.T) {
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/errs"
	load := []dms.Change{{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(393), "Jane", nil}}}
	tests := []struct {
		name      string
		client    *scriptedClient
		changes   []dms.Change
		want      string
		wantCalls int
	}{
		{
			name:      "non-retryable record error",
			client:    &scriptedClient{recordCode: "KMSDisabledException"},
			changes:   load,
			want:      `kinesis target: PutRecords to stream errs: the load record of table public.demo with partition key "393" failed: KMSDisabledException: refused`,
			wantCalls: 1,
		},
		{
			name:      "records throttled for good",
			client:    &scriptedClient{recordCode: "ProvisionedThroughputExceededException"},
			changes:   load,
			want:      "kinesis target: PutRecords to stream errs: giving up after 3 attempts: 1 records failed: ProvisionedThroughputExceededException: refused",
			wantCalls: 3,
		},
		{
			name:      "calls throttled for good",
			client:    &scriptedClient{err: &ktypes.LimitExceededException{Message: aws.String("slow down")}},
			changes:   load,
			want:      "kinesis target: PutRecords to stream errs: giving up after 3 attempts: LimitExceededException: slow down",
			wantCalls: 3,
		},
		{
			name:      "non-retryable call error",
			client:    &scriptedClient{err: &ktypes.AccessDeniedException{Message: aws.String("no")}},
			changes:   load,
			want:      "kinesis target: PutRecords to stream errs (" + arn + "): AccessDeniedException: no",
			wantCalls: 1,
		},
		{
			name:   "record over 1 MiB",
			client: &scriptedClient{},
			changes: []dms.Change{
				{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(1), "small", nil}},
				{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(2), strings.Repeat("x", 1<<20), nil}},
			},
			want: `kinesis target: stream errs: the load record of table public.demo with partition key "2" is 1048820 bytes, over the Kinesis limit of 1048576 bytes (1 MiB)`,
		},
		{
			name:    "bad value",
			client:  &scriptedClient{},
			changes: []dms.Change{{Op: dms.OpLoad, Table: demo, Data: dms.Row{int32(1), "a", nil}}},
			want:    "kinesis target: stream errs: table public.demo: column id of type INT4: value of unexpected Go type int32",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := New(Config{Client: tt.client, Settings: types.KinesisSettings{StreamArn: &arn},
				Retry: Retry{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
			require.NoError(t, err)
			require.EqualError(t, target.Write(t.Context(), dms.TaskInfo{ID: taskID}, tt.changes), tt.want)
			require.Equal(t, tt.wantCalls, tt.client.calls)
		})
	}
}

func TestWriteCanceledWhileRetrying(t *testing.T) {
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/errs"
	client := &scriptedClient{err: &ktypes.ProvisionedThroughputExceededException{Message: aws.String("busy")}}
	target, err := New(Config{Client: client, Settings: types.KinesisSettings{StreamArn: &arn}, Retry: Retry{BaseDelay: time.Hour}})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = target.Write(ctx, dms.TaskInfo{ID: taskID}, []dms.Change{{Op: dms.OpCreateTable, Table: demo}})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 10*time.Second)
}

func TestNew(t *testing.T) {
	client := &scriptedClient{}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no client", Config{Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s")}}, "kinesis target: no Kinesis client"},
		{"no stream", Config{Client: client}, "kinesis target: KinesisSettings.StreamArn is required"},
		{"not an ARN", Config{Client: client, Settings: types.KinesisSettings{StreamArn: aws.String("mystream")}}, `kinesis target: StreamArn "mystream" is not a Kinesis stream ARN`},
		{"not a stream", Config{Client: client, Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:consumer/s")}}, `kinesis target: StreamArn "arn:aws:kinesis:us-east-1:000000000000:consumer/s" is not a Kinesis stream ARN (want arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)`},
		{"other service", Config{Client: client, Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws:sqs:us-east-1:000000000000:stream/s")}}, `kinesis target: StreamArn "arn:aws:sqs:us-east-1:000000000000:stream/s" is not a Kinesis stream ARN`},
		{"bad format", Config{Client: client, Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s"), MessageFormat: "xml"}}, `kinesis target: unknown MessageFormat "xml" (want "json" or "json-unformatted")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.EqualError(t, err, tt.want)
		})
	}
	target, err := New(Config{Client: client, Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws-cn:kinesis:cn-north-1:000000000000:stream/my.stream_1")}})
	require.NoError(t, err)
	require.Equal(t, "my.stream_1", target.Stream())
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: taskID}, nil))
	require.Zero(t, client.calls)
}
