package fakekinesis

// Stream lifecycle: CreateStream, DeleteStream, DescribeStream,
// DescribeStreamSummary, ListStreams.

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
)

// onDemandShards is the shard count of a new ON_DEMAND stream (AWS starts
// on-demand streams with 4 shards).
const onDemandShards = 4

type createStreamInput struct {
	StreamName        *string `json:"StreamName"`
	ShardCount        *int64  `json:"ShardCount"`
	StreamModeDetails *struct {
		StreamMode types.StreamMode `json:"StreamMode"`
	} `json:"StreamModeDetails"`
	RecordDistributionStrategy types.RecordDistributionStrategy `json:"RecordDistributionStrategy"`
	Tags                       map[string]string                `json:"Tags"`
}

func (s *Server) cmdCreateStream(body []byte) (smithy.Serializable, error) {
	var in createStreamInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.StreamName == nil {
		return nil, validation(mustNotBeNull("streamName"))
	}
	name, err := s.name(streamRef{StreamName: in.StreamName})
	if err != nil {
		return nil, err
	}
	mode := types.StreamModeProvisioned
	if in.StreamModeDetails != nil {
		mode = in.StreamModeDetails.StreamMode
		if !slices.Contains(mode.Values(), mode) {
			return nil, validation(fmt.Sprintf("Value '%s' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]", mode))
		}
	}
	strategy := in.RecordDistributionStrategy
	if strategy == "" {
		strategy = types.RecordDistributionStrategyUserPartitionKey
	} else if !slices.Contains(strategy.Values(), strategy) {
		return nil, validation(fmt.Sprintf("Value '%s' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]", strategy))
	}
	n := 1
	switch {
	case in.ShardCount != nil:
		if *in.ShardCount < 1 || *in.ShardCount > 100000 {
			return nil, validation(fmt.Sprintf("Value '%d' at 'shardCount' failed to satisfy constraint: Member must have value between 1 and 100000", *in.ShardCount))
		}
		n = int(*in.ShardCount)
	case mode == types.StreamModeOnDemand:
		n = onDemandShards
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if _, ok := s.streams[name]; ok {
		return nil, inUse("Stream %s under account %s already exists.", name, s.account)
	}
	open := 0
	for _, st := range s.streams {
		open += len(st.shards)
	}
	if open+n > s.shardLimit {
		return nil, &types.LimitExceededException{Message: errf(
			"This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d.",
			s.account, s.region, open, s.shardLimit, n)}
	}
	s.generation++
	s.streams[name] = &stream{
		name:       name,
		arn:        s.arn(name),
		generation: s.generation,
		created:    now,
		mode:       mode,
		strategy:   strategy,
		shards:     newShards(n),
		nextSeq:    1,
	}
	return &kinesis.CreateStreamOutput{}, nil
}

type deleteStreamInput struct {
	streamRef
	EnforceConsumerDeletion *bool `json:"EnforceConsumerDeletion"`
}

func (s *Server) cmdDeleteStream(body []byte) (smithy.Serializable, error) {
	var in deleteStreamInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.lookup(name, now)
	if err != nil {
		return nil, err
	}
	if !st.deleted.IsZero() {
		return nil, inUse("Stream %s under account %s is already being deleted.", name, s.account)
	}
	st.deleted = now
	s.sweep(now)
	return &kinesis.DeleteStreamOutput{}, nil
}

type describeStreamInput struct {
	streamRef
	Limit                 *int64  `json:"Limit"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId"`
}

func (s *Server) cmdDescribeStream(body []byte) (smithy.Serializable, error) {
	var in describeStreamInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam("limit", in.Limit, 100, 10000)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.lookup(name, now)
	if err != nil {
		return nil, err
	}
	status := s.status(st, now)
	shards := []types.Shard{}
	more := false
	if status != types.StreamStatusCreating {
		for _, sh := range st.shards {
			if in.ExclusiveStartShardId != nil && sh.id <= *in.ExclusiveStartShardId {
				continue
			}
			if len(shards) == limit {
				more = true
				break
			}
			shards = append(shards, s.shardShape(st, sh))
		}
	}
	return &kinesis.DescribeStreamOutput{StreamDescription: &types.StreamDescription{
		StreamName:              aws.String(st.name),
		StreamARN:               aws.String(st.arn),
		StreamStatus:            status,
		StreamModeDetails:       &types.StreamModeDetails{StreamMode: st.mode},
		Shards:                  shards,
		HasMoreShards:           aws.Bool(more),
		RetentionPeriodHours:    aws.Int32(int32(retention / time.Hour)),
		StreamCreationTimestamp: aws.Time(st.created),
		EnhancedMonitoring:      []types.EnhancedMetrics{{ShardLevelMetrics: []types.MetricsName{}}},
		EncryptionType:          types.EncryptionTypeNone,
	}}, nil
}

func (s *Server) shardShape(st *stream, sh *shard) types.Shard {
	return types.Shard{
		ShardId: aws.String(sh.id),
		HashKeyRange: &types.HashKeyRange{
			StartingHashKey: aws.String(sh.start.String()),
			EndingHashKey:   aws.String(sh.end.String()),
		},
		SequenceNumberRange: &types.SequenceNumberRange{
			StartingSequenceNumber: aws.String(seqNumber(st.generation, sh.index, 0)),
		},
	}
}

func (s *Server) cmdDescribeStreamSummary(body []byte) (smithy.Serializable, error) {
	var in streamRef
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.name(in)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.lookup(name, now)
	if err != nil {
		return nil, err
	}
	return &kinesis.DescribeStreamSummaryOutput{StreamDescriptionSummary: &types.StreamDescriptionSummary{
		StreamName:                 aws.String(st.name),
		StreamARN:                  aws.String(st.arn),
		StreamStatus:               s.status(st, now),
		StreamModeDetails:          &types.StreamModeDetails{StreamMode: st.mode},
		RecordDistributionStrategy: st.strategy,
		RetentionPeriodHours:       aws.Int32(int32(retention / time.Hour)),
		StreamCreationTimestamp:    aws.Time(st.created),
		EnhancedMonitoring:         []types.EnhancedMetrics{{ShardLevelMetrics: []types.MetricsName{}}},
		EncryptionType:             types.EncryptionTypeNone,
		OpenShardCount:             aws.Int32(int32(len(st.shards))),
		ConsumerCount:              aws.Int32(0),
	}}, nil
}

type listStreamsInput struct {
	Limit                    *int64  `json:"Limit"`
	ExclusiveStartStreamName *string `json:"ExclusiveStartStreamName"`
	NextToken                *string `json:"NextToken"`
}

func (s *Server) cmdListStreams(body []byte) (smithy.Serializable, error) {
	var in listStreamsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := limitParam("limit", in.Limit, 100, 10000)
	if err != nil {
		return nil, err
	}
	after := ""
	if in.ExclusiveStartStreamName != nil {
		after = *in.ExclusiveStartStreamName
	}
	if in.NextToken != nil {
		b, ok := s.open(kindStreams, *in.NextToken)
		if !ok {
			return nil, invalidArg("Invalid NextToken.")
		}
		after = string(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	names := make([]string, 0, len(s.streams))
	for name := range s.streams {
		if name > after {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := &kinesis.ListStreamsOutput{StreamNames: []string{}, StreamSummaries: []types.StreamSummary{}, HasMoreStreams: aws.Bool(len(names) > limit)}
	if len(names) > limit {
		names = names[:limit]
		out.NextToken = aws.String(s.seal(kindStreams, []byte(names[limit-1])))
	}
	for _, name := range names {
		st := s.streams[name]
		out.StreamNames = append(out.StreamNames, name)
		out.StreamSummaries = append(out.StreamSummaries, types.StreamSummary{
			StreamName:              aws.String(name),
			StreamARN:               aws.String(st.arn),
			StreamStatus:            s.status(st, now),
			StreamModeDetails:       &types.StreamModeDetails{StreamMode: st.mode},
			StreamCreationTimestamp: aws.Time(st.created),
		})
	}
	return out, nil
}

// limitParam checks an optional integer member against [1, max].
func limitParam(member string, v *int64, def, max int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > int64(max) {
		return 0, validation(fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value between 1 and %d", *v, member, max))
	}
	return int(*v), nil
}
