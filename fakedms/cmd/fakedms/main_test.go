package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

// awsCLI is Debian's aws-cli (package awscli); an image may have another
// aws earlier on PATH.
const awsCLI = "/usr/bin/aws"

func TestServerlessFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want serverless
		err  string
	}{
		{"defaults", nil, serverless{deprovisioningDelay: 60 * time.Second}, ""},
		{"set", map[string]string{"DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME": "3", "DMS_SERVERLESS_DEPROVISIONING_DELAY": "0.5"},
			serverless{statusChangeWait: 3 * time.Second, deprovisioningDelay: 500 * time.Millisecond}, ""},
		{"invalid", map[string]string{"DMS_SERVERLESS_DEPROVISIONING_DELAY": "soon"}, serverless{},
			`DMS_SERVERLESS_DEPROVISIONING_DELAY="soon": want a non-negative number of seconds`},
		{"negative", map[string]string{"DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME": "-1"}, serverless{},
			`DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME="-1": want a non-negative number of seconds`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serverlessFromEnv(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// startBinary builds and starts fakedms on a free port and returns its URL
// and a function that stops it with SIGINT and returns its log.
func startBinary(t *testing.T) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	bin := filepath.Join(t.TempDir(), "fakedms")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var logText strings.Builder
	var url string
	deadline := time.After(30 * time.Second)
	for url == "" {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "fakedms exited: %s", logText.String())
			logText.WriteString(l + "\n")
			if m := regexp.MustCompile(`msg="fakedms listening" url=(\S+)`).FindStringSubmatch(l); m != nil {
				url = m[1]
			}
		case <-deadline:
			t.Fatalf("fakedms did not start: %s", logText.String())
		}
	}
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			for l := range lines {
				logText.WriteString(l + "\n")
			}
			require.NoError(t, cmd.Wait(), "fakedms exit status; log:\n%s", logText.String())
		}
		return logText.String()
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

func requireCLI(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: install Debian's awscli (apt-get install -y --no-install-recommends awscli)", awsCLI)
		}
		t.Skipf("%s is missing (Debian package awscli)", awsCLI)
	}
}

// cli returns runners of the AWS CLI against url: aws returns the parsed
// JSON output, stderr and the error; must fails the test on an error.
func cli(t *testing.T, url string) (aws func(args ...string) (map[string]any, string, error), must func(args ...string) map[string]any) {
	home := t.TempDir()
	aws = func(args ...string) (map[string]any, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsCLI, append(args, "--endpoint-url", url, "--output", "json")...)
		cmd.Env = []string{"HOME=" + home, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "AWS_PAGER=", "PATH=/usr/bin:/bin"}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var doc map[string]any
		if err == nil && strings.TrimSpace(stdout.String()) != "" {
			require.NoError(t, json.Unmarshal([]byte(stdout.String()), &doc), stdout.String())
		}
		return doc, stderr.String(), err
	}
	must = func(args ...string) map[string]any {
		t.Helper()
		doc, stderr, err := aws(args...)
		require.NoError(t, err, "aws %s: %s", strings.Join(args, " "), stderr)
		return doc
	}
	return aws, must
}

// TestAWSCLI drives the standalone server with the AWS CLI, a client no
// one here wrote.
func TestAWSCLI(t *testing.T) {
	requireCLI(t)
	url, stop := startBinary(t)
	aws, must := cli(t, url)

	inst := must("dms", "create-replication-instance", "--replication-instance-identifier", "CLI-Instance", "--replication-instance-class", "dms.t3.micro")["ReplicationInstance"].(map[string]any)
	require.Equal(t, "cli-instance", inst["ReplicationInstanceIdentifier"])
	require.Regexp(t, `^\d{4}-\d\d-\d\dT`, inst["InstanceCreateTime"], "the CLI parsed the epoch timestamp")
	instances := must("dms", "describe-replication-instances", "--filters", "Name=replication-instance-id,Values=cli-instance")["ReplicationInstances"].([]any)
	require.Equal(t, "available", instances[0].(map[string]any)["ReplicationInstanceStatus"])

	must("kinesis", "create-stream", "--stream-name", "cli-stream", "--shard-count", "1")
	streams := must("kinesis", "list-streams")["StreamNames"].([]any)
	require.Equal(t, []any{"cli-stream"}, streams)

	target := must("dms", "create-endpoint", "--endpoint-identifier", "cli-target", "--endpoint-type", "target", "--engine-name", "kinesis",
		"--kinesis-settings", "StreamArn=arn:aws:kinesis:us-east-1:000000000000:stream/cli-stream,MessageFormat=json,IncludeControlDetails=true")["Endpoint"].(map[string]any)
	require.Equal(t, "TARGET", target["EndpointType"])
	require.Equal(t, true, target["KinesisSettings"].(map[string]any)["IncludeControlDetails"])
	source := must("dms", "create-endpoint", "--endpoint-identifier", "cli-source", "--endpoint-type", "source", "--engine-name", "mysql",
		"--server-name", "127.0.0.1", "--port", "3306", "--username", "u", "--password", "secret")["Endpoint"].(map[string]any)
	require.NotContains(t, source["MySQLSettings"], "Password")

	types := must("dms", "describe-endpoint-types", "--filters", "Name=engine-name,Values=kinesis")["SupportedEndpointTypes"].([]any)
	require.Equal(t, "Amazon Kinesis", types[0].(map[string]any)["EngineDisplayName"])

	task := must("dms", "create-replication-task", "--replication-task-identifier", "cli-task", "--migration-type", "full-load",
		"--replication-instance-arn", inst["ReplicationInstanceArn"].(string),
		"--source-endpoint-arn", source["EndpointArn"].(string), "--target-endpoint-arn", target["EndpointArn"].(string),
		"--table-mappings", `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`,
	)["ReplicationTask"].(map[string]any)
	require.Equal(t, "creating", task["Status"])
	tasks := must("dms", "describe-replication-tasks", "--without-settings")["ReplicationTasks"].([]any)
	require.Equal(t, "ready", tasks[0].(map[string]any)["Status"])
	require.NotContains(t, tasks[0], "ReplicationTaskSettings")

	_, stderr, err := aws("dms", "create-replication-task", "--replication-task-identifier", "swapped", "--migration-type", "full-load",
		"--replication-instance-arn", inst["ReplicationInstanceArn"].(string),
		"--source-endpoint-arn", target["EndpointArn"].(string), "--target-endpoint-arn", source["EndpointArn"].(string),
		"--table-mappings", `{"rules":[]}`)
	require.Error(t, err)
	require.Contains(t, stderr, "An error occurred (InvalidParameterValueException) when calling the CreateReplicationTask operation: ReplicationEngineType [id=47, name=kinesis, cdcSupported=Y, endpointType=TARGET, serviceType=AWS, externalName=Amazon Kinesis, rvn=1] endpoint must be of type SOURCE")

	_, stderr, err = aws("dms", "describe-replication-tasks", "--filters", "Name=replication-task-id,Values=nope")
	require.Error(t, err)
	require.Contains(t, stderr, "An error occurred (ResourceNotFoundFault) when calling the DescribeReplicationTasks operation: No Tasks found matching provided filters")

	must("dms", "add-tags-to-resource", "--resource-arn", task["ReplicationTaskArn"].(string), "--tags", "Key=team,Value=data")
	tags := must("dms", "list-tags-for-resource", "--resource-arn", task["ReplicationTaskArn"].(string))["TagList"].([]any)
	require.Equal(t, "data", tags[0].(map[string]any)["Value"])
	must("dms", "delete-replication-task", "--replication-task-arn", task["ReplicationTaskArn"].(string))
	must("dms", "describe-account-attributes")

	log := stop()
	require.Contains(t, log, "op=CreateReplicationTask status=400 error=InvalidParameterValueException")
	require.Contains(t, log, "op=DescribeAccountAttributes status=200")
	require.Contains(t, log, `msg="fakedms stopped"`)
}

// TestAWSCLIReplicates runs a full-load task from the test environment's
// MariaDB to the built-in Kinesis, all through the AWS CLI.
func TestAWSCLIReplicates(t *testing.T) {
	requireCLI(t)
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE fruit (id INT PRIMARY KEY, name VARCHAR(20))", "INSERT INTO fruit VALUES (1, 'apple'), (2, 'pear')")
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	url, _ := startBinary(t)
	_, must := cli(t, url)

	must("kinesis", "create-stream", "--stream-name", "fruit", "--shard-count", "1")
	inst := must("dms", "create-replication-instance", "--replication-instance-identifier", "cli", "--replication-instance-class", "dms.t3.micro")["ReplicationInstance"].(map[string]any)
	source := must("dms", "create-endpoint", "--endpoint-identifier", "db", "--endpoint-type", "source", "--engine-name", "mariadb",
		"--server-name", host, "--port", port, "--username", db.User, "--password", db.Password)["Endpoint"].(map[string]any)
	target := must("dms", "create-endpoint", "--endpoint-identifier", "stream", "--endpoint-type", "target", "--engine-name", "kinesis",
		"--kinesis-settings", "StreamArn=arn:aws:kinesis:us-east-1:000000000000:stream/fruit,MessageFormat=json-unformatted")["Endpoint"].(map[string]any)
	conn := must("dms", "test-connection", "--replication-instance-arn", inst["ReplicationInstanceArn"].(string), "--endpoint-arn", source["EndpointArn"].(string))
	require.Equal(t, "testing", conn["Connection"].(map[string]any)["Status"])
	task := must("dms", "create-replication-task", "--replication-task-identifier", "fruit", "--migration-type", "full-load",
		"--replication-instance-arn", inst["ReplicationInstanceArn"].(string),
		"--source-endpoint-arn", source["EndpointArn"].(string), "--target-endpoint-arn", target["EndpointArn"].(string),
		"--table-mappings", `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"`+db.Database+`","table-name":"fruit"},"rule-action":"include"}]}`,
	)["ReplicationTask"].(map[string]any)
	arn := task["ReplicationTaskArn"].(string)
	started := must("dms", "start-replication-task", "--replication-task-arn", arn, "--start-replication-task-type", "start-replication")
	require.Equal(t, "starting", started["ReplicationTask"].(map[string]any)["Status"])

	var status string
	deadline := time.Now().Add(30 * time.Second)
	for status != "stopped" {
		require.True(t, time.Now().Before(deadline), "task status %s", status)
		tasks := must("dms", "describe-replication-tasks", "--filters", "Name=replication-task-arn,Values="+arn, "--without-settings")["ReplicationTasks"].([]any)
		status = tasks[0].(map[string]any)["Status"].(string)
		require.NotEqual(t, "failed", status, "%v", tasks[0])
	}
	stats := must("dms", "describe-table-statistics", "--replication-task-arn", arn)["TableStatistics"].([]any)
	require.Equal(t, float64(2), stats[0].(map[string]any)["FullLoadRows"])
	require.Equal(t, "Table completed", stats[0].(map[string]any)["TableState"])

	shards := must("kinesis", "describe-stream", "--stream-name", "fruit")["StreamDescription"].(map[string]any)["Shards"].([]any)
	it := must("kinesis", "get-shard-iterator", "--stream-name", "fruit", "--shard-id", shards[0].(map[string]any)["ShardId"].(string),
		"--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"].(string)
	records := must("kinesis", "get-records", "--shard-iterator", it)["Records"].([]any)
	require.Len(t, records, 4, "drop-table, create-table, two loads")
	data, err := base64.StdEncoding.DecodeString(records[2].(map[string]any)["Data"].(string))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), `{"data":{"id":1,"name":"apple"},"metadata":{`), string(data))
	require.Equal(t, "1", records[2].(map[string]any)["PartitionKey"], "the primary key, without PartitionIncludeSchemaTable")
}
