package fakekinesis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
	"github.com/stretchr/testify/require"
)

func TestCreateStreamShardCount(t *testing.T) {
	_, c := newServer(t)
	tests := []struct {
		name       string
		shardCount *int32
		mode       *types.StreamModeDetails
		wantShards int32
		wantMode   types.StreamMode
	}{
		{"default", nil, nil, 1, types.StreamModeProvisioned},
		{"provisioned", aws.Int32(3), &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}, 3, types.StreamModeProvisioned},
		{"on-demand", nil, &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}, 4, types.StreamModeOnDemand},
		{"on-demand with count", aws.Int32(2), &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}, 2, types.StreamModeOnDemand},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := kinesistest.UniqueName(t, "")
			_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: tc.shardCount, StreamModeDetails: tc.mode})
			require.NoError(t, err)
			out, err := c.DescribeStreamSummary(t.Context(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
			require.NoError(t, err)
			require.Equal(t, tc.wantShards, aws.ToInt32(out.StreamDescriptionSummary.OpenShardCount))
			require.Equal(t, tc.wantMode, out.StreamDescriptionSummary.StreamModeDetails.StreamMode)
			require.Equal(t, types.StreamStatusActive, out.StreamDescriptionSummary.StreamStatus, "ACTIVE at once without WithStatusDelay")
			require.Len(t, kinesistest.Shards(t, c, name), int(tc.wantShards))
		})
	}
}

func TestStreamARNAddressing(t *testing.T) {
	srv, c := newServer(t, fakekinesis.WithRegion("eu-west-3"), fakekinesis.WithAccount("123456789012"))
	ctx := t.Context()
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(2)})
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("other"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	arn := aws.String("arn:aws:kinesis:eu-west-3:123456789012:stream/orders")

	d, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamARN: arn})
	require.NoError(t, err)
	require.Equal(t, *arn, *d.StreamDescription.StreamARN)
	require.Equal(t, "orders", *d.StreamDescription.StreamName)
	sum, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: arn})
	require.NoError(t, err)
	require.Equal(t, *arn, *sum.StreamDescriptionSummary.StreamARN)
	list, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, *arn, *list.StreamSummaries[0].StreamARN)
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamARN: arn})
	require.NoError(t, err)
	require.Len(t, shards.Shards, 2)

	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: arn, PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0"), Data: []byte("one")})
	require.NoError(t, err)
	require.Equal(t, "shardId-000000000000", *put.ShardId)
	puts, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamARN: arn, Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0"), Data: []byte("two")}}})
	require.NoError(t, err)
	require.Equal(t, int32(0), *puts.FailedRecordCount)
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamARN: arn, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	require.NoError(t, err)
	recs, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{StreamARN: arn, ShardIterator: it.ShardIterator})
	require.NoError(t, err)
	require.Len(t, recs.Records, 2)
	require.Len(t, srv.Records("orders"), 2)

	errs := []struct {
		name string
		code string
		call func() error
	}{
		{"name and ARN disagree", "InvalidArgumentException", func() error {
			_, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("other"), StreamARN: arn})
			return err
		}},
		{"other account", "ResourceNotFoundException", func() error {
			_, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-3:999999999999:stream/orders")})
			return err
		}},
		{"other region", "ResourceNotFoundException", func() error {
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/orders"), PartitionKey: aws.String("k"), Data: []byte("x")})
			return err
		}},
		{"not a stream ARN", "InvalidArgumentException", func() error {
			_, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-3:123456789012:consumer/orders")})
			return err
		}},
		{"iterator of another stream", "InvalidArgumentException", func() error {
			_, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-3:123456789012:stream/other"), ShardIterator: it.ShardIterator})
			return err
		}},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) { kinesistest.RequireCode(t, tc.call(), tc.code) })
	}

	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamARN: arn})
	require.NoError(t, err)
	require.Equal(t, []string{"other"}, srv.StreamNames())
}

// TestStatusDelay walks a stream through CREATING, ACTIVE, DELETING and
// gone on a test clock.
func TestStatusDelay(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now), fakekinesis.WithStatusDelay(time.Second))
	ctx := t.Context()
	name := aws.String("slow")
	describe := func() *types.StreamDescription {
		out, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: name})
		require.NoError(t, err)
		return out.StreamDescription
	}
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(2)})
	require.NoError(t, err)
	d := describe()
	require.Equal(t, types.StreamStatusCreating, d.StreamStatus)
	require.Empty(t, d.Shards, "no shards while CREATING")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")})
	kinesistest.RequireCode(t, err, "ResourceNotFoundException")
	_, err = c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest})
	kinesistest.RequireCode(t, err, "ResourceNotFoundException")
	_, err = c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name})
	kinesistest.RequireCode(t, err, "ResourceInUseException")
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	kinesistest.RequireCode(t, err, "ResourceInUseException")

	clk.Add(time.Second)
	d = describe()
	require.Equal(t, types.StreamStatusActive, d.StreamStatus)
	require.Len(t, d.Shards, 2)
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")})
	require.NoError(t, err)

	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusDeleting, describe().StreamStatus)
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
	kinesistest.RequireCode(t, err, "ResourceInUseException")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")})
	kinesistest.RequireCode(t, err, "ResourceNotFoundException")
	list, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusDeleting, list.StreamSummaries[0].StreamStatus)

	clk.Add(time.Second)
	_, err = c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: name})
	kinesistest.RequireCode(t, err, "ResourceNotFoundException")
}

// TestWaitersWithStatusDelay runs the SDK's waiters against a stream that
// takes real time to be created and deleted.
func TestWaitersWithStatusDelay(t *testing.T) {
	_, c := newServer(t, fakekinesis.WithStatusDelay(150*time.Millisecond))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	name := aws.String("waited")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	exists := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	out, err := exists.WaitForOutput(ctx, &kinesis.DescribeStreamInput{StreamName: name}, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusActive, out.StreamDescription.StreamStatus)

	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
	require.NoError(t, err)
	notExists := kinesis.NewStreamNotExistsWaiter(c, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	require.NoError(t, notExists.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: name}, 5*time.Second))
}

func TestListStreamsNextToken(t *testing.T) {
	clk := newClock()
	_, c := newServer(t, fakekinesis.WithClock(clk.Now))
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("stream-%d", i)
		want = append(want, name)
		_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
		require.NoError(t, err)
	}
	var got []string
	pages := 0
	p := kinesis.NewListStreamsPaginator(c, &kinesis.ListStreamsInput{Limit: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		require.NoError(t, err)
		pages++
		require.Len(t, out.StreamSummaries, len(out.StreamNames))
		for i, s := range out.StreamSummaries {
			require.Equal(t, out.StreamNames[i], *s.StreamName)
			require.Equal(t, types.StreamStatusActive, s.StreamStatus)
			require.Equal(t, clk.Now(), *s.StreamCreationTimestamp)
			require.Equal(t, types.StreamModeProvisioned, s.StreamModeDetails.StreamMode)
		}
		require.Equal(t, out.NextToken != nil, *out.HasMoreStreams)
		got = append(got, out.StreamNames...)
	}
	require.Equal(t, want, got)
	require.Equal(t, 3, pages)

	out, err := c.ListStreams(t.Context(), &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, want, out.StreamNames)
	require.False(t, *out.HasMoreStreams)
	require.Nil(t, out.NextToken)
}

func TestDescribeStreamPaging(t *testing.T) {
	_, c := newServer(t)
	name := aws.String("wide")
	_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(5)})
	require.NoError(t, err)

	out, err := c.DescribeStream(t.Context(), &kinesis.DescribeStreamInput{StreamName: name, Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.True(t, *out.StreamDescription.HasMoreShards)
	require.Len(t, out.StreamDescription.Shards, 2)

	// The SDK's DescribeStream paginator (it needs a Limit: with none it
	// dereferences a nil pointer).
	var ids []string
	p := kinesis.NewDescribeStreamPaginator(c, &kinesis.DescribeStreamInput{StreamName: name, Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		require.NoError(t, err)
		for _, sh := range out.StreamDescription.Shards {
			ids = append(ids, *sh.ShardId)
		}
	}
	require.Equal(t, []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003", "shardId-000000000004"}, ids)
}

func TestShardLimit(t *testing.T) {
	_, c := newServer(t, fakekinesis.WithShardLimit(5))
	ctx := t.Context()
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("a"), ShardCount: aws.Int32(3)})
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("b"), ShardCount: aws.Int32(3)})
	var limit *types.LimitExceededException
	require.ErrorAs(t, err, &limit)
	require.Contains(t, limit.ErrorMessage(), "Current shard count for the account: 3. Limit: 5.")
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("b"), ShardCount: aws.Int32(2)})
	require.NoError(t, err)
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("a")})
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("c"), ShardCount: aws.Int32(3)})
	require.NoError(t, err)
}
