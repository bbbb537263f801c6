package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAWSCLIS3 seeds the built-in S3 with the AWS CLI's s3api and runs a
// full-load task from an S3 source endpoint (its ExternalTableDefinition
// given top-level) to the built-in Kinesis.
func TestAWSCLIS3(t *testing.T) {
	requireCLI(t)
	url, _ := startBinary(t)
	aws, must := cli(t, url)

	must("s3api", "create-bucket", "--bucket", "cli-bucket")
	file := filepath.Join(t.TempDir(), "LOAD001.csv")
	require.NoError(t, os.WriteFile(file, []byte("1,apple\n2,pear\n"), 0o600))
	must("s3api", "put-object", "--bucket", "cli-bucket", "--key", "data/shop/fruit/LOAD001.csv", "--body", file)
	keys := must("s3api", "list-objects-v2", "--bucket", "cli-bucket")["Contents"].([]any)
	require.Equal(t, "data/shop/fruit/LOAD001.csv", keys[0].(map[string]any)["Key"])

	const definition = `{"TableCount":"1","Tables":[{"TableName":"fruit","TablePath":"shop/fruit/","TableOwner":"shop",` +
		`"TableColumns":[{"ColumnName":"id","ColumnType":"INT4","ColumnIsPk":"true"},{"ColumnName":"name","ColumnType":"STRING","ColumnLength":"20"}],"TableColumnsTotal":"2"}]}`
	_, stderr, err := aws("dms", "create-endpoint", "--endpoint-identifier", "bad", "--endpoint-type", "source", "--engine-name", "s3",
		"--s3-settings", "BucketName=cli-bucket", "--external-table-definition", `{"Tables":[]}`)
	require.Error(t, err)
	require.Contains(t, stderr, "An error occurred (InvalidParameterValueException) when calling the CreateEndpoint operation: Invalid external table definition document. Tables must hold at least one table")

	source := must("dms", "create-endpoint", "--endpoint-identifier", "bucket", "--endpoint-type", "source", "--engine-name", "s3",
		"--s3-settings", "BucketName=cli-bucket,BucketFolder=data", "--external-table-definition", definition)["Endpoint"].(map[string]any)
	must("kinesis", "create-stream", "--stream-name", "fruit", "--shard-count", "1")
	target := must("dms", "create-endpoint", "--endpoint-identifier", "stream", "--endpoint-type", "target", "--engine-name", "kinesis",
		"--kinesis-settings", "StreamArn=arn:aws:kinesis:us-east-1:000000000000:stream/fruit,MessageFormat=json-unformatted")["Endpoint"].(map[string]any)
	inst := must("dms", "create-replication-instance", "--replication-instance-identifier", "cli", "--replication-instance-class", "dms.t3.micro")["ReplicationInstance"].(map[string]any)
	task := must("dms", "create-replication-task", "--replication-task-identifier", "fruit", "--migration-type", "full-load",
		"--replication-instance-arn", inst["ReplicationInstanceArn"].(string),
		"--source-endpoint-arn", source["EndpointArn"].(string), "--target-endpoint-arn", target["EndpointArn"].(string),
		"--table-mappings", `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`,
	)["ReplicationTask"].(map[string]any)
	arn := task["ReplicationTaskArn"].(string)
	must("dms", "start-replication-task", "--replication-task-arn", arn, "--start-replication-task-type", "start-replication")
	var status string
	deadline := time.Now().Add(30 * time.Second)
	for status != "stopped" {
		require.True(t, time.Now().Before(deadline), "task status %s", status)
		tasks := must("dms", "describe-replication-tasks", "--filters", "Name=replication-task-arn,Values="+arn, "--without-settings")["ReplicationTasks"].([]any)
		status = tasks[0].(map[string]any)["Status"].(string)
		require.NotEqual(t, "failed", status, "%v", tasks[0])
	}

	shards := must("kinesis", "describe-stream", "--stream-name", "fruit")["StreamDescription"].(map[string]any)["Shards"].([]any)
	it := must("kinesis", "get-shard-iterator", "--stream-name", "fruit", "--shard-id", shards[0].(map[string]any)["ShardId"].(string),
		"--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"].(string)
	records := must("kinesis", "get-records", "--shard-iterator", it)["Records"].([]any)
	require.Len(t, records, 4, "drop-table, create-table, two loads")
	for i, want := range []string{`{"data":{"id":1,"name":"apple"},"metadata":{`, `{"data":{"id":2,"name":"pear"},"metadata":{`} {
		data, err := base64.StdEncoding.DecodeString(records[2+i].(map[string]any)["Data"].(string))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(data), want), string(data))
	}
}
