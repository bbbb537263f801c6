package fakekinesis_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/stretchr/testify/require"
)

// call sends a raw request and returns status, headers and body.
func call(t *testing.T, url, method, target, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

const jsonCT = "application/x-amz-json-1.1"

func op(name string) string { return fakekinesis.TargetPrefix + name }

// requireWireError checks the awsJson error shape and returns the message.
func requireWireError(t *testing.T, status int, h http.Header, body []byte, wantStatus int, wantCode string) string {
	t.Helper()
	require.Equal(t, wantStatus, status, "body: %s", body)
	require.Equal(t, wantCode, h.Get("X-Amzn-ErrorType"), "body: %s", body)
	require.NotEmpty(t, h.Get("X-Amzn-Requestid"))
	require.Equal(t, jsonCT, h.Get("Content-Type"))
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	require.Equal(t, wantCode, e.Type)
	require.NotEmpty(t, e.Message)
	return e.Message
}

func TestMalformedRequests(t *testing.T) {
	hs := httptest.NewServer(fakekinesis.New())
	t.Cleanup(hs.Close)
	status, _, body := call(t, hs.URL, "POST", op("CreateStream"), jsonCT, `{"StreamName":"s","ShardCount":2}`)
	require.Equal(t, 200, status, "%s", body)

	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
		code, message                           string
	}{
		{"GET", "GET", op("ListStreams"), jsonCT, "", 400, "UnknownOperationException", "POST"},
		{"no target", "POST", "", jsonCT, "{}", 400, "UnknownOperationException", "X-Amz-Target"},
		{"other service", "POST", "DynamoDB_20120810.ListTables", jsonCT, "{}", 400, "UnknownOperationException", "DynamoDB_20120810.ListTables"},
		{"empty operation", "POST", fakekinesis.TargetPrefix, jsonCT, "{}", 400, "UnknownOperationException", "X-Amz-Target"},
		{"unknown operation", "POST", op("DescribeLimits"), jsonCT, "{}", 400, "UnknownOperationException", "Kinesis_20131202.DescribeLimits is not supported"},
		{"CBOR", "POST", op("ListStreams"), "application/x-amz-cbor-1.1", "\xa0", 400, "SerializationException", "CBOR"},
		{"text/plain", "POST", op("ListStreams"), "text/plain", "{}", 400, "SerializationException", "Content-Type"},
		{"empty body", "POST", op("ListStreams"), jsonCT, "", 400, "SerializationException", "not a JSON object"},
		{"not JSON", "POST", op("ListStreams"), jsonCT, "hello", 400, "SerializationException", "not a JSON object"},
		{"JSON array", "POST", op("ListStreams"), jsonCT, "[]", 400, "SerializationException", "not a JSON object"},
		{"JSON null", "POST", op("ListStreams"), jsonCT, "null", 400, "SerializationException", "not a JSON object"},
		{"truncated", "POST", op("DescribeStream"), jsonCT, `{"StreamName":"s"`, 400, "SerializationException", "EOF"},
		{"trailing data", "POST", op("DescribeStream"), jsonCT, `{"StreamName":"s"} {}`, 400, "SerializationException", "after the JSON object"},
		{"number for string", "POST", op("DescribeStream"), jsonCT, `{"StreamName":5}`, 400, "SerializationException", "StreamName"},
		{"string for integer", "POST", op("CreateStream"), jsonCT, `{"StreamName":"t","ShardCount":"1"}`, 400, "SerializationException", "ShardCount"},
		{"fraction for integer", "POST", op("CreateStream"), jsonCT, `{"StreamName":"t","ShardCount":1.5}`, 400, "SerializationException", "ShardCount"},
		{"object for list", "POST", op("PutRecords"), jsonCT, `{"StreamName":"s","Records":{}}`, 400, "SerializationException", "Records"},
		{"invalid base64", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","PartitionKey":"k","Data":"!!!"}`, 400, "SerializationException", "base64"},
		{"timestamp as string", "POST", op("GetShardIterator"), jsonCT, `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"2026-01-01T00:00:00Z"}`, 400, "SerializationException", "JSON number"},
		{"CreateStream without name", "POST", op("CreateStream"), jsonCT, `{}`, 400, "ValidationException", "'streamName'"},
		{"CreateStream bad mode", "POST", op("CreateStream"), jsonCT, `{"StreamName":"t","StreamModeDetails":{"StreamMode":"FAST"}}`, 400, "ValidationException", "streamMode"},
		{"CreateStream bad strategy", "POST", op("CreateStream"), jsonCT, `{"StreamName":"t","RecordDistributionStrategy":"RANDOM"}`, 400, "ValidationException", "recordDistributionStrategy"},
		{"CreateStream long name", "POST", op("CreateStream"), jsonCT, `{"StreamName":"` + strings.Repeat("n", 129) + `"}`, 400, "ValidationException", "streamName"},
		{"DescribeStream no name", "POST", op("DescribeStream"), jsonCT, `{}`, 400, "ValidationException", "StreamName or StreamARN"},
		{"DescribeStream null name", "POST", op("DescribeStream"), jsonCT, `{"StreamName":null}`, 400, "ValidationException", "StreamName or StreamARN"},
		{"DescribeStream Limit 0", "POST", op("DescribeStream"), jsonCT, `{"StreamName":"s","Limit":0}`, 400, "ValidationException", "'limit'"},
		{"DescribeStream S3 ARN", "POST", op("DescribeStream"), jsonCT, `{"StreamARN":"arn:aws:s3:::bucket"}`, 400, "InvalidArgumentException", "not a Kinesis stream ARN"},
		{"PutRecord no data", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","PartitionKey":"k"}`, 400, "ValidationException", "'data'"},
		{"PutRecord no partition key", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","Data":"eA=="}`, 400, "ValidationException", "'partitionKey'"},
		{"PutRecord empty partition key", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","PartitionKey":"","Data":"eA=="}`, 400, "ValidationException", "'partitionKey'"},
		{"PutRecord bad hash key", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","PartitionKey":"k","ExplicitHashKey":"-1","Data":"eA=="}`, 400, "InvalidArgumentException", "ExplicitHashKey"},
		{"PutRecord bad ordering", "POST", op("PutRecord"), jsonCT, `{"StreamName":"s","PartitionKey":"k","SequenceNumberForOrdering":"12","Data":"eA=="}`, 400, "InvalidArgumentException", "ExclusiveMinimumSequenceNumber"},
		{"PutRecords null records", "POST", op("PutRecords"), jsonCT, `{"StreamName":"s"}`, 400, "ValidationException", "'records'"},
		{"PutRecords empty entry", "POST", op("PutRecords"), jsonCT, `{"StreamName":"s","Records":[{}]}`, 400, "ValidationException", "1 validation error detected: Value null at 'records.1.member.data'"},
		{"GetRecords no iterator", "POST", op("GetRecords"), jsonCT, `{}`, 400, "ValidationException", "'shardIterator'"},
		{"GetRecords empty iterator", "POST", op("GetRecords"), jsonCT, `{"ShardIterator":""}`, 400, "ValidationException", "'shardIterator'"},
		{"GetRecords long iterator", "POST", op("GetRecords"), jsonCT, `{"ShardIterator":"` + strings.Repeat("A", 513) + `"}`, 400, "ValidationException", "'shardIterator'"},
		{"GetRecords Limit too high", "POST", op("GetRecords"), jsonCT, `{"ShardIterator":"AAAA","Limit":10001}`, 400, "ValidationException", "'limit'"},
		{"GetRecords forged iterator", "POST", op("GetRecords"), jsonCT, `{"ShardIterator":"SQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}`, 400, "InvalidArgumentException", "Invalid ShardIterator"},
		{"GetShardIterator empty", "POST", op("GetShardIterator"), jsonCT, `{}`, 400, "ValidationException", "2 validation errors"},
		{"GetShardIterator bad type", "POST", op("GetShardIterator"), jsonCT, `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"OLDEST"}`, 400, "ValidationException", "shardIteratorType"},
		{"GetShardIterator bad sequence", "POST", op("GetShardIterator"), jsonCT, `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"12345"}`, 400, "InvalidArgumentException", "is invalid"},
		{"AT_TIMESTAMP without timestamp", "POST", op("GetShardIterator"), jsonCT, `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP"}`, 400, "InvalidArgumentException", "timestamp"},
		{"ListShards nothing", "POST", op("ListShards"), jsonCT, `{}`, 400, "InvalidArgumentException", "NextToken or StreamName"},
		{"ListShards MaxResults 0", "POST", op("ListShards"), jsonCT, `{"StreamName":"s","MaxResults":0}`, 400, "ValidationException", "maxResults"},
		{"ListShards bad filter", "POST", op("ListShards"), jsonCT, `{"StreamName":"s","ShardFilter":{"Type":"ALL"}}`, 400, "ValidationException", "shardFilter.type"},
		{"ListShards forged token", "POST", op("ListShards"), jsonCT, `{"NextToken":"bm9wZQ=="}`, 400, "InvalidArgumentException", "NextToken"},
		{"ListStreams forged token", "POST", op("ListStreams"), jsonCT, `{"NextToken":"bm9wZQ=="}`, 400, "InvalidArgumentException", "NextToken"},
		{"ListStreams Limit too high", "POST", op("ListStreams"), jsonCT, `{"Limit":10001}`, 400, "ValidationException", "'limit'"},
		{"oversized body", "POST", op("PutRecords"), jsonCT, `{"Records":"` + strings.Repeat("A", 17<<20) + `"}`, 413, "SerializationException", "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := call(t, hs.URL, tc.method, tc.target, tc.contentType, tc.body)
			msg := requireWireError(t, status, h, body, tc.status, tc.code)
			require.Contains(t, msg, tc.message)
		})
	}
}

// TestNoServerErrors throws junk at every operation: the answer is always a
// well-formed 200 or 400, never a 500 or a dropped connection.
func TestNoServerErrors(t *testing.T) {
	hs := httptest.NewServer(fakekinesis.New())
	t.Cleanup(hs.Close)
	status, _, body := call(t, hs.URL, "POST", op("CreateStream"), jsonCT, `{"StreamName":"s","ShardCount":2}`)
	require.Equal(t, 200, status, "%s", body)
	bodies := []string{
		`{}`, `{"StreamName":"s"}`, `{"StreamName":"nope"}`, `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}`,
		`{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/t"}`, `{"StreamARN":"arn"}`,
		`{"StreamName":""}`, `{"StreamName":"s","Limit":-1}`, `{"StreamName":"s","ShardCount":9223372036854775807}`,
		`{"StreamName":"s","Records":[]}`, `{"StreamName":"s","Records":[null]}`, `{"StreamName":"s","Data":null,"PartitionKey":null}`,
		`{"StreamName":"s","ShardId":"shardId-000000000001","ShardIteratorType":"LATEST"}`,
		`{"StreamName":"s","ShardId":"x","ShardIteratorType":"AT_TIMESTAMP","Timestamp":-1e300}`,
		`{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1e300}`,
		`{"ShardIterator":"====","Limit":1}`, `{"NextToken":""}`, `{"StreamName":"s","ShardFilter":{"Type":"AFTER_SHARD_ID"}}`,
		`{"StreamName":"s","ExclusiveStartShardId":"zzz"}`, `{"ExclusiveStartStreamName":""}`,
		`{"StreamName":{"nested":[1,2,{"deep":true}]}}`, `{"StreamName":"s","Unknown":"ignored"}`, `{"Records":[{"Data":"eA==","PartitionKey":"k","ExplicitHashKey":"340282366920938463463374607431768211455"}],"StreamName":"s"}`,
	}
	for _, name := range fakekinesis.Operations() {
		for _, b := range bodies {
			status, h, resp := call(t, hs.URL, "POST", op(name), jsonCT, b)
			switch status {
			case 200:
				require.True(t, json.Valid(resp), "%s %s: %s", name, b, resp)
			case 400:
				requireWireError(t, status, h, resp, 400, h.Get("X-Amzn-ErrorType"))
			default:
				t.Fatalf("%s %s: HTTP %d: %s", name, b, status, resp)
			}
		}
	}
}

// TestWireFormat pins the response shapes the SDK's serializer produces:
// timestamps are epoch-second JSON numbers with a millisecond fraction,
// blobs base64, nil members absent.
func TestWireFormat(t *testing.T) {
	clk := newClock()
	clk.Add(123 * time.Millisecond)
	hs := httptest.NewServer(fakekinesis.New(fakekinesis.WithClock(clk.Now)))
	t.Cleanup(hs.Close)
	post := func(operation, body string) (http.Header, string) {
		status, h, resp := call(t, hs.URL, "POST", op(operation), jsonCT, body)
		require.Equal(t, 200, status, "%s: %s", operation, resp)
		require.Equal(t, jsonCT, h.Get("Content-Type"))
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, h.Get("X-Amzn-Requestid"))
		return h, string(resp)
	}
	_, resp := post("CreateStream", `{"StreamName":"wire","ShardCount":2}`)
	require.Equal(t, `{}`, resp)

	_, resp = post("PutRecord", `{"StreamName":"wire","PartitionKey":"k","ExplicitHashKey":"0","Data":"aGk="}`)
	require.Equal(t, `{"EncryptionType":"NONE","SequenceNumber":"49000000000000010000000000000000000000000000000100000000","ShardId":"shardId-000000000000"}`, resp)

	_, resp = post("DescribeStreamSummary", `{"StreamName":"wire"}`)
	require.Equal(t, `{"StreamDescriptionSummary":{"ConsumerCount":0,"EncryptionType":"NONE","EnhancedMonitoring":[{"ShardLevelMetrics":[]}],`+
		`"OpenShardCount":2,"RecordDistributionStrategy":"USER_PARTITION_KEY","RetentionPeriodHours":24,`+
		`"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/wire","StreamCreationTimestamp":1767323045.123,`+
		`"StreamModeDetails":{"StreamMode":"PROVISIONED"},"StreamName":"wire","StreamStatus":"ACTIVE"}}`, resp)

	_, resp = post("ListShards", `{"StreamName":"wire","MaxResults":1}`)
	var shards struct {
		NextToken string
		Shards    []json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &shards))
	require.NotEmpty(t, shards.NextToken)
	require.Equal(t, `{"HashKeyRange":{"EndingHashKey":"170141183460469231731687303715884105727","StartingHashKey":"0"},`+
		`"SequenceNumberRange":{"StartingSequenceNumber":"49000000000000010000000000000000000000000000000000000000"},"ShardId":"shardId-000000000000"}`,
		string(shards.Shards[0]))

	_, resp = post("GetShardIterator", `{"StreamName":"wire","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`)
	var it struct{ ShardIterator string }
	require.NoError(t, json.Unmarshal([]byte(resp), &it))

	_, resp = post("GetRecords", `{"ShardIterator":"`+it.ShardIterator+`"}`)
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(resp), &got))
	require.Equal(t, `0`, string(got["MillisBehindLatest"]))
	require.Equal(t, `[{"ApproximateArrivalTimestamp":1767323045.123,"Data":"aGk=","PartitionKey":"k",`+
		`"SequenceNumber":"49000000000000010000000000000000000000000000000100000000"}]`, string(got["Records"]))
	require.Contains(t, got, "NextShardIterator")
	require.NotContains(t, got, "ChildShards")

	status, h, body := call(t, hs.URL, "POST", op("DescribeStream"), jsonCT, `{"StreamName":"nope"}`)
	require.Equal(t, 400, status)
	require.Equal(t, "ResourceNotFoundException", h.Get("X-Amzn-ErrorType"))
	require.Equal(t, `{"__type":"ResourceNotFoundException","message":"Stream nope under account 000000000000 not found."}`, string(body))
}

func TestSDKRequestFormat(t *testing.T) {
	// What aws-sdk-go-v2 kinesis v1.56.12 sends: awsJson1.1, not CBOR.
	var got *http.Request
	var body []byte
	srv := fakekinesis.New()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(r.Context())
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c := newClient(hs.URL)
	_, err := c.CreateStream(t.Context(), &kinesis.CreateStreamInput{StreamName: aws.String("fmt")})
	require.NoError(t, err)
	require.Equal(t, "POST", got.Method)
	require.Equal(t, "/", got.URL.Path)
	require.Equal(t, "application/x-amz-json-1.1", got.Header.Get("Content-Type"))
	require.Equal(t, "Kinesis_20131202.CreateStream", got.Header.Get("X-Amz-Target"))
	require.True(t, srv.Handles(got))
	require.JSONEq(t, `{"StreamName":"fmt"}`, string(body))

	_, err = c.GetShardIterator(t.Context(), &kinesis.GetShardIteratorInput{StreamName: aws.String("fmt"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: "AT_TIMESTAMP", Timestamp: aws.Time(time.UnixMilli(1700000000123))})
	require.NoError(t, err)
	require.JSONEq(t, `{"StreamName":"fmt","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.123}`, string(body))
}

func TestHandles(t *testing.T) {
	srv := fakekinesis.New()
	for target, want := range map[string]bool{
		"Kinesis_20131202.PutRecord":             true,
		"Kinesis_20131202.Anything":              true,
		"AmazonDMSv20160101.DescribeEndpoints":   false,
		"kinesis_20131202.PutRecord":             false,
		"":                                       false,
		"Kinesis_20131202":                       false,
		"DynamoDB_20120810.Kinesis_20131202.Put": false,
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("X-Amz-Target", target)
		require.Equal(t, want, srv.Handles(r), "%q", target)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, c := newServer(t, fakekinesis.WithLogger(log))
	_, err := c.DescribeStream(t.Context(), &kinesis.DescribeStreamInput{StreamName: aws.String("nope")})
	require.Error(t, err)
	_, err = c.ListStreams(t.Context(), &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, buf.String(), "op=DescribeStream status=400 error=ResourceNotFoundException")
	require.Contains(t, buf.String(), "op=ListStreams status=200")
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
