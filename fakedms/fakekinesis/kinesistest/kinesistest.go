// Package kinesistest is a client-side conformance suite for Kinesis Data
// Streams servers: it drives a server through the real aws-sdk-go-v2 kinesis
// client and checks what the client sees.
//
// The suite passes against fakekinesis and against kinesalite 3.3.3, so
// that the fake is held to what a third-party implementation does. It
// therefore sticks to what both implement: it addresses streams by name
// (kinesalite rejects StreamARN-only requests), waits for ACTIVE with a
// deadline (a stream may be CREATING for a while), gives every stream a
// unique name and deletes it at cleanup (the server may be shared), keeps
// shard counts small (kinesalite's default account limit is 10 shards; the
// project's test environment raises it to 100), and never asks for an
// AT_TIMESTAMP iterator past the last record (kinesalite then never
// answers).
//
// Usage:
//
//	func TestConformance(t *testing.T) {
//		kinesistest.Run(t, func(t *testing.T) *kinesis.Client { return newClient(t) })
//	}
package kinesistest

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms/internal/sdkhttp"
)

// Timeout bounds each subtest.
const Timeout = 30 * time.Second

// Run runs the suite as parallel subtests of t. newClient is called once per
// subtest (see [NewClient]); its client may retry as it likes: calls that
// expect a retryable error (throttling, limits) switch those retries off
// themselves.
func Run(t *testing.T, newClient func(t *testing.T) *kinesis.Client) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c *kinesis.Client)
	}{
		{"CreateAndDescribe", testCreateAndDescribe},
		{"CreateExisting", testCreateExisting},
		{"StreamNotFound", testStreamNotFound},
		{"ListStreamsPagination", testListStreamsPagination},
		{"ListShards", testListShards},
		{"PutRecordGetRecords", testPutRecordGetRecords},
		{"SequenceNumbersIncrease", testSequenceNumbersIncrease},
		{"HashKeyRouting", testHashKeyRouting},
		{"PutRecordsBatch", testPutRecordsBatch},
		{"IteratorTypes", testIteratorTypes},
		{"GetRecordsLimitAndChaining", testGetRecordsLimitAndChaining},
		{"InvalidRequests", testInvalidRequests},
		{"DeleteStreamWaiters", testDeleteStreamWaiters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newClient(t))
		})
	}
}

// NewClient returns a Kinesis client for a local endpoint: region
// us-east-1, static credentials, BaseEndpoint endpoint and the HTTP client
// of [HTTPClient]. optFns apply last.
func NewClient(endpoint string, optFns ...func(*kinesis.Options)) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   HTTPClient(nil),
	}, optFns...)
}

// HTTPClient wraps an SDK HTTP client (nil: the SDK's default) to avoid a
// race in aws-sdk-go-v2 that a fast local server triggers now and then; see
// sdkhttp.RaceFree.
func HTTPClient(base kinesis.HTTPClient) kinesis.HTTPClient {
	if base == nil {
		base = awshttp.NewBuildableClient()
	}
	return sdkhttp.RaceFree(base)
}

// RetryConnectionsOnly is a per-call option for calls that expect an error
// the SDK would retry (throttling, limits): API errors are not retried,
// broken connections are (at once, up to three attempts).
func RetryConnectionsOnly(o *kinesis.Options) {
	o.Retryer = ConnectionRetryer()
}

// ConnectionRetryer retries connection errors only, without delay.
func ConnectionRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{retry.NoRetryCanceledError{}, retry.RetryableConnectionError{}}
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// Ctx returns a context bounded by Timeout and cancelled at cleanup.
func Ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// UniqueName returns a stream name made of prefix, the test's name and a
// random suffix.
func UniqueName(t *testing.T, prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	base := regexp.MustCompile(`[^a-zA-Z0-9_.-]+`).ReplaceAllString(t.Name(), "-")
	if len(base) > 80 {
		base = base[len(base)-80:]
	}
	return prefix + base + "-" + hex.EncodeToString(b[:])
}

// CreateStream creates a stream with shards shards under a unique name,
// waits until it is ACTIVE and deletes it at cleanup. It returns the name.
func CreateStream(t *testing.T, c *kinesis.Client, shards int32) string {
	t.Helper()
	name := UniqueName(t, "kt-")
	ctx := Ctx(t)
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	require.NoError(t, err, "CreateStream %s", name)
	DeleteAtCleanup(t, c, name)
	WaitActive(t, c, name)
	return name
}

// DeleteAtCleanup deletes the stream when the test ends, unless it is gone
// already.
func DeleteAtCleanup(t *testing.T, c *kinesis.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)})
		if err != nil && !IsCode(err, "ResourceNotFoundException") && !IsCode(err, "ResourceInUseException") {
			t.Errorf("cleanup: DeleteStream %s: %v", name, err)
		}
	})
}

// WaitActive waits (with the SDK's StreamExists waiter) until the stream is
// ACTIVE.
func WaitActive(t *testing.T, c *kinesis.Client, name string) {
	t.Helper()
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	err := w.Wait(Ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, Timeout/2)
	require.NoError(t, err, "waiting for stream %s to be ACTIVE", name)
}

// IsCode reports whether err is an API error with the given code.
func IsCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// RequireCode fails unless err is an API error with the given code.
func RequireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err, "want %s", code)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae, "want API error %s", code)
	require.Equal(t, code, ae.ErrorCode(), "error: %v", err)
}

// Shards returns the stream's shards in ID order (via DescribeStream).
func Shards(t *testing.T, c *kinesis.Client, name string) []types.Shard {
	t.Helper()
	out, err := c.DescribeStream(Ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(name)})
	require.NoError(t, err)
	shards := out.StreamDescription.Shards
	slices.SortFunc(shards, func(a, b types.Shard) int { return strings.Compare(*a.ShardId, *b.ShardId) })
	return shards
}

// Iterator returns a shard iterator.
func Iterator(t *testing.T, c *kinesis.Client, in *kinesis.GetShardIteratorInput) string {
	t.Helper()
	out, err := c.GetShardIterator(Ctx(t), in)
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(out.ShardIterator))
	return *out.ShardIterator
}

// ReadAll reads from iterator until a GetRecords call returns no records,
// limit records per call (0: the server's default).
func ReadAll(t *testing.T, c *kinesis.Client, iterator string, limit int32) []types.Record {
	t.Helper()
	var all []types.Record
	for range 10000 {
		in := &kinesis.GetRecordsInput{ShardIterator: aws.String(iterator)}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		out, err := c.GetRecords(Ctx(t), in)
		require.NoError(t, err)
		require.NotNil(t, out.MillisBehindLatest, "MillisBehindLatest")
		require.NotNil(t, out.NextShardIterator, "NextShardIterator of an open shard")
		if limit > 0 {
			require.LessOrEqual(t, len(out.Records), int(limit))
		}
		if len(out.Records) == 0 {
			return all
		}
		all = append(all, out.Records...)
		iterator = *out.NextShardIterator
	}
	t.Fatal("ReadAll: too many GetRecords calls")
	return nil
}

// ReadShard reads a whole shard from TRIM_HORIZON.
func ReadShard(t *testing.T, c *kinesis.Client, name, shardID string) []types.Record {
	t.Helper()
	it := Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	return ReadAll(t, c, it, 0)
}

func seq(t *testing.T, s *string) *big.Int {
	t.Helper()
	require.NotNil(t, s)
	n, ok := new(big.Int).SetString(*s, 10)
	require.True(t, ok, "sequence number %q is not a decimal integer", *s)
	return n
}

func hashKey(t *testing.T, s *string) *big.Int {
	t.Helper()
	require.NotNil(t, s)
	n, ok := new(big.Int).SetString(*s, 10)
	require.True(t, ok, "hash key %q", *s)
	return n
}

var maxHashKey = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

func testCreateAndDescribe(t *testing.T, c *kinesis.Client) {
	before := time.Now().Add(-time.Minute)
	name := CreateStream(t, c, 3)
	ctx := Ctx(t)

	out, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)})
	require.NoError(t, err)
	d := out.StreamDescription
	require.Equal(t, name, aws.ToString(d.StreamName))
	require.Regexp(t, `^arn:aws:kinesis:[a-z0-9-]+:\d{12}:stream/`+regexp.QuoteMeta(name)+`$`, aws.ToString(d.StreamARN))
	require.Equal(t, types.StreamStatusActive, d.StreamStatus)
	require.False(t, aws.ToBool(d.HasMoreShards))
	require.Equal(t, int32(24), aws.ToInt32(d.RetentionPeriodHours))
	require.NotNil(t, d.StreamCreationTimestamp)
	require.True(t, d.StreamCreationTimestamp.After(before) && d.StreamCreationTimestamp.Before(time.Now().Add(time.Minute)),
		"StreamCreationTimestamp %v", d.StreamCreationTimestamp)
	require.Len(t, d.Shards, 3)

	// The shards split the hash key space [0, 2^128-1] without gaps.
	shards := Shards(t, c, name)
	next := big.NewInt(0)
	ids := map[string]bool{}
	for _, sh := range shards {
		require.Regexp(t, `^shardId-\d{12}$`, aws.ToString(sh.ShardId))
		require.False(t, ids[*sh.ShardId], "duplicate shard ID %s", *sh.ShardId)
		ids[*sh.ShardId] = true
		require.Equal(t, 0, next.Cmp(hashKey(t, sh.HashKeyRange.StartingHashKey)), "shard %s starts at %s", *sh.ShardId, *sh.HashKeyRange.StartingHashKey)
		end := hashKey(t, sh.HashKeyRange.EndingHashKey)
		next = new(big.Int).Add(end, big.NewInt(1))
		require.NotNil(t, sh.SequenceNumberRange)
		seq(t, sh.SequenceNumberRange.StartingSequenceNumber)
		require.Nil(t, sh.SequenceNumberRange.EndingSequenceNumber, "open shard")
	}
	require.Equal(t, 0, new(big.Int).Sub(next, big.NewInt(1)).Cmp(maxHashKey), "last shard ends at 2^128-1")

	sum, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	require.NoError(t, err)
	s := sum.StreamDescriptionSummary
	require.Equal(t, name, aws.ToString(s.StreamName))
	require.Equal(t, aws.ToString(d.StreamARN), aws.ToString(s.StreamARN))
	require.Equal(t, types.StreamStatusActive, s.StreamStatus)
	require.Equal(t, int32(3), aws.ToInt32(s.OpenShardCount))
	require.Equal(t, int32(24), aws.ToInt32(s.RetentionPeriodHours))
	require.Equal(t, types.EncryptionTypeNone, s.EncryptionType)
	require.Equal(t, d.StreamCreationTimestamp.Unix(), s.StreamCreationTimestamp.Unix())
}

func testCreateExisting(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 1)
	_, err := c.CreateStream(Ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}, RetryConnectionsOnly)
	RequireCode(t, err, "ResourceInUseException")
	var typed *types.ResourceInUseException
	require.ErrorAs(t, err, &typed)
	require.Contains(t, typed.ErrorMessage(), name)
}

func testStreamNotFound(t *testing.T, c *kinesis.Client) {
	name := aws.String(UniqueName(t, "kt-missing-"))
	ctx := Ctx(t)
	calls := []struct {
		op   string
		call func() error
	}{
		{"DescribeStream", func() error {
			_, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: name})
			return err
		}},
		{"DescribeStreamSummary", func() error {
			_, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: name})
			return err
		}},
		{"ListShards", func() error {
			_, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name})
			return err
		}},
		{"DeleteStream", func() error {
			_, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
			return err
		}},
		{"PutRecord", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")})
			return err
		}},
		{"PutRecords", func() error {
			_, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: name,
				Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}})
			return err
		}},
		{"GetShardIterator", func() error {
			_, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: name,
				ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			return err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.op, func(t *testing.T) {
			err := tc.call()
			RequireCode(t, err, "ResourceNotFoundException")
			var typed *types.ResourceNotFoundException
			require.ErrorAs(t, err, &typed)
		})
	}
}

func testListStreamsPagination(t *testing.T, c *kinesis.Client) {
	// Names sharing a unique prefix sort together; start listing just
	// before them so that other streams on a shared server do not matter.
	prefix := UniqueName(t, "kt-ls-") + "-"
	ctx := Ctx(t)
	var names []string
	for _, suffix := range []string{"a", "b", "c"} {
		name := prefix + suffix
		names = append(names, name)
		_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
		require.NoError(t, err)
		DeleteAtCleanup(t, c, name)
	}
	for _, name := range names {
		WaitActive(t, c, name)
	}
	page1, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(prefix), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, names[:2], page1.StreamNames)
	require.True(t, aws.ToBool(page1.HasMoreStreams))

	page2, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(names[1]), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.NotEmpty(t, page2.StreamNames)
	require.Equal(t, names[2], page2.StreamNames[0])
	require.NotNil(t, page2.HasMoreStreams)

	all, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(prefix), Limit: aws.Int32(3)})
	require.NoError(t, err)
	require.Equal(t, names, all.StreamNames)
}

func testListShards(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 3)
	ctx := Ctx(t)
	want := Shards(t, c, name)
	out, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	require.NoError(t, err)
	require.Equal(t, shardIDs(want), shardIDs(out.Shards))
	for i, sh := range out.Shards {
		require.Equal(t, *want[i].HashKeyRange, *sh.HashKeyRange)
		require.Equal(t, aws.ToString(want[i].SequenceNumberRange.StartingSequenceNumber), aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber))
	}
	rest, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name), ExclusiveStartShardId: want[0].ShardId})
	require.NoError(t, err)
	require.Equal(t, shardIDs(want[1:]), shardIDs(rest.Shards))

	_, err = c.ListShards(ctx, &kinesis.ListShardsInput{}, RetryConnectionsOnly)
	RequireCode(t, err, "InvalidArgumentException")
}

func shardIDs(shards []types.Shard) []string {
	var ids []string
	for _, sh := range shards {
		ids = append(ids, aws.ToString(sh.ShardId))
	}
	return ids
}

func testPutRecordGetRecords(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 1)
	ctx := Ctx(t)
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	puts := []struct {
		pk   string
		data []byte
	}{
		{"plain", []byte("hello, kinesis")},
		{"binary", allBytes},
		{"ünïcødé ключ 鍵", []byte(`{"json":true}`)},
		{strings.Repeat("p", 256), []byte("longest partition key")},
		{"big", make([]byte, 1<<20)},
	}
	before := time.Now().Add(-2 * time.Second)
	var seqs []string
	for _, p := range puts {
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(p.pk), Data: p.data})
		require.NoError(t, err, "PutRecord %q", p.pk)
		require.Equal(t, "shardId-000000000000", aws.ToString(out.ShardId))
		seq(t, out.SequenceNumber)
		seqs = append(seqs, *out.SequenceNumber)
	}
	after := time.Now().Add(2 * time.Second)

	got := ReadShard(t, c, name, "shardId-000000000000")
	require.Len(t, got, len(puts))
	for i, r := range got {
		require.Equal(t, puts[i].pk, aws.ToString(r.PartitionKey))
		require.Equal(t, puts[i].data, r.Data, "record %d", i)
		require.Equal(t, seqs[i], aws.ToString(r.SequenceNumber))
		require.NotNil(t, r.ApproximateArrivalTimestamp)
		require.True(t, r.ApproximateArrivalTimestamp.After(before) && r.ApproximateArrivalTimestamp.Before(after),
			"ApproximateArrivalTimestamp %v not in [%v, %v]", r.ApproximateArrivalTimestamp, before, after)
	}
}

func testSequenceNumbersIncrease(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 2)
	ctx := Ctx(t)
	last := map[string]*big.Int{}
	check := func(shard, s *string) {
		n := seq(t, s)
		if prev := last[*shard]; prev != nil {
			require.Equal(t, 1, n.Cmp(prev), "sequence numbers of shard %s must increase: %s after %s", *shard, n, prev)
		}
		last[*shard] = n
	}
	for i := range 20 {
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(fmt.Sprint("k", i%5)), Data: []byte{byte(i)}})
		require.NoError(t, err)
		check(out.ShardId, out.SequenceNumber)
	}
	var entries []types.PutRecordsRequestEntry
	for i := range 30 {
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint("k", i%7)), Data: []byte{byte(i)}})
	}
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
	require.NoError(t, err)
	for _, r := range out.Records {
		check(r.ShardId, r.SequenceNumber)
	}
	// The shard's starting sequence number is below all its records.
	for _, sh := range Shards(t, c, name) {
		if n := last[*sh.ShardId]; n != nil {
			require.Equal(t, -1, seq(t, sh.SequenceNumberRange.StartingSequenceNumber).Cmp(n))
		}
	}
}

func testHashKeyRouting(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 4)
	ctx := Ctx(t)
	shards := Shards(t, c, name)
	owner := func(key *big.Int) string {
		for _, sh := range shards {
			if key.Cmp(hashKey(t, sh.HashKeyRange.StartingHashKey)) >= 0 && key.Cmp(hashKey(t, sh.HashKeyRange.EndingHashKey)) <= 0 {
				return *sh.ShardId
			}
		}
		t.Fatalf("no shard owns hash key %s", key)
		return ""
	}
	t.Run("PartitionKeyMD5", func(t *testing.T) {
		seen := map[string]bool{}
		for i := range 40 {
			pk := fmt.Sprintf("partition-%d", i)
			sum := md5.Sum([]byte(pk))
			out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(pk), Data: []byte(pk)})
			require.NoError(t, err)
			require.Equal(t, owner(new(big.Int).SetBytes(sum[:])), aws.ToString(out.ShardId), "partition key %q", pk)
			seen[*out.ShardId] = true
		}
		require.Len(t, seen, 4, "40 keys reach every shard")
	})
	t.Run("ExplicitHashKey", func(t *testing.T) {
		keys := []*big.Int{big.NewInt(0), maxHashKey}
		for _, sh := range shards {
			keys = append(keys, hashKey(t, sh.HashKeyRange.StartingHashKey), hashKey(t, sh.HashKeyRange.EndingHashKey))
		}
		var entries []types.PutRecordsRequestEntry
		for _, k := range keys {
			// The partition key alone would route elsewhere; the explicit key wins.
			out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("same"),
				ExplicitHashKey: aws.String(k.String()), Data: []byte(k.String())})
			require.NoError(t, err)
			require.Equal(t, owner(k), aws.ToString(out.ShardId), "explicit hash key %s", k)
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("same"), ExplicitHashKey: aws.String(k.String()), Data: []byte("x")})
		}
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
		require.NoError(t, err)
		for i, r := range out.Records {
			require.Equal(t, owner(keys[i]), aws.ToString(r.ShardId), "PutRecords explicit hash key %s", keys[i])
		}
	})
}

func testPutRecordsBatch(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 3)
	ctx := Ctx(t)
	var entries []types.PutRecordsRequestEntry
	for i := range 500 {
		entries = append(entries, types.PutRecordsRequestEntry{
			PartitionKey: aws.String(fmt.Sprintf("user-%d", i%37)),
			Data:         fmt.Appendf(nil, `{"n":%d}`, i),
		})
	}
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
	require.NoError(t, err)
	require.Equal(t, int32(0), aws.ToInt32(out.FailedRecordCount))
	require.Len(t, out.Records, 500)
	wantByShard := map[string][]string{}
	for i, r := range out.Records {
		require.Nil(t, r.ErrorCode)
		require.NotNil(t, r.ShardId)
		seq(t, r.SequenceNumber)
		wantByShard[*r.ShardId] = append(wantByShard[*r.ShardId], string(entries[i].Data))
	}
	total := 0
	for _, sh := range Shards(t, c, name) {
		it := Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		var got []string
		for _, r := range ReadAll(t, c, it, 50) {
			got = append(got, string(r.Data))
		}
		require.Equal(t, wantByShard[*sh.ShardId], got, "shard %s keeps the request order", *sh.ShardId)
		total += len(got)
	}
	require.Equal(t, 500, total)
}

func testIteratorTypes(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 1)
	ctx := Ctx(t)
	shard := aws.String("shardId-000000000000")
	put := func(data string) string {
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("k"), Data: []byte(data)})
		require.NoError(t, err)
		return *out.SequenceNumber
	}
	put("a")
	time.Sleep(20 * time.Millisecond) // distinct arrival milliseconds
	seqB := put("b")
	time.Sleep(20 * time.Millisecond)
	put("c")
	recs := ReadShard(t, c, name, *shard)
	require.Len(t, recs, 3)
	arrivalA, arrivalB := *recs[0].ApproximateArrivalTimestamp, *recs[1].ApproximateArrivalTimestamp
	require.True(t, arrivalB.After(arrivalA), "arrival timestamps %v, %v", arrivalA, arrivalB)

	latest := Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: shard, ShardIteratorType: types.ShardIteratorTypeLatest})

	tests := []struct {
		name string
		in   kinesis.GetShardIteratorInput
		want []string
	}{
		{"TRIM_HORIZON", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeTrimHorizon}, []string{"a", "b", "c"}},
		{"AT_SEQUENCE_NUMBER", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seqB)}, []string{"b", "c"}},
		{"AFTER_SEQUENCE_NUMBER", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: aws.String(seqB)}, []string{"c"}},
		{"AT_TIMESTAMP first", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(arrivalA.Add(-time.Hour))}, []string{"a", "b", "c"}},
		{"AT_TIMESTAMP exact", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(arrivalB)}, []string{"b", "c"}},
		{"AT_TIMESTAMP between", kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(arrivalA.Add(5 * time.Millisecond))}, []string{"b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.StreamName, in.ShardId = aws.String(name), shard
			var got []string
			for _, r := range ReadAll(t, c, Iterator(t, c, &in), 0) {
				got = append(got, string(r.Data))
			}
			require.Equal(t, tc.want, got)
		})
	}

	t.Run("LATEST", func(t *testing.T) {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(latest)})
		require.NoError(t, err)
		require.Empty(t, out.Records, "LATEST starts after the existing records")
		put("d")
		var got []string
		for _, r := range ReadAll(t, c, *out.NextShardIterator, 0) {
			got = append(got, string(r.Data))
		}
		require.Equal(t, []string{"d"}, got)
	})
}

func testGetRecordsLimitAndChaining(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 1)
	ctx := Ctx(t)
	shard := aws.String("shardId-000000000000")
	it := Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: shard, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})

	// An empty shard yields no records and an iterator that sees later ones.
	out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	require.NoError(t, err)
	require.Empty(t, out.Records)
	require.NotNil(t, out.Records, "Records is present (an empty list) in the response")
	require.NotNil(t, out.NextShardIterator)
	it = *out.NextShardIterator

	for i := range 5 {
		_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("k"), Data: []byte{byte('0' + i)}})
		require.NoError(t, err)
	}
	var got []byte
	for range 5 {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(2)})
		require.NoError(t, err)
		require.LessOrEqual(t, len(out.Records), 2)
		for _, r := range out.Records {
			got = append(got, r.Data...)
		}
		it = *out.NextShardIterator
	}
	require.Equal(t, "01234", string(got))

	// An iterator can be used again: it is a position, not a cursor.
	first, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(Iterator(t, c, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(name), ShardId: shard, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})), Limit: aws.Int32(1)})
	require.NoError(t, err)
	require.Len(t, first.Records, 1)
	again, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: first.NextShardIterator, Limit: aws.Int32(1)})
	require.NoError(t, err)
	require.Equal(t, "1", string(again.Records[0].Data))
	again, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: first.NextShardIterator, Limit: aws.Int32(1)})
	require.NoError(t, err)
	require.Equal(t, "1", string(again.Records[0].Data))
}

func testInvalidRequests(t *testing.T, c *kinesis.Client) {
	name := CreateStream(t, c, 2)
	ctx := Ctx(t)
	shards := Shards(t, c, name)
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0"), Data: []byte("x")})
	require.NoError(t, err)
	require.Equal(t, *shards[0].ShardId, *put.ShardId)
	tooMany := make([]types.PutRecordsRequestEntry, 501)
	for i := range tooMany {
		tooMany[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("x")}
	}
	iter := func(typ types.ShardIteratorType, shard *string, seq *string, ts *time.Time) error {
		_, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: shard,
			ShardIteratorType: typ, StartingSequenceNumber: seq, Timestamp: ts}, RetryConnectionsOnly)
		return err
	}
	tests := []struct {
		name string
		code string
		call func() error
	}{
		{"GetRecords garbage iterator", "InvalidArgumentException", func() error {
			_, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("bm90IGFuIGl0ZXJhdG9y")}, RetryConnectionsOnly)
			return err
		}},
		{"GetRecords Limit 0", "ValidationException", func() error {
			it := Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: shards[0].ShardId, ShardIteratorType: types.ShardIteratorTypeLatest})
			_, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(0)}, RetryConnectionsOnly)
			return err
		}},
		{"AT_SEQUENCE_NUMBER without a number", "InvalidArgumentException", func() error {
			return iter(types.ShardIteratorTypeAtSequenceNumber, shards[0].ShardId, nil, nil)
		}},
		{"TRIM_HORIZON with a number", "InvalidArgumentException", func() error {
			return iter(types.ShardIteratorTypeTrimHorizon, shards[0].ShardId, put.SequenceNumber, nil)
		}},
		{"sequence number of another shard", "InvalidArgumentException", func() error {
			return iter(types.ShardIteratorTypeAtSequenceNumber, shards[1].ShardId, put.SequenceNumber, nil)
		}},
		{"AT_TIMESTAMP in the future", "InvalidArgumentException", func() error {
			return iter(types.ShardIteratorTypeAtTimestamp, shards[0].ShardId, nil, aws.Time(time.Now().Add(time.Hour)))
		}},
		{"unknown shard", "ResourceNotFoundException", func() error {
			return iter(types.ShardIteratorTypeTrimHorizon, aws.String("shardId-000000000099"), nil, nil)
		}},
		{"ExplicitHashKey 2^128", "InvalidArgumentException", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("k"),
				ExplicitHashKey: aws.String(new(big.Int).Add(maxHashKey, big.NewInt(1)).String()), Data: []byte("x")}, RetryConnectionsOnly)
			return err
		}},
		{"data over 1 MiB", "ValidationException", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("k"), Data: make([]byte, 1<<20+1)}, RetryConnectionsOnly)
			return err
		}},
		{"partition key missing", "ValidationException", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), Data: []byte("x")}, RetryConnectionsOnly)
			return err
		}},
		{"partition key over 256 characters", "ValidationException", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(strings.Repeat("k", 257)), Data: []byte("x")}, RetryConnectionsOnly)
			return err
		}},
		{"PutRecords 501 records", "ValidationException", func() error {
			_, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: tooMany}, RetryConnectionsOnly)
			return err
		}},
		{"PutRecords no records", "ValidationException", func() error {
			_, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: []types.PutRecordsRequestEntry{}}, RetryConnectionsOnly)
			return err
		}},
		{"DescribeStream without a name", "ValidationException", func() error {
			_, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{}, RetryConnectionsOnly)
			return err
		}},
		{"CreateStream invalid name", "ValidationException", func() error {
			_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("no spaces allowed"), ShardCount: aws.Int32(1)}, RetryConnectionsOnly)
			return err
		}},
		{"CreateStream zero shards", "ValidationException", func() error {
			_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(UniqueName(t, "kt-zero-")), ShardCount: aws.Int32(0)}, RetryConnectionsOnly)
			return err
		}},
		{"CreateStream over the shard limit", "LimitExceededException", func() error {
			_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(UniqueName(t, "kt-huge-")), ShardCount: aws.Int32(100000)}, RetryConnectionsOnly)
			return err
		}},
		{"operation not implemented", "UnknownOperationException", func() error {
			_, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}, RetryConnectionsOnly)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			RequireCode(t, err, tc.code)
			var httpErr interface{ HTTPStatusCode() int }
			require.ErrorAs(t, err, &httpErr)
			require.Equal(t, 400, httpErr.HTTPStatusCode())
		})
	}
	// The typed errors the SDK maps.
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("bm90IGFuIGl0ZXJhdG9y")}, RetryConnectionsOnly)
	var invalid *types.InvalidArgumentException
	require.ErrorAs(t, err, &invalid)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(UniqueName(t, "kt-huge-")), ShardCount: aws.Int32(100000)}, RetryConnectionsOnly)
	var limit *types.LimitExceededException
	require.ErrorAs(t, err, &limit)
}

func testDeleteStreamWaiters(t *testing.T, c *kinesis.Client) {
	name := UniqueName(t, "kt-del-")
	ctx := Ctx(t)
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	WaitActive(t, c, name)

	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)})
	require.NoError(t, err)
	w := kinesis.NewStreamNotExistsWaiter(c, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	require.NoError(t, w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, Timeout/2))

	_, err = c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)})
	RequireCode(t, err, "ResourceNotFoundException")
	list, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(name[:len(name)-1]), Limit: aws.Int32(5)})
	require.NoError(t, err)
	require.NotContains(t, list.StreamNames, name)

	// The name can be used again, and the new stream starts empty.
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	DeleteAtCleanup(t, c, name)
	WaitActive(t, c, name)
	require.Empty(t, ReadShard(t, c, name, "shardId-000000000000"))
}
