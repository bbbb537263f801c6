package fakekinesis

// Test helpers that read and change the state directly, without the
// protocol (like miniredis's direct.go).

import (
	"bytes"
	"slices"
	"time"
)

// Record is a data record as stored by the server.
type Record struct {
	StreamName                  string
	ShardID                     string
	SequenceNumber              string
	PartitionKey                string
	Data                        []byte
	ApproximateArrivalTimestamp time.Time
}

// Records returns every record still retained in the stream, shard by shard
// (in shard ID order), each shard in sequence order. It returns nil when
// the stream does not exist. The Data slices are copies.
func (s *Server) Records(streamName string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	st := s.streams[streamName]
	if st == nil {
		return nil
	}
	out := []Record{}
	for _, sh := range st.shards {
		sh.prune(now)
		for i := range sh.records {
			r := &sh.records[i]
			out = append(out, Record{
				StreamName:                  st.name,
				ShardID:                     sh.id,
				SequenceNumber:              st.seq(sh, r),
				PartitionKey:                r.pk,
				Data:                        bytes.Clone(r.data),
				ApproximateArrivalTimestamp: r.arrival(),
			})
		}
	}
	return out
}

// StreamNames returns the names of the existing streams (in any status),
// sorted.
func (s *Server) StreamNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(s.now())
	names := make([]string, 0, len(s.streams))
	for name := range s.streams {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ThrottleNext makes the next n PutRecord or PutRecords calls fail as a
// whole with ProvisionedThroughputExceededException (HTTP 400), after their
// input is validated. n replaces any count still pending; 0 cancels it.
// The AWS SDKs retry this error (3 attempts by default), so each retry
// consumes one of the n.
func (s *Server) ThrottleNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = max(n, 0)
}

// FailRecords makes the next n records sent in PutRecords calls fail as if
// their shard were over its throughput: the call succeeds, FailedRecordCount
// counts them and their result entries carry ErrorCode
// ProvisionedThroughputExceededException and no sequence number; they are
// not stored. As on Kinesis, the later records of the same call bound for a
// shard that refused one fail too (they do not count against n), so a
// failure never leaves a hole before a written record of its shard. n
// replaces any count still pending.
func (s *Server) FailRecords(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRecords = max(n, 0)
}
