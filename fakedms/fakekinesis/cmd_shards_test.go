package fakekinesis_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
	"github.com/stretchr/testify/require"
)

func TestListShardsNextToken(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now))
	ctx := t.Context()
	name := aws.String("seven")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(7)})
	require.NoError(t, err)

	var ids []string
	in := &kinesis.ListShardsInput{StreamName: name, MaxResults: aws.Int32(3)}
	pages := 0
	for {
		out, err := c.ListShards(ctx, in)
		require.NoError(t, err)
		pages++
		for _, sh := range out.Shards {
			ids = append(ids, *sh.ShardId)
		}
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(3)}
	}
	require.Equal(t, 3, pages)
	require.Len(t, ids, 7)
	require.Equal(t, "shardId-000000000006", ids[6])

	first, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name, MaxResults: aws.Int32(1)})
	require.NoError(t, err)
	token := first.NextToken
	require.NotNil(t, token)

	tests := []struct {
		name string
		in   *kinesis.ListShardsInput
		code string
		want []string
	}{
		{"token with StreamName", &kinesis.ListShardsInput{NextToken: token, StreamName: name}, "InvalidArgumentException", nil},
		{"token with ExclusiveStartShardId", &kinesis.ListShardsInput{NextToken: token, ExclusiveStartShardId: aws.String("shardId-000000000000")}, "InvalidArgumentException", nil},
		{"token with StreamARN", &kinesis.ListShardsInput{NextToken: token, StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/seven"), MaxResults: aws.Int32(1)}, "", []string{"shardId-000000000001"}},
		{"AFTER_SHARD_ID", &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000004")}}, "", []string{"shardId-000000000005", "shardId-000000000006"}},
		{"AFTER_SHARD_ID without id", &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId}}, "InvalidArgumentException", nil},
		{"AT_TIMESTAMP without timestamp", &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp}}, "InvalidArgumentException", nil},
		{"AT_LATEST", &kinesis.ListShardsInput{StreamName: name, MaxResults: aws.Int32(2), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}}, "", []string{"shardId-000000000000", "shardId-000000000001"}},
		{"FROM_TIMESTAMP", &kinesis.ListShardsInput{StreamName: name, ExclusiveStartShardId: aws.String("shardId-000000000005"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: aws.Time(clk.Now())}}, "", []string{"shardId-000000000006"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ListShards(ctx, tc.in)
			if tc.code != "" {
				kinesistest.RequireCode(t, err, tc.code)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, sh := range out.Shards {
				got = append(got, *sh.ShardId)
			}
			require.Equal(t, tc.want, got)
		})
	}

	t.Run("expired token", func(t *testing.T) {
		clk.Add(5*time.Minute + time.Second)
		_, err := c.ListShards(ctx, &kinesis.ListShardsInput{NextToken: token})
		var expired *types.ExpiredNextTokenException
		require.ErrorAs(t, err, &expired)
	})
	t.Run("token of a re-created stream", func(t *testing.T) {
		out, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name, MaxResults: aws.Int32(1)})
		require.NoError(t, err)
		_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
		require.NoError(t, err)
		_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(7)})
		require.NoError(t, err)
		_, err = c.ListShards(ctx, &kinesis.ListShardsInput{NextToken: out.NextToken})
		kinesistest.RequireCode(t, err, "InvalidArgumentException")
	})
}

func TestSequenceNumberFormat(t *testing.T) {
	srv, c := newServer(t)
	ctx := t.Context()
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("seq"), ShardCount: aws.Int32(3)})
	require.NoError(t, err)
	shards := kinesistest.Shards(t, c, "seq")
	var last string
	for i := range 30 {
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("seq"), PartitionKey: aws.String(string(rune('a' + i))), Data: []byte{1}})
		require.NoError(t, err)
		require.Regexp(t, `^49\d{54}$`, *out.SequenceNumber, "56 digits, like AWS")
		require.Greater(t, *out.SequenceNumber, last, "fixed width: string order is numeric order")
		last = *out.SequenceNumber
	}
	for _, sh := range shards {
		require.Regexp(t, `^49\d{54}$`, *sh.SequenceNumberRange.StartingSequenceNumber)
	}
	recs := srv.Records("seq")
	require.Len(t, recs, 30)
}

func TestGetShardIteratorSequenceChecks(t *testing.T) {
	_, c := newServer(t)
	ctx := t.Context()
	name := aws.String("again")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name})
	require.NoError(t, err)
	old, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("old")})
	require.NoError(t, err)
	oldIt := kinesistest.Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: old.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name})
	require.NoError(t, err)

	_, err = c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: old.ShardId,
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: old.SequenceNumber})
	kinesistest.RequireCode(t, err, "InvalidArgumentException")
	require.ErrorContains(t, err, "did not come from this stream")

	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(oldIt)})
	kinesistest.RequireCode(t, err, "ResourceNotFoundException")

	// AFTER the last record: nothing yet, then the next record.
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("new")})
	require.NoError(t, err)
	it := kinesistest.Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: put.ShardId,
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: put.SequenceNumber})
	require.Empty(t, kinesistest.ReadAll(t, c, it, 0))
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("newer")})
	require.NoError(t, err)
	recs := kinesistest.ReadAll(t, c, it, 0)
	require.Len(t, recs, 1)
	require.Equal(t, "newer", string(recs[0].Data))
}

func TestAtTimestampPastTheEnd(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now))
	ctx := t.Context()
	name := aws.String("ts")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name})
	require.NoError(t, err)
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("before")})
	require.NoError(t, err)
	clk.Add(time.Second)
	it := kinesistest.Iterator(t, c, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(clk.Now())})
	require.Empty(t, kinesistest.ReadAll(t, c, it, 0), "no record at or after the timestamp yet")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("after")})
	require.NoError(t, err)
	recs := kinesistest.ReadAll(t, c, it, 0)
	require.Len(t, recs, 1)
	require.Equal(t, "after", string(recs[0].Data))
	require.Equal(t, clk.Now(), *recs[0].ApproximateArrivalTimestamp)
}
