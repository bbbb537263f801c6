package fakekinesis_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/stretchr/testify/require"
)

func entries(n int, prefix string) []types.PutRecordsRequestEntry {
	e := make([]types.PutRecordsRequestEntry, n)
	for i := range e {
		e[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(prefix, i)), Data: fmt.Appendf(nil, "%s%d", prefix, i)}
	}
	return e
}

func TestRecords(t *testing.T) {
	clk := newClock()
	srv, c := newServer(t, fakekinesis.WithClock(clk.Now))
	require.Nil(t, srv.Records("missing"))
	createStream(t, c, "s", 2)
	require.Empty(t, srv.Records("s"))
	require.NotNil(t, srv.Records("s"))

	out, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(10, "r")})
	require.NoError(t, err)
	recs := srv.Records("s")
	require.Len(t, recs, 10)
	// Shard by shard, each in sequence order.
	for i := 1; i < len(recs); i++ {
		prev, cur := recs[i-1], recs[i]
		require.True(t, prev.ShardID < cur.ShardID || prev.ShardID == cur.ShardID && prev.SequenceNumber < cur.SequenceNumber)
	}
	bySeq := map[string]fakekinesis.Record{}
	for _, r := range recs {
		require.Equal(t, "s", r.StreamName)
		require.Equal(t, clk.Now(), r.ApproximateArrivalTimestamp)
		bySeq[r.SequenceNumber] = r
	}
	for i, res := range out.Records {
		r := bySeq[*res.SequenceNumber]
		require.Equal(t, *res.ShardId, r.ShardID)
		require.Equal(t, fmt.Sprint("r", i), r.PartitionKey)
		require.Equal(t, fmt.Sprint("r", i), string(r.Data))
	}
	recs[0].Data[0] = 'X' // a copy
	require.NotEqual(t, byte('X'), srv.Records("s")[0].Data[0])
	require.Equal(t, []string{"s"}, srv.StreamNames())
}

func TestThrottleNext(t *testing.T) {
	srv, c := newServer(t)
	createStream(t, c, "s", 1)
	ctx := t.Context()
	srv.ThrottleNext(2)

	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	var throttled *types.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &throttled)
	require.Contains(t, throttled.ErrorMessage(), "Rate exceeded")

	// Invalid input is reported as such and does not use up a throttle.
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{}})
	var validation *types.ValidationException
	require.ErrorAs(t, err, &validation)

	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(3, "a")})
	require.ErrorAs(t, err, &throttled)
	require.Empty(t, srv.Records("s"), "a throttled call stores nothing")

	// Reads are never throttled, and the third put goes through.
	_, err = c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s")})
	require.NoError(t, err)
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	require.NoError(t, err)

	srv.ThrottleNext(5)
	srv.ThrottleNext(0) // cancels
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	require.NoError(t, err)
}

// TestThrottleNextRetried shows the SDK's standard retryer absorbing
// throttles: ProvisionedThroughputExceededException is a retryable
// throttling error, each attempt uses up one of ThrottleNext's n.
func TestThrottleNextRetried(t *testing.T) {
	srv, _ := newServer(t)
	hsURL := serverURL(t, srv)
	noWait := retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	c := newClient(hsURL, func(o *kinesis.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = noWait
		})
	})
	createStream(t, c, "s", 1)

	srv.ThrottleNext(2)
	out, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(2, "k")})
	require.NoError(t, err, "third attempt succeeds")
	require.Equal(t, int32(0), *out.FailedRecordCount)
	require.Len(t, srv.Records("s"), 2)

	srv.ThrottleNext(3)
	_, err = c.PutRecord(t.Context(), &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	var throttled *types.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &throttled, "all three attempts throttled")
	var maxAttempts *retry.MaxAttemptsError
	require.ErrorAs(t, err, &maxAttempts)
}

func TestFailRecords(t *testing.T) {
	srv, c := newServer(t)
	createStream(t, c, "s", 1)
	ctx := t.Context()
	srv.FailRecords(4)

	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(3, "a")})
	require.NoError(t, err)
	require.Equal(t, int32(3), *out.FailedRecordCount)
	for _, r := range out.Records {
		require.Equal(t, "ProvisionedThroughputExceededException", aws.ToString(r.ErrorCode))
		require.Contains(t, aws.ToString(r.ErrorMessage), "Rate exceeded for shard shardId-")
		require.Nil(t, r.SequenceNumber)
		require.Nil(t, r.ShardId)
	}

	// PutRecord is not affected; the count carries over to the next PutRecords.
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("single")})
	require.NoError(t, err)
	// The one failure left takes the rest of its shard's records with it.
	out, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(3, "b")})
	require.NoError(t, err)
	require.Equal(t, int32(3), *out.FailedRecordCount)
	out, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(2, "c")})
	require.NoError(t, err)
	require.Equal(t, int32(0), *out.FailedRecordCount)

	// Failed records are not stored.
	var data []string
	for _, r := range srv.Records("s") {
		data = append(data, string(r.Data))
	}
	require.Equal(t, []string{"single", "c0", "c1"}, data)
}

func TestFailRecordsPerShard(t *testing.T) {
	srv, c := newServer(t)
	createStream(t, c, "s", 2)
	srv.FailRecords(1)
	// a0, a2 and a5 hash to shard 0, a1, a3 and a4 to shard 1: the first
	// record fails, and with it the later ones of shard 0.
	out, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(6, "a")})
	require.NoError(t, err)
	require.Equal(t, int32(3), *out.FailedRecordCount)
	var failed []int
	for i, r := range out.Records {
		if r.ErrorCode != nil {
			failed = append(failed, i)
		}
	}
	require.Equal(t, []int{0, 2, 5}, failed)
	var written []string
	for _, r := range srv.Records("s") {
		written = append(written, r.ShardID+" "+string(r.Data))
	}
	require.Equal(t, []string{"shardId-000000000001 a1", "shardId-000000000001 a3", "shardId-000000000001 a4"}, written)
}

func serverURL(t *testing.T, srv *fakekinesis.Server) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}
