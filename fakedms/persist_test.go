package fakedms_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// describedState is what the describe calls answer, without their
// response metadata.
type describedState struct {
	Instances    []types.ReplicationInstance
	SubnetGroups []types.ReplicationSubnetGroup
	Endpoints    []types.Endpoint
	Tasks        []types.ReplicationTask
	Connections  []types.Connection
	Tags         []types.Tag
	Configs      []types.ReplicationConfig
	Replications []types.Replication
	Events       []types.Event
}

func describeEverything(t *testing.T, c *dmsapi.Client, arns []string) describedState {
	t.Helper()
	var d describedState
	ri, err := c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{})
	require.NoError(t, err)
	d.Instances = ri.ReplicationInstances
	sg, err := c.DescribeReplicationSubnetGroups(ctx(t), &dmsapi.DescribeReplicationSubnetGroupsInput{})
	require.NoError(t, err)
	d.SubnetGroups = sg.ReplicationSubnetGroups
	ep, err := c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
	require.NoError(t, err)
	d.Endpoints = ep.Endpoints
	tk, err := c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{})
	require.NoError(t, err)
	d.Tasks = tk.ReplicationTasks
	cn, err := c.DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{})
	require.NoError(t, err)
	d.Connections = cn.Connections
	tg, err := c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArnList: arns})
	require.NoError(t, err)
	d.Tags = tg.TagList
	rc, err := c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{})
	require.NoError(t, err)
	d.Configs = rc.ReplicationConfigs
	rp, err := c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{})
	require.NoError(t, err)
	d.Replications = rp.Replications
	ev, err := c.DescribeEvents(ctx(t), &dmsapi.DescribeEventsInput{})
	require.NoError(t, err)
	d.Events = ev.Events
	return d
}

func openServer(t *testing.T, dir string) (*fakedms.Server, *dmsapi.Client) {
	t.Helper()
	srv, err := fakedms.OpenServer(withDatabases(fakedms.WithDataDir(dir))...)
	require.NoError(t, err)
	return srv, srv.DMSClient(func(o *dmsapi.Options) { o.RetryMaxAttempts = 1 })
}

func TestDataDirKeepsEveryResource(t *testing.T) {
	dir := t.TempDir()
	srv, c := openServer(t, dir)

	_, err := c.CreateReplicationSubnetGroup(ctx(t), &dmsapi.CreateReplicationSubnetGroupInput{
		ReplicationSubnetGroupIdentifier:  aws.String("subnets"),
		ReplicationSubnetGroupDescription: aws.String("two subnets"),
		SubnetIds:                         []string{"subnet-1", "subnet-2"},
	})
	require.NoError(t, err)
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	down := closedPort(t)
	src := *createMySQLEndpoint(t, c, "src", "127.0.0.1", down, "root", "s3cret").EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "stream")).EndpointArn
	task, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("task"),
		ReplicationInstanceArn:    aws.String(inst),
		SourceEndpointArn:         aws.String(src),
		TargetEndpointArn:         aws.String(dst),
		MigrationType:             types.MigrationTypeValueCdc,
		TableMappings:             aws.String(selectAll),
		ReplicationTaskSettings:   aws.String(`{"Logging":{"EnableLogging":true}}`),
		TaskData:                  aws.String("data"),
		Tags:                      []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	})
	require.NoError(t, err)
	taskArn := *task.ReplicationTask.ReplicationTaskArn
	// A run that fails (the source is down): its status, failure and
	// statistics are kept.
	_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn: aws.String(taskArn), StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{})
		return err == nil && *out.ReplicationTasks[0].Status == "failed"
	}, waitLimit, 10*time.Millisecond, "the run fails")
	idle, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("idle"),
		ReplicationInstanceArn:    aws.String(inst),
		SourceEndpointArn:         aws.String(src),
		TargetEndpointArn:         aws.String(dst),
		MigrationType:             types.MigrationTypeValueFullLoadAndCdc,
		TableMappings:             aws.String(selectAll),
		CdcStartPosition:          aws.String("mysql-bin.000001:4"),
	})
	require.NoError(t, err)
	_, err = c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(src), ReplicationInstanceArn: aws.String(inst)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := c.DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{})
		return err == nil && len(out.Connections) == 1 && *out.Connections[0].Status == "failed"
	}, waitLimit, 10*time.Millisecond)
	cfg, err := c.CreateReplicationConfig(ctx(t), &dmsapi.CreateReplicationConfigInput{
		ReplicationConfigIdentifier: aws.String("serverless"),
		SourceEndpointArn:           aws.String(src),
		TargetEndpointArn:           aws.String(dst),
		ReplicationType:             types.MigrationTypeValueCdc,
		TableMappings:               aws.String(selectAll),
		ComputeConfig:               &types.ComputeConfig{MaxCapacityUnits: aws.Int32(4)},
		Tags:                        []types.Tag{{Key: aws.String("kind"), Value: aws.String("serverless")}},
	})
	require.NoError(t, err)
	cfgArn := *cfg.ReplicationConfig.ReplicationConfigArn
	_, err = c.AddTagsToResource(ctx(t), &dmsapi.AddTagsToResourceInput{ResourceArn: aws.String(src),
		Tags: []types.Tag{{Key: aws.String("side"), Value: aws.String("source")}}})
	require.NoError(t, err)

	arns := []string{inst, src, dst, taskArn, *idle.ReplicationTask.ReplicationTaskArn, cfgArn}
	before := describeEverything(t, c, arns)
	require.Equal(t, "failed", *before.Tasks[1].Status, "the run failed: %+v", before.Tasks[1])
	srv.Close()

	info, err := os.Stat(filepath.Join(dir, fakedms.StateFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the file holds passwords")
	data, err := os.ReadFile(filepath.Join(dir, fakedms.StateFile))
	require.NoError(t, err)
	require.Contains(t, string(data), "s3cret", "the password is kept, to connect after a restart")

	srv2, c2 := openServer(t, dir)
	defer srv2.Close()
	after := describeEverything(t, c2, arns)
	require.Equal(t, before, after)
	for _, e := range after.Endpoints {
		if e.MySQLSettings != nil {
			require.Nil(t, e.MySQLSettings.Password, "passwords never come back from the API")
		}
	}

	// The restored task runs again: resume-processing is allowed (it ran
	// before), and fails the same way.
	_, err = c2.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn: aws.String(taskArn), StartReplicationTaskType: types.StartReplicationTaskTypeValueResumeProcessing,
	})
	require.NoError(t, err)
}

func TestDataDirRefusesABadFile(t *testing.T) {
	for _, tc := range []struct {
		name, doc, message string
	}{
		{"corrupt", `{"version":1,"instances":[`, "corrupt: unexpected end of JSON input"},
		{"not json", "garbage", "corrupt: invalid character 'g' looking for beginning of value"},
		{"no version", `{"instances":[]}`, `corrupt: no "version" member`},
		{"future version", `{"version":2}`, "state version 2 is not supported: this fakedms reads version 1"},
		{"bad mapping", `{"version":1,"tasks":[{"arn":"arn:aws:dms:us-east-1:000000000000:task:X","tableMappings":"{","settings":"{}"}]}`,
			"task arn:aws:dms:us-east-1:000000000000:task:X: table mappings: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, fakedms.StateFile)
			require.NoError(t, os.WriteFile(path, []byte(tc.doc), 0o600))
			h, err := fakedms.Open(withDatabases(fakedms.WithDataDir(dir))...)
			require.Nil(t, h)
			require.ErrorContains(t, err, "fakedms: state file "+path+": "+tc.message)
			require.Panics(t, func() { fakedms.NewServer(fakedms.WithDataDir(dir)) })
			kept, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tc.doc, string(kept), "the state is never discarded")
		})
	}
}

func TestDataDirIgnoresALeftoverTempFile(t *testing.T) {
	dir := t.TempDir()
	srv, c := openServer(t, dir)
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	srv.Close()
	// A write interrupted before its rename.
	leftover := filepath.Join(dir, fakedms.StateFile+".tmp-123")
	require.NoError(t, os.WriteFile(leftover, []byte(`{"version":1,"instan`), 0o600))

	srv2, c2 := openServer(t, dir)
	defer srv2.Close()
	out, err := c2.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.ReplicationInstances, 1)
	require.Equal(t, inst, *out.ReplicationInstances[0].ReplicationInstanceArn)
	_, err = os.Stat(leftover)
	require.ErrorIs(t, err, os.ErrNotExist, "removed at start")
}

func TestDataDirWritesBeforeAnswering(t *testing.T) {
	dir := t.TempDir()
	_, c := newServer(t, fakedms.WithDataDir(dir))
	createInstance(t, c, "inst")
	// No Close: the answered call is in the file already.
	data, err := os.ReadFile(filepath.Join(dir, fakedms.StateFile))
	require.NoError(t, err)
	var doc struct {
		Version   int `json:"version"`
		Instances []struct {
			Instance types.ReplicationInstance `json:"instance"`
		} `json:"instances"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.Equal(t, 1, doc.Version)
	require.Len(t, doc.Instances, 1)
	require.Equal(t, "inst", *doc.Instances[0].Instance.ReplicationInstanceIdentifier)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left: %v", entries)
}

func TestWithoutDataDirNothingIsWritten(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	_, c := newServer(t)
	createInstance(t, c, "inst")
	entries, err := os.ReadDir(wd)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// insertIDs reads the ids of the insert records of a built-in stream.
func insertIDs(t *testing.T, srv *fakedms.Server, stream string) []int {
	t.Helper()
	var ids []int
	for _, r := range srv.Kinesis().Records(stream) {
		var rec struct {
			Data     struct{ ID int } `json:"data"`
			Metadata struct {
				Operation string `json:"operation"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &rec), "%s", r.Data)
		if rec.Metadata.Operation == "insert" {
			ids = append(ids, rec.Data.ID)
		}
	}
	return ids
}

// TestDataDirResumesCDC closes a server while a CDC task and a serverless
// CDC replication run, commits a row while it is down, opens the data
// directory again and resumes both: the row committed meanwhile arrives,
// and nothing delivered before the close is delivered again (a clean
// close saves the last checkpoint). The built-in Kinesis is not kept: the
// stream is created again.
func TestDataDirResumesCDC(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE r (id INT PRIMARY KEY)")
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	dir := t.TempDir()
	srv, c := openServer(t, dir)
	defer func() { srv.Close() }()
	streamArn := createStream(t, srv, "s")
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := *createMySQLEndpoint(t, c, "src", host, int32(n), db.User, db.Password).EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", streamArn).EndpointArn
	task, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("task"), ReplicationInstanceArn: aws.String(inst),
		SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst),
		MigrationType: types.MigrationTypeValueCdc, TableMappings: aws.String(selectTables(db.Database, "r")),
	})
	require.NoError(t, err)
	taskArn := *task.ReplicationTask.ReplicationTaskArn
	rc, err := c.CreateReplicationConfig(ctx(t), &dmsapi.CreateReplicationConfigInput{
		ReplicationConfigIdentifier: aws.String("serverless"), SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst),
		ReplicationType: types.MigrationTypeValueCdc, TableMappings: aws.String(selectTables(db.Database, "r")),
		ComputeConfig: &types.ComputeConfig{MaxCapacityUnits: aws.Int32(1)},
	})
	require.NoError(t, err)
	cfgArn := *rc.ReplicationConfig.ReplicationConfigArn

	start := func(c *dmsapi.Client, how types.StartReplicationTaskTypeValue) {
		t.Helper()
		_, err := c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(taskArn), StartReplicationTaskType: how})
		require.NoError(t, err)
		_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: aws.String(cfgArn), StartReplicationType: aws.String(string(how))})
		require.NoError(t, err)
		require.NoError(t, dmsapi.NewReplicationTaskRunningWaiter(c, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).
			Wait(ctx(t), byArn(taskArn), waitLimit))
		waitReplication(t, c, cfgArn, "running", status("running"))
	}
	start(c, types.StartReplicationTaskTypeValueStartReplication)
	dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (1)")
	require.Eventually(t, func() bool { return len(insertIDs(t, srv, "s")) == 2 }, waitLimit, 5*time.Millisecond, "the task's and the replication's")
	// The statistics move with the checkpoint, just after the delivery.
	var tablesBefore *dmsapi.DescribeTableStatisticsOutput
	require.Eventually(t, func() bool {
		tablesBefore, err = c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(taskArn)})
		return err == nil && len(tablesBefore.TableStatistics) == 1 && tablesBefore.TableStatistics[0].Inserts == 1
	}, waitLimit, 5*time.Millisecond)
	before, err := c.DescribeReplicationTasks(ctx(t), byArn(taskArn))
	require.NoError(t, err)
	srv.Close()

	dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (2)")
	srv, c = openServer(t, dir)
	createStream(t, srv, "s")
	restored, err := c.DescribeReplicationTasks(ctx(t), byArn(taskArn))
	require.NoError(t, err)
	require.Equal(t, "stopped", *restored.ReplicationTasks[0].Status)
	require.Equal(t, "Stop Reason NORMAL", *restored.ReplicationTasks[0].StopReason, "the close stopped it")
	require.Equal(t, *before.ReplicationTasks[0].RecoveryCheckpoint, *restored.ReplicationTasks[0].RecoveryCheckpoint)
	require.Equal(t, "stopped", *describeReplication(t, c, cfgArn).Status)
	tablesAfter, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(taskArn)})
	require.NoError(t, err)
	require.Equal(t, tablesBefore.TableStatistics, tablesAfter.TableStatistics, "kept until the task runs again")

	start(c, types.StartReplicationTaskTypeValueResumeProcessing)
	dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (3)")
	require.Eventually(t, func() bool { return len(insertIDs(t, srv, "s")) >= 4 }, waitLimit, 5*time.Millisecond)
	// The statistics go on from those of the run before the restart.
	require.Eventually(t, func() bool {
		out, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(taskArn)})
		return err == nil && len(out.TableStatistics) == 1 && out.TableStatistics[0].Inserts == 3
	}, waitLimit, 5*time.Millisecond, "row 1 before the restart, rows 2 and 3 after")
	// Stopping delivers everything read: nothing more can come after.
	_, err = c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(taskArn)})
	require.NoError(t, err)
	_, err = c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: aws.String(cfgArn)})
	require.NoError(t, err)
	require.NoError(t, dmsapi.NewReplicationTaskStoppedWaiter(c, func(o *dmsapi.ReplicationTaskStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).
		Wait(ctx(t), byArn(taskArn), waitLimit))
	waitReplication(t, c, cfgArn, "stopped", status("stopped"))
	require.ElementsMatch(t, []int{2, 2, 3, 3}, insertIDs(t, srv, "s"), "row 2, committed while the server was down, and row 3; row 1 not again")
}

// TestDataDirDeleteDropsTheSlot deletes, after a restart and before it
// runs again, a PostgreSQL CDC task: its replication slot is dropped as it
// is when a task that ran in this process is deleted.
func TestDataDirDeleteDropsTheSlot(t *testing.T) {
	db := dmstest.Postgres(t)
	dmstest.PostgresExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)")
	dir := t.TempDir()
	srv, c := openServer(t, dir)
	defer func() { srv.Close() }()
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := *createPostgresEndpoint(t, c, "src", "postgres", pgConnOf(t, db), nil).EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "s")).EndpointArn
	out, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("pg"), ReplicationInstanceArn: aws.String(inst),
		SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst),
		MigrationType: types.MigrationTypeValueCdc, TableMappings: aws.String(selectTables("public", "t")),
	})
	require.NoError(t, err)
	arn := *out.ReplicationTask.ReplicationTaskArn
	_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{
		ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
	})
	require.NoError(t, err)
	require.NoError(t, dmsapi.NewReplicationTaskRunningWaiter(c, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).
		Wait(ctx(t), byArn(arn), waitLimit))
	require.Equal(t, map[string]bool{slotOf(arn): true}, pgSlots(t, db))
	srv.Close()

	srv, c = openServer(t, dir)
	require.Equal(t, map[string]bool{slotOf(arn): true}, pgSlots(t, db), "kept for resume-processing")
	deleteTask(t, c, arn)
	require.Empty(t, pgSlots(t, db))
}

// TestDataDirAfterACrash opens a copy of the state file taken while a CDC
// task ran — what a crash leaves — and checks what the task looks like:
// stopped with RECOVERABLE_ERROR at the time of the last write, the
// checkpoint the running task had reached. The server the copy came from
// leaves no goroutine behind once closed (its flusher included).
func TestDataDirAfterACrash(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE r (id INT PRIMARY KEY)")
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	dir, crashed := t.TempDir(), t.TempDir()
	var arn string
	var running types.ReplicationTask
	before := runtime.NumGoroutine()
	func() {
		srv, c := openServer(t, dir)
		defer srv.Close()
		inst := *createInstance(t, c, "inst").ReplicationInstanceArn
		src := *createMySQLEndpoint(t, c, "src", host, int32(n), db.User, db.Password).EndpointArn
		dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "s")).EndpointArn
		out, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String("task"), ReplicationInstanceArn: aws.String(inst),
			SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst),
			MigrationType: types.MigrationTypeValueCdc, TableMappings: aws.String(selectTables(db.Database, "r")),
		})
		require.NoError(t, err)
		arn = *out.ReplicationTask.ReplicationTaskArn
		_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{
			ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
		})
		require.NoError(t, err)
		dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (1)")
		require.Eventually(t, func() bool { return len(insertIDs(t, srv, "s")) == 1 }, waitLimit, 5*time.Millisecond)
		// The flusher writes the moved checkpoint within its interval (the
		// checkpoint moves just after the record is delivered): copy a
		// document that has the checkpoint a describe shows.
		var data []byte
		require.Eventually(t, func() bool {
			if data, err = os.ReadFile(filepath.Join(dir, fakedms.StateFile)); err != nil {
				return false
			}
			tasks, err := c.DescribeReplicationTasks(ctx(t), byArn(arn))
			if err != nil {
				return false
			}
			running = tasks.ReplicationTasks[0]
			return *running.Status == "running" && running.RecoveryCheckpoint != nil &&
				strings.Contains(string(data), `"Status": "running"`) && strings.Contains(*running.RecoveryCheckpoint, checkpointIn(string(data)))
		}, waitLimit, 10*time.Millisecond)
		require.NoError(t, os.WriteFile(filepath.Join(crashed, fakedms.StateFile), data, 0o600))
	}()
	dmstest.RequireGoroutinesBack(t, before)

	info, err := os.Stat(filepath.Join(crashed, fakedms.StateFile))
	require.NoError(t, err)
	srv, c := openServer(t, crashed)
	defer srv.Close()
	tasks, err := c.DescribeReplicationTasks(ctx(t), byArn(arn))
	require.NoError(t, err)
	got := tasks.ReplicationTasks[0]
	require.Equal(t, "stopped", *got.Status)
	require.Equal(t, "Stop Reason RECOVERABLE_ERROR", *got.StopReason)
	require.Equal(t, *running.RecoveryCheckpoint, *got.RecoveryCheckpoint)
	require.Equal(t, info.ModTime().Unix(), got.ReplicationTaskStats.StopDate.Unix(), "stopped when the file was last written")
	require.InDelta(t, got.ReplicationTaskStats.StopDate.Sub(*got.ReplicationTaskStats.StartDate).Milliseconds(), got.ReplicationTaskStats.ElapsedTimeMillis, 1,
		"the dates are rounded to milliseconds on the wire")
	require.Equal(t, running.ReplicationTaskStats.FreshStartDate, got.ReplicationTaskStats.FreshStartDate)
}

// checkpointIn is the first engine checkpoint in a state document.
func checkpointIn(doc string) string {
	_, rest, ok := strings.Cut(doc, `"Checkpoint": "`)
	if !ok {
		return "\x00none"
	}
	cp, _, _ := strings.Cut(rest, `"`)
	return "#" + cp + "#"
}

// recordsOf lists a built-in stream's data records as "operation id".
func recordsOf(t *testing.T, srv *fakedms.Server, stream string) []string {
	t.Helper()
	var out []string
	for _, r := range srv.Kinesis().Records(stream) {
		var rec struct {
			Data     struct{ ID int } `json:"data"`
			Metadata struct {
				RecordType string `json:"record-type"`
				Operation  string `json:"operation"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &rec), "%s", r.Data)
		if rec.Metadata.RecordType == "data" {
			out = append(out, rec.Metadata.Operation+" "+strconv.Itoa(rec.Data.ID))
		}
	}
	return out
}

// TestDataDirResumesFullLoadAndCDC restarts a full-load-and-cdc task whose
// load had finished: resume-processing continues its CDC after the
// checkpoint, without loading the tables again, so a delete committed
// while the server was down arrives as a delete; reload-target afterwards
// loads them again.
func TestDataDirResumesFullLoadAndCDC(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE r (id INT PRIMARY KEY)", "INSERT INTO r VALUES (1), (2)")
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	dir := t.TempDir()
	srv, c := openServer(t, dir)
	defer func() { srv.Close() }()
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := *createMySQLEndpoint(t, c, "src", host, int32(n), db.User, db.Password).EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "s")).EndpointArn
	out, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("task"), ReplicationInstanceArn: aws.String(inst),
		SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst),
		MigrationType: types.MigrationTypeValueFullLoadAndCdc, TableMappings: aws.String(selectTables(db.Database, "r")),
	})
	require.NoError(t, err)
	arn := *out.ReplicationTask.ReplicationTaskArn
	start := func(c *dmsapi.Client, how types.StartReplicationTaskTypeValue) {
		t.Helper()
		_, err := c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: how})
		require.NoError(t, err)
	}
	start(c, types.StartReplicationTaskTypeValueStartReplication)
	// Once the load is delivered, its snapshot is taken: row 3 comes by CDC.
	require.Eventually(t, func() bool { return len(recordsOf(t, srv, "s")) == 2 }, waitLimit, 5*time.Millisecond)
	dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (3)")
	require.Eventually(t, func() bool { return len(recordsOf(t, srv, "s")) == 3 }, waitLimit, 5*time.Millisecond)
	require.Equal(t, []string{"load 1", "load 2", "insert 3"}, recordsOf(t, srv, "s"))
	srv.Close()

	dmstest.MySQLExec(t, db, "DELETE FROM r WHERE id = 1")
	srv, c = openServer(t, dir)
	createStream(t, srv, "s")
	start(c, types.StartReplicationTaskTypeValueResumeProcessing)
	dmstest.MySQLExec(t, db, "INSERT INTO r VALUES (4)")
	require.Eventually(t, func() bool { return len(recordsOf(t, srv, "s")) >= 2 }, waitLimit, 5*time.Millisecond)
	// Stopping delivers everything read: nothing more can come after.
	_, err = c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.NoError(t, dmsapi.NewReplicationTaskStoppedWaiter(c, func(o *dmsapi.ReplicationTaskStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) }).
		Wait(ctx(t), byArn(arn), waitLimit))
	require.Equal(t, []string{"delete 1", "insert 4"}, recordsOf(t, srv, "s"))
	tasks, err := c.DescribeReplicationTasks(ctx(t), byArn(arn))
	require.NoError(t, err)
	require.Equal(t, types.MigrationTypeValueFullLoadAndCdc, tasks.ReplicationTasks[0].MigrationType)

	start(c, types.StartReplicationTaskTypeValueReloadTarget)
	require.Eventually(t, func() bool { return len(recordsOf(t, srv, "s")) >= 5 }, waitLimit, 5*time.Millisecond)
	require.Equal(t, []string{"delete 1", "insert 4", "load 2", "load 3", "load 4"}, recordsOf(t, srv, "s"))
}

// TestDataDirWriteFailure: a change that cannot be saved is answered with
// InternalFailure (the caller must not take it for durable).
func TestDataDirWriteFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, c := newServer(t, fakedms.WithDataDir(dir))
	require.NoError(t, os.RemoveAll(dir))
	_, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("inst"), ReplicationInstanceClass: aws.String("dms.t3.micro"),
	})
	requireAPIError(t, err, "InternalFailure", "")
	require.ErrorContains(t, err, "fakedms: CreateReplicationInstance was carried out but could not be saved: fakedms: save state to "+filepath.Join(dir, fakedms.StateFile)+": ")
}
