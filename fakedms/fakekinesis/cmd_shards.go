package fakekinesis

// Shards and positions in them: ListShards, GetShardIterator.

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
)

// nextTokenLifetime is how long a ListShards NextToken stays usable.
const nextTokenLifetime = iteratorLifetime

type listShardsInput struct {
	streamRef
	NextToken               *string    `json:"NextToken"`
	ExclusiveStartShardId   *string    `json:"ExclusiveStartShardId"`
	MaxResults              *int64     `json:"MaxResults"`
	StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
	ShardFilter             *struct {
		Type      types.ShardFilterType `json:"Type"`
		ShardId   *string               `json:"ShardId"`
		Timestamp *epochTime            `json:"Timestamp"`
	} `json:"ShardFilter"`
}

// cmdListShards lists a stream's shards. The fake never reshards, so every
// shard is open and the ShardFilter types other than AFTER_SHARD_ID select
// them all.
func (s *Server) cmdListShards(body []byte) (smithy.Serializable, error) {
	var in listShardsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	max, err := limitParam("maxResults", in.MaxResults, 1000, 10000)
	if err != nil {
		return nil, err
	}
	after := -1 // index of the last shard already listed
	var name string
	now := s.now()
	if in.NextToken != nil {
		if in.StreamName != nil || in.ExclusiveStartShardId != nil || in.ShardFilter != nil {
			return nil, invalidArg("NextToken cannot be combined with StreamName, ExclusiveStartShardId or ShardFilter.")
		}
		p, ok := s.openPosition(kindShards, *in.NextToken)
		if !ok {
			return nil, invalidArg("Invalid NextToken.")
		}
		if now.Sub(p.issued) > nextTokenLifetime {
			return nil, &types.ExpiredNextTokenException{Message: errf("The NextToken has expired: it was issued at %s, more than %s ago.", p.issued.UTC().Format(timeFormat), nextTokenLifetime)}
		}
		if in.StreamARN != nil {
			if n, err := s.name(in.streamRef); err != nil || n != p.name {
				return nil, invalidArg("NextToken and StreamARN name different streams.")
			}
		}
		name, after = p.name, int(p.counter)-1
		s.mu.Lock()
		defer s.mu.Unlock()
		st, err := s.listable(name, now)
		if err != nil {
			return nil, err
		}
		if st.generation != p.generation {
			return nil, invalidArg("Invalid NextToken: stream %s was re-created.", name)
		}
		return s.listShards(st, min(after, len(st.shards)-1), max, now), nil
	}
	if in.StreamName == nil && in.StreamARN == nil {
		return nil, invalidArg("Either NextToken or StreamName should be provided.")
	}
	name, err = s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	startID := in.ExclusiveStartShardId
	if f := in.ShardFilter; f != nil {
		if !slices.Contains(f.Type.Values(), f.Type) {
			return nil, validation(fmt.Sprintf("Value '%s' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: %v", f.Type, f.Type.Values()))
		}
		switch f.Type {
		case types.ShardFilterTypeAfterShardId:
			if f.ShardId == nil {
				return nil, invalidArg("ShardFilter of type AFTER_SHARD_ID needs a ShardId.")
			}
			startID = f.ShardId
		case types.ShardFilterTypeAtTimestamp, types.ShardFilterTypeFromTimestamp:
			if f.Timestamp == nil {
				return nil, invalidArg("ShardFilter of type %s needs a Timestamp.", f.Type)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.listable(name, now)
	if err != nil {
		return nil, err
	}
	if startID != nil {
		for _, sh := range st.shards {
			if sh.id <= *startID {
				after = sh.index
			}
		}
	}
	return s.listShards(st, after, max, now), nil
}

// listable returns the stream if ListShards may list it: ACTIVE. Callers
// hold s.mu.
func (s *Server) listable(name string, now time.Time) (*stream, error) {
	st, err := s.lookup(name, now)
	if err != nil {
		return nil, err
	}
	if status := s.status(st, now); status != types.StreamStatusActive {
		return nil, inUse("Stream %s under account %s is %s, not ACTIVE.", name, s.account, status)
	}
	return st, nil
}

func (s *Server) listShards(st *stream, after, max int, now time.Time) *kinesis.ListShardsOutput {
	out := &kinesis.ListShardsOutput{Shards: []types.Shard{}}
	for _, sh := range st.shards[after+1:] {
		if len(out.Shards) == max {
			out.NextToken = aws.String(s.sealPosition(kindShards, position{
				name: st.name, generation: st.generation, counter: uint64(sh.index), issued: now}))
			break
		}
		out.Shards = append(out.Shards, s.shardShape(st, sh))
	}
	return out
}

type getShardIteratorInput struct {
	streamRef
	ShardId                *string                 `json:"ShardId"`
	ShardIteratorType      types.ShardIteratorType `json:"ShardIteratorType"`
	StartingSequenceNumber *string                 `json:"StartingSequenceNumber"`
	Timestamp              *epochTime              `json:"Timestamp"`
}

func (s *Server) cmdGetShardIterator(body []byte) (smithy.Serializable, error) {
	var in getShardIteratorInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var problems []string
	if in.ShardId == nil {
		problems = append(problems, mustNotBeNull("shardId"))
	}
	if in.ShardIteratorType == "" {
		problems = append(problems, mustNotBeNull("shardIteratorType"))
	} else if !slices.Contains(in.ShardIteratorType.Values(), in.ShardIteratorType) {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, TRIM_HORIZON, AT_SEQUENCE_NUMBER]", in.ShardIteratorType))
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	name, err := s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	typ := in.ShardIteratorType
	withSeq := typ == types.ShardIteratorTypeAtSequenceNumber || typ == types.ShardIteratorTypeAfterSequenceNumber
	if withSeq != (in.StartingSequenceNumber != nil) {
		given := "no StartingSequenceNumber"
		if in.StartingSequenceNumber != nil {
			given = "also a StartingSequenceNumber"
		}
		return nil, invalidArg("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and %s.", typ, given)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.active(name, now)
	if err != nil {
		return nil, err
	}
	sh := st.shard(*in.ShardId)
	if sh == nil {
		return nil, notFound("Shard %s in stream %s under account %s does not exist", *in.ShardId, name, s.account)
	}
	var counter uint64
	switch typ {
	case types.ShardIteratorTypeTrimHorizon:
		counter = 0
	case types.ShardIteratorTypeLatest:
		counter = st.nextSeq
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		seq := *in.StartingSequenceNumber
		p, ok := parseSeq(seq)
		if !ok {
			return nil, invalidArg("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.", seq, sh.id, name, s.account)
		}
		if p.generation != st.generation {
			return nil, invalidArg("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.", seq, sh.id, name, s.account)
		}
		if p.shard != sh.index {
			return nil, invalidArg("Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardID(p.shard), sh.id)
		}
		counter = p.counter
		if typ == types.ShardIteratorTypeAfterSequenceNumber {
			counter++
		}
	case types.ShardIteratorTypeAtTimestamp:
		if in.Timestamp == nil {
			return nil, invalidArg("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		ts := in.Timestamp.Time
		if ts.After(now) {
			return nil, invalidArg("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ts.UnixMilli(), now.UnixMilli())
		}
		sh.prune(now)
		counter = st.nextSeq
		for _, r := range sh.records {
			if !r.arrival().Before(ts) {
				counter = r.counter
				break
			}
		}
	}
	it := s.sealPosition(kindIterator, position{name: name, generation: st.generation, shard: sh.index, counter: counter, issued: now})
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(it)}, nil
}
