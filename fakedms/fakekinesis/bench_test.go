package fakekinesis_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// BenchmarkPutRecords sends full 500-record PutRecords calls (100-byte
// records, 4 shards) through the SDK client over loopback HTTP.
func BenchmarkPutRecords(b *testing.B) {
	_, c := newServer(b)
	ctx := b.Context()
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]types.PutRecordsRequestEntry, 500)
	for i := range batch {
		data := make([]byte, 100)
		copy(data, fmt.Sprintf(`{"id":%d}`, i))
		batch[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint("key-", i)), Data: data}
	}
	in := &kinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: batch}
	calls := 0
	for b.Loop() {
		out, err := c.PutRecords(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if *out.FailedRecordCount != 0 {
			b.Fatalf("%d records failed", *out.FailedRecordCount)
		}
		calls++
	}
	b.ReportMetric(float64(calls*len(batch))/b.Elapsed().Seconds(), "records/s")
}
