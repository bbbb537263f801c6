// Command quickstart replicates CSV files from S3 into Kinesis through the
// AWS DMS API, with nothing but Go: no database, no network, no Docker.
//
//	go run ./examples/quickstart
//
// It starts fakedms in this process (the DMS API, with the built-in S3 and
// Kinesis on the same endpoint), uploads two tables' CSV files to a bucket
// with the S3 client, and then does what a program does against AWS DMS,
// with the unmodified AWS SDK clients: a replication instance, an S3
// source endpoint (the ExternalTableDefinition describes the tables), a
// Kinesis target endpoint on a new stream, a connection test and a
// full-load-and-cdc task, each waited for with the SDK's waiters. It
// prints the Kinesis records as they arrive (operation, table, data), the
// table statistics, uploads a CDC file and prints the changes it makes,
// then stops the task.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/minidms/minidms/fakedms"
)

const (
	bucket = "quickstart"
	stream = "shop-changes"

	// definition describes the CSV files: which tables, where their files
	// are (under the endpoint's BucketFolder), which columns.
	definition = `{
  "TableCount": "2",
  "Tables": [
    {"TableName": "products", "TablePath": "shop/products/", "TableOwner": "shop", "TableColumnsTotal": "3",
     "TableColumns": [
       {"ColumnName": "id", "ColumnType": "INT4", "ColumnNullable": "false", "ColumnIsPk": "true"},
       {"ColumnName": "name", "ColumnType": "STRING", "ColumnLength": "40", "ColumnNullable": "false"},
       {"ColumnName": "price", "ColumnType": "NUMERIC", "ColumnPrecision": "8", "ColumnScale": "2", "ColumnNullable": "true"}]},
    {"TableName": "orders", "TablePath": "shop/orders/", "TableOwner": "shop", "TableColumnsTotal": "3",
     "TableColumns": [
       {"ColumnName": "id", "ColumnType": "INT4", "ColumnNullable": "false", "ColumnIsPk": "true"},
       {"ColumnName": "product_id", "ColumnType": "INT4", "ColumnNullable": "true"},
       {"ColumnName": "placed_at", "ColumnType": "DATETIME", "ColumnScale": "3", "ColumnNullable": "true"}]}
  ]
}`
	mapping = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"shop",` +
		`"object-locator":{"schema-name":"shop","table-name":"%"},"rule-action":"include"}]}`
)

// The full-load files, then the CDC file: operation, table, schema, values.
var (
	loadFiles = []struct{ key, body string }{
		{"data/shop/products/LOAD00000001.csv", "1,apple,0.50\n2,pear,0.75\n"},
		{"data/shop/orders/LOAD00000001.csv", "1,2,2026-11-23 10:00:00.125\n"},
	}
	cdcFile = struct{ key, body string }{"data/changes/CDC00000001.csv", "" +
		"INSERT,products,shop,3,kiwi,0.40\n" +
		"UPDATE,products,shop,1,apple,0.55\n" +
		"DELETE,orders,shop,1,2,2026-11-23 10:00:00.125\n"}
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// fast makes an SDK waiter poll every 10 ms instead of its default 15 s.
func fast(minDelay, maxDelay *time.Duration) {
	*minDelay, *maxDelay = 10*time.Millisecond, 50*time.Millisecond
}

const maxWait = 20 * time.Second

func run(ctx context.Context, out io.Writer) error {
	srv := fakedms.NewServer()
	defer srv.Close()
	fmt.Fprintf(out, "fakedms serves DMS, S3 and Kinesis at %s\n\n", srv.URL)

	// The source data, in the built-in S3.
	sc := srv.S3Client()
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	for _, f := range loadFiles {
		if err := upload(ctx, out, sc, f.key, f.body); err != nil {
			return err
		}
	}

	// The target stream, in the built-in Kinesis.
	kc := srv.KinesisClient()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(1)}); err != nil {
		return fmt.Errorf("create stream: %w", err)
	}
	streamExists := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	if err := streamExists.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, maxWait); err != nil {
		return fmt.Errorf("wait for stream: %w", err)
	}

	// DMS: instance, endpoints, connection test, task.
	dms := srv.DMSClient()
	inst, err := dms.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("quickstart"),
		ReplicationInstanceClass:      aws.String("dms.t3.micro"),
	})
	if err != nil {
		return fmt.Errorf("create replication instance: %w", err)
	}
	instanceArn := inst.ReplicationInstance.ReplicationInstanceArn
	available := dmsapi.NewReplicationInstanceAvailableWaiter(dms, func(o *dmsapi.ReplicationInstanceAvailableWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	if err := available.Wait(ctx, &dmsapi.DescribeReplicationInstancesInput{Filters: []types.Filter{
		{Name: aws.String("replication-instance-arn"), Values: []string{*instanceArn}}}}, maxWait); err != nil {
		return fmt.Errorf("wait for replication instance: %w", err)
	}
	source, err := dms.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("shop-files"),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("s3"),
		S3Settings: &types.S3Settings{
			BucketName:              aws.String(bucket),
			BucketFolder:            aws.String("data"),
			CdcPath:                 aws.String("changes"),
			ExternalTableDefinition: aws.String(definition),
			ServiceAccessRoleArn:    aws.String("arn:aws:iam::000000000000:role/dms-s3"),
		},
	})
	if err != nil {
		return fmt.Errorf("create source endpoint: %w", err)
	}
	target, err := dms.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("shop-stream"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{
			StreamArn:            aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream),
			MessageFormat:        types.MessageFormatValueJson,
			ServiceAccessRoleArn: aws.String("arn:aws:iam::000000000000:role/dms-kinesis"),
		},
	})
	if err != nil {
		return fmt.Errorf("create target endpoint: %w", err)
	}
	if _, err := dms.TestConnection(ctx, &dmsapi.TestConnectionInput{EndpointArn: source.Endpoint.EndpointArn, ReplicationInstanceArn: instanceArn}); err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	connected := dmsapi.NewTestConnectionSucceedsWaiter(dms, func(o *dmsapi.TestConnectionSucceedsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	if err := connected.Wait(ctx, &dmsapi.DescribeConnectionsInput{Filters: []types.Filter{
		{Name: aws.String("endpoint-arn"), Values: []string{*source.Endpoint.EndpointArn}}}}, maxWait); err != nil {
		return fmt.Errorf("connection test of %s: %w", *source.Endpoint.EndpointIdentifier, err)
	}
	fmt.Fprintf(out, "\nconnection test of endpoint %s: successful\n", *source.Endpoint.EndpointIdentifier)

	created, err := dms.CreateReplicationTask(ctx, &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("shop-to-kinesis"),
		MigrationType:             types.MigrationTypeValueFullLoadAndCdc,
		ReplicationInstanceArn:    instanceArn,
		SourceEndpointArn:         source.Endpoint.EndpointArn,
		TargetEndpointArn:         target.Endpoint.EndpointArn,
		TableMappings:             aws.String(mapping),
	})
	if err != nil {
		return fmt.Errorf("create replication task: %w", err)
	}
	taskArn := *created.ReplicationTask.ReplicationTaskArn
	byArn := &dmsapi.DescribeReplicationTasksInput{Filters: []types.Filter{
		{Name: aws.String("replication-task-arn"), Values: []string{taskArn}}}}
	ready := dmsapi.NewReplicationTaskReadyWaiter(dms, func(o *dmsapi.ReplicationTaskReadyWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	if err := ready.Wait(ctx, byArn, maxWait); err != nil {
		return fmt.Errorf("wait for task ready: %w", err)
	}
	started, err := dms.StartReplicationTask(ctx, &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn:       aws.String(taskArn),
		StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
	})
	if err != nil {
		return fmt.Errorf("start replication task: %w", err)
	}
	fmt.Fprintf(out, "task %s (%s): %s\n", *created.ReplicationTask.ReplicationTaskIdentifier, created.ReplicationTask.MigrationType, *started.ReplicationTask.Status)
	running := dmsapi.NewReplicationTaskRunningWaiter(dms, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	if err := running.Wait(ctx, byArn, maxWait); err != nil {
		return fmt.Errorf("wait for task running: %w", err)
	}
	fmt.Fprintln(out, "task running")

	// The full load: per table a drop-table and a create-table, its rows,
	// and the create-table of awsdms_apply_exceptions as CDC begins.
	records, err := newReader(ctx, kc, stream)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nKinesis records of the full load:")
	if err := records.read(ctx, out, 8); err != nil {
		return err
	}
	if err := waitFullLoad(ctx, dms, byArn); err != nil {
		return err
	}
	if err := printStatistics(ctx, out, dms, taskArn); err != nil {
		return err
	}

	// CDC: a new file under CdcPath.
	fmt.Fprintln(out)
	if err := upload(ctx, out, sc, cdcFile.key, cdcFile.body); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nKinesis records of the changes:")
	if err := records.read(ctx, out, 3); err != nil {
		return err
	}

	// A stop delivers what was read, then the statistics are final.
	if _, err := dms.StopReplicationTask(ctx, &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(taskArn)}); err != nil {
		return fmt.Errorf("stop replication task: %w", err)
	}
	stopped := dmsapi.NewReplicationTaskStoppedWaiter(dms, func(o *dmsapi.ReplicationTaskStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	desc, err := stopped.WaitForOutput(ctx, byArn, maxWait)
	if err != nil {
		return fmt.Errorf("wait for task stopped: %w", err)
	}
	fmt.Fprintf(out, "\ntask stopped: %s\n", aws.ToString(desc.ReplicationTasks[0].StopReason))
	return printStatistics(ctx, out, dms, taskArn)
}

func upload(ctx context.Context, out io.Writer, sc *s3.Client, key, body string) error {
	if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		return fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
	}
	lines := "lines"
	if strings.Count(body, "\n") == 1 {
		lines = "line"
	}
	fmt.Fprintf(out, "uploaded s3://%s/%s (%d %s)\n", bucket, key, strings.Count(body, "\n"), lines)
	return nil
}

// waitFullLoad waits until the task reports its full load done
// (ReplicationTaskStats.FullLoadProgressPercent 100): its records can be
// read from the stream a moment before the task has counted them.
func waitFullLoad(ctx context.Context, dms *dmsapi.Client, byArn *dmsapi.DescribeReplicationTasksInput) error {
	deadline := time.Now().Add(maxWait)
	for {
		out, err := dms.DescribeReplicationTasks(ctx, byArn)
		if err != nil {
			return fmt.Errorf("describe replication task: %w", err)
		}
		if st := out.ReplicationTasks[0].ReplicationTaskStats; st != nil && st.FullLoadProgressPercent == 100 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("full load not done after %s", maxWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// reader reads the stream's only shard from its start.
type reader struct {
	kc       *kinesis.Client
	iterator *string
	pending  []ktypes.Record
}

func newReader(ctx context.Context, kc *kinesis.Client, stream string) (*reader, error) {
	ds, err := kc.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
	if err != nil {
		return nil, fmt.Errorf("describe stream: %w", err)
	}
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(stream),
		ShardId:           ds.StreamDescription.Shards[0].ShardId,
		ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return nil, fmt.Errorf("get shard iterator: %w", err)
	}
	return &reader{kc: kc, iterator: it.ShardIterator}, nil
}

// read prints the next n records as they arrive.
func (r *reader) read(ctx context.Context, out io.Writer, n int) error {
	deadline := time.Now().Add(maxWait)
	for n > 0 {
		if len(r.pending) == 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("still waiting for %d Kinesis records after %s", n, maxWait)
			}
			got, err := r.kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: r.iterator})
			if err != nil {
				return fmt.Errorf("get records: %w", err)
			}
			r.iterator, r.pending = got.NextShardIterator, got.Records
			if len(r.pending) == 0 {
				select { // the stream is empty for now: look again shortly
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
			}
			continue
		}
		line, err := describe(r.pending[0].Data)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, line)
		r.pending, n = r.pending[1:], n-1
	}
	return nil
}

// describe is one line for a DMS record: operation, table, data.
func describe(data []byte) (string, error) {
	var rec struct {
		Data     json.RawMessage `json:"data"`
		Metadata struct {
			Operation  string `json:"operation"`
			SchemaName string `json:"schema-name"`
			TableName  string `json:"table-name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return "", fmt.Errorf("decode record %q: %w", data, err)
	}
	md := rec.Metadata
	table := md.TableName
	if md.SchemaName != "" {
		table = md.SchemaName + "." + table
	}
	line := fmt.Sprintf("  %-13s %-24s", md.Operation, table)
	if len(rec.Data) > 0 {
		var compact bytes.Buffer
		if err := json.Compact(&compact, rec.Data); err != nil {
			return "", err
		}
		line += " " + compact.String()
	}
	return strings.TrimRight(line, " "), nil
}

func printStatistics(ctx context.Context, out io.Writer, dms *dmsapi.Client, taskArn string) error {
	stats, err := dms.DescribeTableStatistics(ctx, &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(taskArn)})
	if err != nil {
		return fmt.Errorf("describe table statistics: %w", err)
	}
	fmt.Fprintln(out, "table statistics:")
	for _, ts := range stats.TableStatistics {
		fmt.Fprintf(out, "  %-14s %d loaded, %d inserts, %d updates, %d deletes (%s)\n",
			*ts.SchemaName+"."+*ts.TableName, ts.FullLoadRows, ts.Inserts, ts.Updates, ts.Deletes, aws.ToString(ts.TableState))
	}
	return nil
}
