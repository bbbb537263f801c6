package fakekinesis

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	retention        = 24 * time.Hour
	iteratorLifetime = 5 * time.Minute
	maxRecordBytes   = 1 << 20 // data blob of one record
	maxPutBytes      = 5 << 20 // data plus partition keys of one PutRecords call
	maxGetBytes      = 10 << 20

	// timeFormat is how Kinesis writes times in error messages.
	timeFormat = "Mon Jan 02 15:04:05 UTC 2006"
)

// stream is one Kinesis stream. Guarded by Server.mu.
type stream struct {
	name, arn  string
	generation uint64 // distinguishes a re-created stream of the same name
	created    time.Time
	deleted    time.Time // zero unless DeleteStream was called
	mode       types.StreamMode
	strategy   types.RecordDistributionStrategy
	shards     []*shard
	nextSeq    uint64 // record counter of the next record (from 1)
	roundRobin int    // next shard for the AUTO distribution strategy
}

type shard struct {
	index      int
	id         string
	start, end uint128 // inclusive hash key range
	records    []record
}

// record is kept small: a stream may hold millions.
type record struct {
	counter   uint64 // the sequence number is derived from it
	arrivalMS int64  // the wire carries milliseconds
	pk        string
	data      []byte
}

func (r *record) arrival() time.Time { return time.UnixMilli(r.arrivalMS).UTC() }

func (st *stream) seq(sh *shard, r *record) string {
	return seqNumber(st.generation, sh.index, r.counter)
}

// status reports the stream's status at now.
func (s *Server) status(st *stream, now time.Time) types.StreamStatus {
	switch {
	case !st.deleted.IsZero():
		return types.StreamStatusDeleting
	case now.Before(st.created.Add(s.statusDelay)):
		return types.StreamStatusCreating
	}
	return types.StreamStatusActive
}

// sweep removes streams whose deletion delay has passed. Callers hold s.mu.
func (s *Server) sweep(now time.Time) {
	for name, st := range s.streams {
		if !st.deleted.IsZero() && !now.Before(st.deleted.Add(s.statusDelay)) {
			delete(s.streams, name)
		}
	}
}

// streamRef is the StreamName/StreamARN pair every stream operation takes.
type streamRef struct {
	StreamName *string `json:"StreamName"`
	StreamARN  *string `json:"StreamARN"`
}

var streamNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

// name resolves the reference to a stream name, checking the ARN's region
// and account and that name and ARN agree when both are given.
func (s *Server) name(ref streamRef) (string, error) {
	var fromARN string
	if ref.StreamARN != nil {
		arn := *ref.StreamARN
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" || !strings.HasPrefix(parts[5], "stream/") {
			return "", invalidArg("StreamARN %s is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)", arn)
		}
		fromARN = strings.TrimPrefix(parts[5], "stream/")
		if !streamNameRE.MatchString(fromARN) {
			return "", invalidArg("StreamARN %s has an invalid stream name", arn)
		}
		if parts[3] != s.region || parts[4] != s.account {
			return "", notFound("Stream %s under account %s not found (this endpoint serves region %s, account %s).", fromARN, parts[4], s.region, s.account)
		}
	}
	if ref.StreamName == nil {
		if ref.StreamARN == nil {
			return "", validation(mustNotBeNull("streamName") + " (give StreamName or StreamARN)")
		}
		return fromARN, nil
	}
	name := *ref.StreamName
	if !streamNameRE.MatchString(name) {
		return "", validation(fmt.Sprintf("Value '%s' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 128", name))
	}
	if ref.StreamARN != nil && name != fromARN {
		return "", invalidArg("StreamName %s and StreamARN %s name different streams.", name, *ref.StreamARN)
	}
	return name, nil
}

func (s *Server) arn(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", s.region, s.account, name)
}

// lookup returns the stream, or ResourceNotFoundException. Callers hold s.mu.
func (s *Server) lookup(name string, now time.Time) (*stream, error) {
	s.sweep(now)
	st := s.streams[name]
	if st == nil {
		return nil, notFound("Stream %s under account %s not found.", name, s.account)
	}
	return st, nil
}

// active returns the stream when it is ACTIVE; data-plane operations on a
// CREATING or DELETING stream fail with ResourceNotFoundException, as on
// AWS. Callers hold s.mu.
func (s *Server) active(name string, now time.Time) (*stream, error) {
	st, err := s.lookup(name, now)
	if err != nil {
		return nil, err
	}
	if s.status(st, now) != types.StreamStatusActive {
		return nil, notFound("Stream %s under account %s not found (it is %s).", name, s.account, s.status(st, now))
	}
	return st, nil
}

func (st *stream) shard(id string) *shard {
	for _, sh := range st.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// newShards splits the 128-bit hash key space evenly, as Kinesis does.
func newShards(n int) []*shard {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	step := new(big.Int).Div(space, big.NewInt(int64(n)))
	shards := make([]*shard, n)
	for i := range shards {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Mul(step, big.NewInt(int64(i+1)))
		if i == n-1 {
			end = space
		}
		end.Sub(end, big.NewInt(1))
		shards[i] = &shard{index: i, id: shardID(i), start: u128(start), end: u128(end)}
	}
	return shards
}

// route returns the shard whose hash key range holds key.
func (st *stream) route(key uint128) *shard {
	i := sort.Search(len(st.shards), func(i int) bool { return key.less(st.shards[i].start) })
	return st.shards[i-1]
}

// prune drops records older than the retention period.
func (sh *shard) prune(now time.Time) {
	cutoff := now.Add(-retention).UnixMilli()
	i := 0
	for i < len(sh.records) && sh.records[i].arrivalMS < cutoff {
		i++
	}
	if i > 0 {
		sh.records = append([]record(nil), sh.records[i:]...)
	}
}

// from returns the index of the first record whose counter is >= counter.
func (sh *shard) from(counter uint64) int {
	return sort.Search(len(sh.records), func(i int) bool { return sh.records[i].counter >= counter })
}

// uint128 is a hash key.
type uint128 struct{ hi, lo uint64 }

func (a uint128) less(b uint128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a uint128) big() *big.Int {
	b := new(big.Int).SetUint64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo))
}

func (a uint128) String() string { return a.big().String() }

func u128(b *big.Int) uint128 {
	var buf [16]byte
	b.FillBytes(buf[:])
	return uint128{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])}
}

// partitionHash is the MD5 of the partition key read as a 128-bit integer.
func partitionHash(pk string) uint128 {
	sum := md5.Sum([]byte(pk))
	return uint128{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

var hashKeyRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,38})$`)

func parseHashKey(s string) (uint128, error) {
	b, ok := new(big.Int).SetString(s, 10)
	if !hashKeyRE.MatchString(s) || !ok || b.BitLen() > 128 {
		return uint128{}, invalidArg("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", s)
	}
	return u128(b), nil
}

// Sequence numbers are 56 decimal digits, like AWS's: "49", the stream's
// generation (14 digits), a per-stream record counter (32) and the shard
// index (8). They increase with every record put to the stream (so within
// each shard too), and their string order is their numeric order; a
// shard's StartingSequenceNumber carries counter 0.
func seqNumber(generation uint64, shard int, counter uint64) string {
	return fmt.Sprintf("49%014d%032d%08d", generation, counter, shard)
}

type seqParts struct {
	generation uint64
	shard      int
	counter    uint64
}

func parseSeq(s string) (seqParts, bool) {
	if len(s) != 56 || !strings.HasPrefix(s, "49") {
		return seqParts{}, false
	}
	gen, err1 := strconv.ParseUint(s[2:16], 10, 64)
	counter, err3 := strconv.ParseUint(s[16:48], 10, 64)
	sh, err2 := strconv.ParseUint(s[48:], 10, 31)
	if err1 != nil || err2 != nil || err3 != nil {
		return seqParts{}, false
	}
	return seqParts{gen, int(sh), counter}, true
}

// Tokens (shard iterators, ListShards and ListStreams next tokens) are
// opaque to clients: a kind byte, a payload and an HMAC under a key drawn
// when the server starts, base64-encoded.
const (
	kindIterator  = 'I'
	kindShards    = 'S'
	kindStreams   = 'L'
	tokenMACBytes = 16
)

func (s *Server) seal(kind byte, payload []byte) string {
	msg := append([]byte{kind}, payload...)
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write(msg)
	return base64.StdEncoding.EncodeToString(mac.Sum(msg)[:len(msg)+tokenMACBytes])
}

func (s *Server) open(kind byte, token string) ([]byte, bool) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) < 1+tokenMACBytes || raw[0] != kind {
		return nil, false
	}
	msg, sum := raw[:len(raw)-tokenMACBytes], raw[len(raw)-tokenMACBytes:]
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write(msg)
	if !hmac.Equal(mac.Sum(nil)[:tokenMACBytes], sum) {
		return nil, false
	}
	return msg[1:], true
}

// position is what a shard iterator or a ListShards token points at.
type position struct {
	name       string
	generation uint64
	shard      int
	counter    uint64 // iterator: first record counter to return; token: next shard index
	issued     time.Time
}

func (s *Server) sealPosition(kind byte, p position) string {
	b := binary.AppendUvarint(nil, p.generation)
	b = binary.AppendUvarint(b, uint64(p.shard))
	b = binary.AppendUvarint(b, p.counter)
	b = binary.AppendVarint(b, p.issued.UnixNano())
	return s.seal(kind, append(b, p.name...))
}

func (s *Server) openPosition(kind byte, token string) (position, bool) {
	b, ok := s.open(kind, token)
	if !ok {
		return position{}, false
	}
	var p position
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return position{}, false
		}
		vals[i], b = v, b[n:]
	}
	ns, n := binary.Varint(b)
	if n <= 0 {
		return position{}, false
	}
	p.generation, p.shard, p.counter = vals[0], int(vals[1]), vals[2]
	p.issued = time.Unix(0, ns)
	p.name = string(b[n:])
	return p, true
}
