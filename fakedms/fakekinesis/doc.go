// Package fakekinesis is an in-memory Kinesis Data Streams API for tests: an
// [http.Handler] that speaks the protocol the AWS SDKs use, so that a test
// needs neither AWS nor Node (kinesalite, kinesis-local).
//
//	fake := fakekinesis.New()
//	srv := httptest.NewServer(fake)
//	defer srv.Close()
//	client := kinesis.New(kinesis.Options{
//		Region:       "us-east-1",
//		BaseEndpoint: aws.String(srv.URL),
//		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
//	})
//
// fakedms mounts the same handler next to the DMS API on one endpoint and
// routes with [Server.Handles] (X-Amz-Target "Kinesis_20131202.<Op>").
//
// # Operations
//
// CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary,
// ListStreams, ListShards, PutRecord, PutRecords, GetShardIterator and
// GetRecords (see [Operations]); anything else is an
// UnknownOperationException naming the operation. Streams are addressed by
// StreamName or StreamARN (arn:aws:kinesis:<region>:<account>:stream/<name>).
// Records are routed by the MD5 of the partition key (or ExplicitHashKey)
// over the 128-bit hash key space split evenly between the shards, as on
// AWS. The README lists the limits and where the fake differs from AWS.
//
// # Wire format
//
// Requests are awsJson1.1: POST, Content-Type application/x-amz-json-1.1
// (aws-sdk-go-v2's kinesis client v1.56 sends that, not CBOR; a CBOR request
// gets a SerializationException saying so). Responses are rendered by the
// SDK itself: since v1.55 its output types (kinesis.GetRecordsOutput, …)
// serialize themselves through the service schemas, and the fake borrows
// smithy-go's awsJson serializer to write them. That is simpler than
// hand-written response shapes and exact by construction: timestamps are
// epoch seconds as JSON numbers with a millisecond fraction (the SDK rejects
// strings), blobs standard base64, nil members absent. Request bodies are
// decoded with encoding/json into small structs (the SDK's input types can
// serialize but not deserialize themselves). Errors are HTTP 400 with
// X-Amzn-ErrorType and {"__type","message"}; the modeled ones are the SDK's
// own exception types, so clients get *types.ResourceNotFoundException and
// friends. Malformed JSON is a SerializationException, a violated model
// constraint (missing member, length, range) a ValidationException, as on
// AWS and in kinesalite.
//
// # State and time
//
// All state sits behind one mutex. Nothing runs in the background: the
// stream status delay ([WithStatusDelay]), iterator expiry (5 minutes),
// NextToken expiry and the 24-hour retention are computed from the clock
// ([WithClock]) when a request looks, so the package starts no goroutine and
// needs no Close. Shard iterators and next tokens are opaque, HMAC-sealed
// with a key drawn per server.
//
// # Test helpers
//
// [Server.Records] reads a stream's records without the protocol;
// [Server.ThrottleNext] and [Server.FailRecords] inject the throughput
// errors producers must handle. The kinesistest sub-package holds a
// client-side conformance suite that passes against this fake and against
// kinesalite.
package fakekinesis
