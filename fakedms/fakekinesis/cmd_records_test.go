package fakekinesis_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
	"github.com/stretchr/testify/require"
)

func put(t *testing.T, c *kinesis.Client, stream, pk, data string) *kinesis.PutRecordOutput {
	t.Helper()
	out, err := c.PutRecord(t.Context(), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(pk), Data: []byte(data)})
	require.NoError(t, err)
	return out
}

func createStream(t *testing.T, c *kinesis.Client, name string, shards int32) {
	t.Helper()
	_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	require.NoError(t, err)
}

func trimHorizon(t *testing.T, c *kinesis.Client, stream string) *string {
	t.Helper()
	return aws.String(kinesistest.Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}))
}

func TestIteratorExpiry(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now))
	createStream(t, c, "s", 1)
	put(t, c, "s", "k", "one")
	it := trimHorizon(t, c, "s")

	clk.Add(5 * time.Minute) // exactly five minutes: still valid
	out, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: it})
	require.NoError(t, err)
	require.Len(t, out.Records, 1)

	clk.Add(time.Millisecond)
	_, err = c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: it})
	var expired *types.ExpiredIteratorException
	require.ErrorAs(t, err, &expired)
	require.Contains(t, expired.ErrorMessage(), "tolerated delay of 300000 milliseconds")

	// The NextShardIterator of the last call is fresh.
	clk.Add(4 * time.Minute)
	out, err = c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator})
	require.NoError(t, err)
	require.Empty(t, out.Records)
}

func TestForgedIterator(t *testing.T) {
	_, c := newServer(t)
	createStream(t, c, "s", 1)
	it := []byte(*trimHorizon(t, c, "s"))
	for i := range it {
		forged := bytes.Clone(it)
		forged[i] ^= 1
		if bytes.Equal(forged, it) {
			continue
		}
		_, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: aws.String(string(forged))})
		kinesistest.RequireCode(t, err, "InvalidArgumentException")
	}
	// An iterator from another server (another key) is refused too.
	_, other := newServer(t)
	createStream(t, other, "s", 1)
	_, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: trimHorizon(t, other, "s")})
	kinesistest.RequireCode(t, err, "InvalidArgumentException")
}

func TestMillisBehindLatest(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now))
	createStream(t, c, "s", 1)
	for i := range 3 {
		put(t, c, "s", "k", fmt.Sprint(i))
		clk.Add(time.Second)
	}
	clk.Add(2 * time.Second) // the records arrived 5, 4 and 3 s ago
	it := trimHorizon(t, c, "s")
	for _, want := range []int64{4000, 3000, 0} {
		out, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(1)})
		require.NoError(t, err)
		require.Len(t, out.Records, 1)
		require.Equal(t, want, *out.MillisBehindLatest, "behind by the age of the oldest unread record")
		it = out.NextShardIterator
	}
}

func TestRetention(t *testing.T) {
	clk := newClock()
	srv, c := newServer(t, fakekinesis.WithClock(clk.Now))
	createStream(t, c, "s", 1)
	put(t, c, "s", "k", "old")
	clk.Add(23 * time.Hour)
	put(t, c, "s", "k", "recent")
	clk.Add(time.Hour + time.Millisecond) // "old" is now past the 24 h retention
	recs := kinesistest.ReadAll(t, c, *trimHorizon(t, c, "s"), 0)
	require.Len(t, recs, 1)
	require.Equal(t, "recent", string(recs[0].Data))
	require.Len(t, srv.Records("s"), 1)
}

func TestPutRecordsSizeLimit(t *testing.T) {
	_, c := newServer(t)
	createStream(t, c, "s", 2)
	entries := func(dataLen int) []types.PutRecordsRequestEntry {
		var e []types.PutRecordsRequestEntry
		for range 5 {
			e = append(e, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, dataLen)})
		}
		return e
	}
	// Five records of 1 MiB - 1 byte of data plus a one-byte key: 5 MiB exactly.
	out, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(1<<20 - 1)})
	require.NoError(t, err)
	require.Equal(t, int32(0), *out.FailedRecordCount)
	_, err = c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries(1 << 20)})
	var invalid *types.InvalidArgumentException
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.ErrorMessage(), "5 MB")
}

func TestGetRecordsSizeCap(t *testing.T) {
	srv := fakekinesis.New()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := newClient(hs.URL, kinesistest.RetryConnectionsOnly)
	createStream(t, c, "s", 1)
	// 12 MiB of records, sent raw: the SDK's serializer is slow under -race.
	record := `{"PartitionKey":"k","Data":"` + base64.StdEncoding.EncodeToString(make([]byte, 1<<20)) + `"}`
	body := `{"StreamName":"s","Records":[` + strings.Repeat(record+",", 3) + record + `]}`
	for range 3 {
		status, _, resp := call(t, hs.URL, "POST", op("PutRecords"), jsonCT, body)
		require.Equal(t, 200, status, "%s", resp)
	}
	require.Len(t, srv.Records("s"), 12)
	out, err := c.GetRecords(t.Context(), &kinesis.GetRecordsInput{ShardIterator: trimHorizon(t, c, "s")})
	require.NoError(t, err)
	size := 0
	for _, r := range out.Records {
		size += len(r.Data) + len(*r.PartitionKey)
	}
	require.LessOrEqual(t, size, 10<<20, "at most 10 MiB per GetRecords")
	require.Less(t, len(out.Records), 12)
	require.Positive(t, *out.MillisBehindLatest+1)
	rest := kinesistest.ReadAll(t, c, *out.NextShardIterator, 0)
	require.Len(t, rest, 12-len(out.Records))
}

func TestAutoDistribution(t *testing.T) {
	_, c := newServer(t)
	_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: aws.String("auto"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}, RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	require.NoError(t, err)
	sum, err := c.DescribeStreamSummary(t.Context(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("auto")})
	require.NoError(t, err)
	require.Equal(t, types.RecordDistributionStrategyAuto, sum.StreamDescriptionSummary.RecordDistributionStrategy)

	var e []types.PutRecordsRequestEntry
	for i := range 8 {
		// No partition key needed; a given one is ignored.
		e = append(e, types.PutRecordsRequestEntry{Data: []byte{byte(i)}})
	}
	e[0].PartitionKey = aws.String("ignored")
	out, err := c.PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String("auto"), Records: e})
	require.NoError(t, err)
	perShard := map[string]int{}
	for _, r := range out.Records {
		perShard[*r.ShardId]++
	}
	require.Equal(t, map[string]int{"shardId-000000000000": 2, "shardId-000000000001": 2, "shardId-000000000002": 2, "shardId-000000000003": 2}, perShard)
	single, err := c.PutRecord(t.Context(), &kinesis.PutRecordInput{StreamName: aws.String("auto"), Data: []byte("x")})
	require.NoError(t, err)
	require.Equal(t, "shardId-000000000000", *single.ShardId)
}

// TestConcurrentClients exercises the one mutex under the race detector.
func TestConcurrentClients(t *testing.T) {
	srv, c := newServer(t)
	createStream(t, c, "s", 4)
	const writers, perWriter = 4, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				_, err := c.PutRecord(t.Context(), &kinesis.PutRecordInput{StreamName: aws.String("s"),
					PartitionKey: aws.String(fmt.Sprint(w, "-", i)), Data: []byte{byte(i)}})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := c.ListShards(t.Context(), &kinesis.ListShardsInput{StreamName: aws.String("s")}); err != nil {
				t.Error(err)
				return
			}
			srv.Records("s")
		}
	})
	wg.Wait()
	total := 0
	for _, sh := range kinesistest.Shards(t, c, "s") {
		total += len(kinesistest.ReadShard(t, c, "s", *sh.ShardId))
	}
	require.Equal(t, writers*perWriter, total)
}
