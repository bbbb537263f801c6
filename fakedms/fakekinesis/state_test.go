package fakekinesis

import (
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

func TestSeqNumberRoundTrip(t *testing.T) {
	tests := []seqParts{{1, 0, 0}, {1, 0, 1}, {42, 7, 123456789}, {99999999999999, 99999999, 1<<64 - 1}}
	for _, p := range tests {
		s := seqNumber(p.generation, p.shard, p.counter)
		require.Len(t, s, 56)
		got, ok := parseSeq(s)
		require.True(t, ok, s)
		require.Equal(t, p, got)
	}
	for _, bad := range []string{"", "1", "12345", "49" + string(make([]byte, 54)), "48000000000000010000000000000000000000000000000100000000",
		"4900000000000001000000000000000000000000000000010000000", "490000000000000100000000000000000000000000000001000000000",
		"49000000000000019999999999999999999999999999999900000000", "4900000000000001000000000000000000000000000000010000000x"} {
		_, ok := parseSeq(bad)
		require.False(t, ok, "%q", bad)
	}
}

func TestNewShardsCoverHashSpace(t *testing.T) {
	top := new(big.Int).Lsh(big.NewInt(1), 128)
	for _, n := range []int{1, 2, 3, 4, 7, 100} {
		shards := newShards(n)
		require.Len(t, shards, n)
		next := big.NewInt(0)
		for i, sh := range shards {
			require.Equal(t, i, sh.index)
			require.Equal(t, 0, next.Cmp(sh.start.big()), "n=%d shard %d", n, i)
			require.False(t, sh.end.less(sh.start))
			next = new(big.Int).Add(sh.end.big(), big.NewInt(1))
		}
		require.Equal(t, 0, next.Cmp(top), "n=%d ends at 2^128-1", n)

		st := &stream{shards: shards}
		for _, sh := range shards {
			require.Same(t, sh, st.route(sh.start))
			require.Same(t, sh, st.route(sh.end))
		}
	}
}

func TestParseHashKey(t *testing.T) {
	max := "340282366920938463463374607431768211455"
	k, err := parseHashKey(max)
	require.NoError(t, err)
	require.Equal(t, uint128{1<<64 - 1, 1<<64 - 1}, k)
	require.Equal(t, max, k.String())
	k, err = parseHashKey("18446744073709551616")
	require.NoError(t, err)
	require.Equal(t, uint128{1, 0}, k)
	for _, bad := range []string{"", "-1", "01", "1.5", " 1", "340282366920938463463374607431768211456", "1e5", "9999999999999999999999999999999999999999"} {
		_, err := parseHashKey(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestPartitionHash(t *testing.T) {
	// md5("a") = 0cc175b9c0f1b6a831c399e269772661
	want, _ := new(big.Int).SetString("0cc175b9c0f1b6a831c399e269772661", 16)
	require.Equal(t, want.String(), partitionHash("a").String())
}

func TestTokens(t *testing.T) {
	s := New()
	p := position{name: "stream.name-1", generation: 3, shard: 5, counter: 1 << 40, issued: time.Unix(1700000000, 123456789)}
	tok := s.sealPosition(kindIterator, p)
	got, ok := s.openPosition(kindIterator, tok)
	require.True(t, ok)
	require.True(t, got.issued.Equal(p.issued))
	got.issued = p.issued
	require.Equal(t, p, got)

	_, ok = s.openPosition(kindShards, tok)
	require.False(t, ok, "a token of another kind")
	_, ok = New().openPosition(kindIterator, tok)
	require.False(t, ok, "a token of another server")
	for _, bad := range []string{"", "=", "AAAA", tok[:len(tok)-4]} {
		_, ok = s.openPosition(kindIterator, bad)
		require.False(t, ok, "%q", bad)
	}
	// Longest name: the iterator stays within the API's 512 characters.
	p.name = string(make([]byte, 128))
	require.LessOrEqual(t, len(s.sealPosition(kindIterator, p)), 512)
}

func TestParseEpoch(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"0", time.Unix(0, 0)},
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.123", time.Unix(1700000000, 123000000)},
		{"1700000000.1", time.Unix(1700000000, 100000000)},
		{"1700000000.123456789999", time.Unix(1700000000, 123456789)},
		{"-1.5", time.Unix(-1, -500000000)},
		{"1.7e9", time.Unix(1700000000, 0)},
	}
	for _, tc := range tests {
		got, err := parseEpoch(tc.in)
		require.NoError(t, err, tc.in)
		require.True(t, tc.want.Equal(got), "%s: %v", tc.in, got)
	}
	for _, bad := range []string{"", "x", "1.x", "1..2"} {
		_, err := parseEpoch(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestCodec(t *testing.T) {
	c := newCodec()
	tests := []struct {
		in   smithy.Serializable
		want string
	}{
		{&kinesis.GetRecordsOutput{}, `{}`},
		{&kinesis.GetRecordsOutput{Records: []types.Record{}}, `{"Records":[]}`},
		{&kinesis.GetRecordsOutput{Records: []types.Record{{Data: []byte{0xff, 0}, ApproximateArrivalTimestamp: aws.Time(time.UnixMilli(1))}}},
			`{"Records":[{"ApproximateArrivalTimestamp":0.001,"Data":"/wA="}]}`},
		{&kinesis.DescribeStreamOutput{StreamDescription: &types.StreamDescription{StreamCreationTimestamp: aws.Time(time.Unix(1700000000, 999999999))}},
			`{"StreamDescription":{"StreamCreationTimestamp":1700000000.999}}`},
	}
	for _, tc := range tests {
		b, err := c.encode(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, string(b))
	}
}
