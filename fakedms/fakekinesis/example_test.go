package fakekinesis_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/minidms/minidms/fakedms/fakekinesis"
)

// A fake Kinesis behind an httptest server, used with the real SDK client.
func Example() {
	fake := fakekinesis.New()
	srv := httptest.NewServer(fake)
	defer srv.Close()

	client := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()

	_, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("events"), ShardCount: aws.Int32(2)})
	if err != nil {
		log.Fatal(err)
	}
	put, err := client.PutRecord(ctx, &kinesis.PutRecordInput{
		StreamName:   aws.String("events"),
		PartitionKey: aws.String("user-1"),
		Data:         []byte(`{"hello":"kinesis"}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored in", *put.ShardId)

	it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String("events"),
		ShardId:           put.ShardId,
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		log.Fatal(err)
	}
	out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range out.Records {
		fmt.Printf("read %s: %s\n", *r.PartitionKey, r.Data)
	}

	// Test helpers read the state directly.
	fmt.Println("records in the stream:", len(fake.Records("events")))
	// Output:
	// stored in shardId-000000000001
	// read user-1: {"hello":"kinesis"}
	// records in the stream: 1
}
