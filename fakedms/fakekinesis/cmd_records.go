package fakekinesis

// Data records: PutRecord, PutRecords, GetRecords.

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
)

type putRecordInput struct {
	streamRef
	Data                      []byte  `json:"Data"`
	PartitionKey              *string `json:"PartitionKey"`
	ExplicitHashKey           *string `json:"ExplicitHashKey"`
	SequenceNumberForOrdering *string `json:"SequenceNumberForOrdering"`
}

// entry is one record to put, validated.
type entry struct {
	data            []byte
	pk              string
	explicit        bool
	explicitHashKey string
}

// checkEntry validates one record's members; prefix is the member path
// used in ValidationException messages ("" or "records.3.member.").
func checkEntry(prefix string, data []byte, pk, ehk *string) ([]string, entry) {
	var problems []string
	e := entry{data: data}
	if data == nil {
		problems = append(problems, mustNotBeNull(prefix+"data"))
	} else if len(data) > maxRecordBytes {
		problems = append(problems, fmt.Sprintf("Value '<%d bytes>' at '%sdata' failed to satisfy constraint: Member must have length less than or equal to %d", len(data), prefix, maxRecordBytes))
	}
	if pk != nil {
		// A copy: the decoder's strings may share the request body's
		// memory, which a stored record must not keep alive.
		e.pk = strings.Clone(*pk)
		if n := len([]rune(*pk)); n < 1 || n > 256 {
			problems = append(problems, fmt.Sprintf("Value '%s' at '%spartitionKey' failed to satisfy constraint: Member must have length between 1 and 256", *pk, prefix))
		}
	}
	if ehk != nil {
		e.explicit, e.explicitHashKey = true, strings.Clone(*ehk)
	}
	return problems, e
}

// place resolves each entry's hash key and shard; an invalid
// ExplicitHashKey or a missing partition key fails the whole call.
func (st *stream) place(entries []entry, prefix func(int) string) ([]*shard, error) {
	shards := make([]*shard, len(entries))
	for i, e := range entries {
		if st.strategy == types.RecordDistributionStrategyAuto {
			// AUTO: the service spreads records; keys are ignored.
			shards[i] = st.shards[st.roundRobin%len(st.shards)]
			st.roundRobin++
			continue
		}
		switch {
		case e.pk == "":
			return nil, validation(mustNotBeNull(prefix(i) + "partitionKey"))
		case e.explicit:
			k, err := parseHashKey(e.explicitHashKey)
			if err != nil {
				return nil, err
			}
			shards[i] = st.route(k)
		default:
			shards[i] = st.route(partitionHash(e.pk))
		}
	}
	return shards, nil
}

// append stores a record in sh and returns its sequence number.
func (st *stream) append(sh *shard, e entry, now time.Time) string {
	sh.records = append(sh.records, record{counter: st.nextSeq, arrivalMS: now.UnixMilli(), pk: e.pk, data: e.data})
	st.nextSeq++
	return st.seq(sh, &sh.records[len(sh.records)-1])
}

func (s *Server) throttled(name string) error {
	if s.throttle == 0 {
		return nil
	}
	s.throttle--
	return &types.ProvisionedThroughputExceededException{Message: errf(
		"Rate exceeded for stream %s under account %s (fakekinesis: ThrottleNext).", name, s.account)}
}

func (s *Server) cmdPutRecord(body []byte) (smithy.Serializable, error) {
	var in putRecordInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	problems, e := checkEntry("", in.Data, in.PartitionKey, in.ExplicitHashKey)
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	name, err := s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.active(name, now)
	if err != nil {
		return nil, err
	}
	if in.SequenceNumberForOrdering != nil {
		// Sequence numbers always increase here; the member is only checked.
		if p, ok := parseSeq(*in.SequenceNumberForOrdering); !ok || p.generation != st.generation {
			return nil, invalidArg("ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.", *in.SequenceNumberForOrdering, name, s.account)
		}
	}
	shards, err := st.place([]entry{e}, func(int) string { return "" })
	if err != nil {
		return nil, err
	}
	if err := s.throttled(name); err != nil {
		return nil, err
	}
	seq := st.append(shards[0], e, now)
	return &kinesis.PutRecordOutput{
		ShardId:        aws.String(shards[0].id),
		SequenceNumber: aws.String(seq),
		EncryptionType: types.EncryptionTypeNone,
	}, nil
}

type putRecordsInput struct {
	streamRef
	Records []putRecordsEntry `json:"Records"`
}

type putRecordsEntry struct {
	Data            []byte  `json:"Data"`
	PartitionKey    *string `json:"PartitionKey"`
	ExplicitHashKey *string `json:"ExplicitHashKey"`
}

func (s *Server) cmdPutRecords(body []byte) (smithy.Serializable, error) {
	var in putRecordsInput
	if err := decodePutRecords(body, &in); err != nil {
		return nil, err
	}
	var problems []string
	switch n := len(in.Records); {
	case in.Records == nil:
		problems = append(problems, mustNotBeNull("records"))
	case n < 1 || n > 500:
		problems = append(problems, fmt.Sprintf("Value '[%d records]' at 'records' failed to satisfy constraint: Member must have length between 1 and 500", n))
	}
	prefix := func(i int) string { return fmt.Sprintf("records.%d.member.", i+1) }
	entries := make([]entry, len(in.Records))
	total := 0
	for i, r := range in.Records {
		p, e := checkEntry(prefix(i), r.Data, r.PartitionKey, r.ExplicitHashKey)
		problems = append(problems, p...)
		entries[i] = e
		total += len(r.Data) + len(e.pk)
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	if total > maxPutBytes {
		return nil, invalidArg("Records size exceeds 5 MB limit: the %d records hold %d bytes of data and partition keys.", len(entries), total)
	}
	name, err := s.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st, err := s.active(name, now)
	if err != nil {
		return nil, err
	}
	shards, err := st.place(entries, prefix)
	if err != nil {
		return nil, err
	}
	if err := s.throttled(name); err != nil {
		return nil, err
	}
	out := &kinesis.PutRecordsOutput{
		Records:           make([]types.PutRecordsResultEntry, len(entries)),
		FailedRecordCount: aws.Int32(0),
		EncryptionType:    types.EncryptionTypeNone,
	}
	// A shard over its throughput refuses every later record of the call
	// too, as Kinesis does within its per-second window; so a failure never
	// leaves a hole before a written record of the same shard.
	var overLimit map[*shard]bool
	for i, e := range entries {
		if s.failRecords > 0 || overLimit[shards[i]] {
			if s.failRecords > 0 {
				s.failRecords--
				if overLimit == nil {
					overLimit = map[*shard]bool{}
				}
				overLimit[shards[i]] = true
			}
			*out.FailedRecordCount++
			out.Records[i] = types.PutRecordsResultEntry{
				ErrorCode: aws.String("ProvisionedThroughputExceededException"),
				ErrorMessage: errf("Rate exceeded for shard %s in stream %s under account %s (fakekinesis: FailRecords).",
					shards[i].id, name, s.account),
			}
			continue
		}
		seq := st.append(shards[i], e, now)
		out.Records[i] = types.PutRecordsResultEntry{ShardId: aws.String(shards[i].id), SequenceNumber: aws.String(seq)}
	}
	return out, nil
}

type getRecordsInput struct {
	ShardIterator *string `json:"ShardIterator"`
	Limit         *int64  `json:"Limit"`
	StreamARN     *string `json:"StreamARN"`
}

func (s *Server) cmdGetRecords(body []byte) (smithy.Serializable, error) {
	var in getRecordsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.ShardIterator == nil {
		return nil, validation(mustNotBeNull("shardIterator"))
	}
	if n := len(*in.ShardIterator); n < 1 || n > 512 {
		return nil, validation(fmt.Sprintf("Value '%s' at 'shardIterator' failed to satisfy constraint: Member must have length between 1 and 512", *in.ShardIterator))
	}
	limit, err := limitParam("limit", in.Limit, 10000, 10000)
	if err != nil {
		return nil, err
	}
	p, ok := s.openPosition(kindIterator, *in.ShardIterator)
	if !ok {
		return nil, invalidArg("Invalid ShardIterator.")
	}
	if in.StreamARN != nil {
		name, err := s.name(streamRef{StreamARN: in.StreamARN})
		if err != nil {
			return nil, err
		}
		if name != p.name {
			return nil, invalidArg("The ShardIterator belongs to stream %s, not to StreamARN %s.", p.name, *in.StreamARN)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if age := now.Sub(p.issued); age > iteratorLifetime {
		return nil, &types.ExpiredIteratorException{Message: errf(
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			p.issued.UTC().Format(timeFormat), now.UTC().Format(timeFormat), iteratorLifetime.Milliseconds())}
	}
	st, err := s.active(p.name, now)
	if err != nil || st.generation != p.generation || p.shard >= len(st.shards) {
		return nil, notFound("Shard %s in stream %s under account %s does not exist", shardID(p.shard), p.name, s.account)
	}
	sh := st.shards[p.shard]
	sh.prune(now)
	i := sh.from(p.counter)
	out := &kinesis.GetRecordsOutput{Records: []types.Record{}}
	size := 0
	j := i
	for ; j < len(sh.records) && j-i < limit; j++ {
		r := &sh.records[j]
		if size += len(r.data) + len(r.pk); size > maxGetBytes && j > i {
			break
		}
		out.Records = append(out.Records, types.Record{
			SequenceNumber:              aws.String(st.seq(sh, r)),
			PartitionKey:                aws.String(r.pk),
			Data:                        r.data,
			ApproximateArrivalTimestamp: aws.Time(r.arrival()),
		})
	}
	next := p.counter
	if j > i {
		next = sh.records[j-1].counter + 1
	}
	behind := int64(0)
	if j < len(sh.records) {
		behind = max(0, now.UnixMilli()-sh.records[j].arrivalMS)
	}
	out.MillisBehindLatest = aws.Int64(behind)
	out.NextShardIterator = aws.String(s.sealPosition(kindIterator, position{
		name: p.name, generation: p.generation, shard: p.shard, counter: next, issued: now}))
	return out, nil
}
