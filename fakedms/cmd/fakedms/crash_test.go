package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/go-mysql-org/go-mysql/client"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// process is one run of the fakedms binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when its log is read to the end
	log  strings.Builder
	mu   sync.Mutex
}

// startProcess runs bin with args and waits until it listens.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	listening := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), `msg="fakedms listening"`) {
				once.Do(func() { close(listening) })
			}
		}
	}()
	select {
	case <-listening:
	case <-p.done:
		p.cmd.Wait()
		t.Fatalf("fakedms exited: %s", p.logText())
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("fakedms did not start: %s", p.logText())
	}
	return p
}

func (p *process) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill ends the process with SIGKILL: no cleanup runs.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.done
	p.cmd.Wait()
}

// TestKillDuringCDC is the process fault: the standalone server, run with
// -data-dir, is killed with SIGKILL while a CDC task replicates from
// MariaDB into kinesalite and rows are still being committed, then started
// again on the same directory and port. The task comes back stopped with
// its checkpoint; resume-processing continues after it, so the stream
// ends up holding every committed row. Rows the target had accepted after
// the last saved checkpoint are delivered again (at-least-once, as AWS
// DMS): the test counts them and checks that they all precede the kill.
func TestKillDuringCDC(t *testing.T) {
	db := dmstest.MySQL(t)
	kinesisURL := dmstest.KinesisEndpoint(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE crash (id INT PRIMARY KEY, v VARCHAR(20))")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	dir := t.TempDir()
	bin := filepath.Join(dir, "fakedms")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	data := filepath.Join(dir, "data")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	args := []string{"-addr", addr, "-data-dir", data, "-kinesis-endpoint", kinesisURL}

	proc := startProcess(t, bin, args...)
	t.Cleanup(func() { proc.kill() })
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	c := dmsapi.New(dmsapi.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String("http://" + addr)})
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(kinesisURL)})

	stream := "crash-" + strings.ToLower(db.Database)
	stream = stream[:min(len(stream), 128)]
	_, err = kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(2)})
	require.NoError(t, err)
	t.Cleanup(func() {
		kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(stream)})
	})
	require.NoError(t, kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, time.Minute))

	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	inst, err := c.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("inst"), ReplicationInstanceClass: aws.String("dms.t3.micro"),
	})
	require.NoError(t, err)
	src, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("db"), EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("mariadb"),
		ServerName: aws.String(host), Port: aws.Int32(int32(n)), Username: aws.String(db.User), Password: aws.String(db.Password),
	})
	require.NoError(t, err)
	dst, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("stream"), EndpointType: types.ReplicationEndpointTypeValueTarget, EngineName: aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{
			StreamArn:     aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream),
			MessageFormat: types.MessageFormatValueJsonUnformatted,
		},
	})
	require.NoError(t, err)
	task, err := c.CreateReplicationTask(ctx, &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("crash"), MigrationType: types.MigrationTypeValueCdc,
		ReplicationInstanceArn: inst.ReplicationInstance.ReplicationInstanceArn,
		SourceEndpointArn:      src.Endpoint.EndpointArn, TargetEndpointArn: dst.Endpoint.EndpointArn,
		TableMappings: aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"` +
			db.Database + `","table-name":"crash"},"rule-action":"include"}]}`),
	})
	require.NoError(t, err)
	arn := task.ReplicationTask.ReplicationTaskArn
	describe := func() types.ReplicationTask {
		out, err := c.DescribeReplicationTasks(ctx, &dmsapi.DescribeReplicationTasksInput{
			Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{*arn}}},
		})
		require.NoError(t, err)
		return out.ReplicationTasks[0]
	}
	waitRunning := func() {
		require.NoError(t, dmsapi.NewReplicationTaskRunningWaiter(c, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
		}).Wait(ctx, &dmsapi.DescribeReplicationTasksInput{
			Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{*arn}}},
		}, time.Minute), "task: %+v", describe())
	}
	_, err = c.StartReplicationTask(ctx, &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn: arn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
	})
	require.NoError(t, err)
	waitRunning()

	// The writer commits one row per statement until told to stop; ids
	// whose INSERT returned are committed.
	conn, err := client.Connect(db.Addr, db.User, db.Password, db.Database)
	require.NoError(t, err)
	defer conn.Close()
	var mu sync.Mutex
	committed := 0 // ids 1..committed are committed
	killedAt := 0  // committed when the server was killed
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for id := 1; ; id++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if _, err := conn.Execute(fmt.Sprintf("INSERT INTO crash VALUES (%d, 'row %d')", id, id)); err != nil {
				writerDone <- err
				return
			}
			mu.Lock()
			committed = id
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	rowsCommitted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return committed
	}

	// Some rows arrive, and the server has had time to save a checkpoint
	// past the first of them; then SIGKILL, rows still being written.
	require.Eventually(t, func() bool { return len(readIDs(t, ctx, kc, stream)) >= 50 }, time.Minute, 20*time.Millisecond)
	savedCheckpoint := regexp.MustCompile(`"Checkpoint": "([^"]+)"`)
	var stateDoc []byte
	require.Eventually(t, func() bool {
		var err error
		stateDoc, err = os.ReadFile(filepath.Join(data, fakedms.StateFile))
		return err == nil && savedCheckpoint.Match(stateDoc)
	}, time.Minute, 20*time.Millisecond, "a checkpoint is saved")
	proc.kill()
	killedAt = rowsCommitted()
	stateDoc, err = os.ReadFile(filepath.Join(data, fakedms.StateFile))
	require.NoError(t, err)
	checkpointAtKill := savedCheckpoint.FindSubmatch(stateDoc)
	require.NotNil(t, checkpointAtKill, "a checkpoint was saved: %s", stateDoc)
	t.Logf("killed with %d rows committed; saved checkpoint %s", killedAt, checkpointAtKill[1])
	// Rows committed while the server is down.
	require.Eventually(t, func() bool { return rowsCommitted() >= killedAt+50 }, time.Minute, 5*time.Millisecond)

	proc = startProcess(t, bin, args...)
	restored := describe()
	require.Equal(t, "stopped", *restored.Status)
	require.Equal(t, "Stop Reason RECOVERABLE_ERROR", aws.ToString(restored.StopReason))
	require.Equal(t, "checkpoint:V1#1#"+string(checkpointAtKill[1])+"#0#0#*#0#0", aws.ToString(restored.RecoveryCheckpoint))
	_, err = c.StartReplicationTask(ctx, &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn: arn, StartReplicationTaskType: types.StartReplicationTaskTypeValueResumeProcessing,
	})
	require.NoError(t, err)
	waitRunning()
	require.Eventually(t, func() bool { return rowsCommitted() >= killedAt+150 }, time.Minute, 5*time.Millisecond)
	close(stop)
	require.NoError(t, <-writerDone)
	last := rowsCommitted()

	var ids map[int]int
	require.Eventually(t, func() bool {
		ids = readIDs(t, ctx, kc, stream)
		return len(ids) >= last
	}, time.Minute, 100*time.Millisecond, "rows in the stream: %d of %d", len(ids), last)
	duplicates, lastDuplicate := 0, 0
	for id := 1; id <= last; id++ {
		require.Contains(t, ids, id, "row %d lost", id)
		if ids[id] > 1 {
			duplicates += ids[id] - 1
			lastDuplicate = id
		}
	}
	require.Len(t, ids, last, "no row that was not committed")
	require.LessOrEqual(t, lastDuplicate, killedAt, "only rows delivered before the kill are delivered again")
	t.Logf("%d rows committed, all delivered; %d delivered twice (after the last saved checkpoint, before the kill)", last, duplicates)
}

// readIDs reads the whole stream and counts the insert records of each id.
func readIDs(t *testing.T, ctx context.Context, kc *kinesis.Client, stream string) map[int]int {
	t.Helper()
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	require.NoError(t, err)
	ids := map[int]int{}
	for _, sh := range shards.Shards {
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: "TRIM_HORIZON",
		})
		require.NoError(t, err)
		iter := it.ShardIterator
		for iter != nil {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			require.NoError(t, err)
			for _, r := range out.Records {
				var rec struct {
					Data     map[string]any `json:"data"`
					Metadata struct {
						RecordType string `json:"record-type"`
						Operation  string `json:"operation"`
					} `json:"metadata"`
				}
				require.NoError(t, json.Unmarshal(r.Data, &rec), "%s", r.Data)
				if rec.Metadata.RecordType == "data" && rec.Metadata.Operation == "insert" {
					ids[int(rec.Data["id"].(float64))]++
				}
			}
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return ids
}

// TestCorruptDataDir: the binary refuses to start on a state file it
// cannot read, names it, and leaves it as it is.
func TestCorruptDataDir(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakedms")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	data := filepath.Join(dir, "data")
	require.NoError(t, os.Mkdir(data, 0o700))
	path := filepath.Join(data, fakedms.StateFile)
	require.NoError(t, os.WriteFile(path, []byte(`{"version":7}`), 0o600))
	out, err = exec.Command(bin, "-addr", "127.0.0.1:0", "-data-dir", data).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	require.Equal(t, 1, exit.ExitCode())
	require.Equal(t, "fakedms: state file "+path+": state version 7 is not supported: this fakedms reads version 1\n", string(out))
	kept, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, `{"version":7}`, string(kept))
}
