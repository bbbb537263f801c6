package fakedms_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/go-mysql-org/go-mysql/client"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/fakekinesis"
)

func TestFullLoadTaskLifecycle(t *testing.T) {
	p := newPipeline(t, nil)
	dmstest.MySQLExec(t, p.db, "CREATE TABLE fruit (id INT PRIMARY KEY, name VARCHAR(20))", "INSERT INTO fruit VALUES (1, 'apple'), (2, 'pear')")
	created := p.createTask(t, "full-load", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "%"), `{"Logging":{"EnableLogging":true}}`)
	require.Equal(t, "creating", *created.Status)
	require.Regexp(t, regexp.MustCompile(`^arn:aws:dms:us-east-1:000000000000:task:[A-Z2-7]{26}$`), *created.ReplicationTaskArn)
	arn := *created.ReplicationTaskArn
	p.waitReady(t, arn)

	ready := p.describe(t, arn)
	require.Equal(t, "ready", *ready.Status)
	require.Equal(t, &types.ReplicationTaskStats{}, ready.ReplicationTaskStats)
	require.Nil(t, ready.StopReason)
	var settings map[string]any
	require.NoError(t, json.Unmarshal([]byte(*ready.ReplicationTaskSettings), &settings))
	logging := settings["Logging"].(map[string]any)
	require.Equal(t, true, logging["EnableLogging"])
	require.Equal(t, "dms-tasks-instance", logging["CloudWatchLogGroup"])
	require.Equal(t, "dms-task-"+arn[strings.LastIndexByte(arn, ':')+1:], logging["CloudWatchLogStream"])
	require.Equal(t, "DROP_AND_CREATE", settings["FullLoadSettings"].(map[string]any)["TargetTablePrepMode"])

	started := p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	require.Equal(t, "starting", *started.Status)
	p.waitStopped(t, arn)

	done := p.describe(t, arn)
	require.Equal(t, "stopped", *done.Status)
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *done.StopReason)
	require.Equal(t, int32(100), done.ReplicationTaskStats.FullLoadProgressPercent)
	require.Equal(t, int32(1), done.ReplicationTaskStats.TablesLoaded)
	require.NotNil(t, done.ReplicationTaskStats.StopDate)
	require.NotNil(t, done.ReplicationTaskStartDate)
	require.Nil(t, done.LastFailureMessage)

	stats, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, stats.TableStatistics, 1)
	ts := stats.TableStatistics[0]
	require.Equal(t, p.db.Database, *ts.SchemaName)
	require.Equal(t, "fruit", *ts.TableName)
	require.Equal(t, int64(2), ts.FullLoadRows)
	require.Equal(t, "Table completed", *ts.TableState)
	require.Equal(t, int64(0), ts.FullLoadErrorRows)
	require.Equal(t, "Not enabled", *ts.ValidationState)

	// drop-table, create-table, 2 loads.
	require.Len(t, p.srv.Kinesis().Records(p.stream), 4)

	// start-replication is for the first run only.
	_, err = p.c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
	requireAPIError(t, err, "InvalidParameterCombinationException", "Start Type : START_REPLICATION, valid only for tasks running for the first time")
	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication task full-load is not running (stopped)")

	// reload-target loads everything again.
	p.start(t, arn, types.StartReplicationTaskTypeValueReloadTarget)
	p.waitStopped(t, arn)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 8)
	// resume-processing of a finished full load has nothing left to load.
	p.start(t, arn, types.StartReplicationTaskTypeValueResumeProcessing)
	p.waitStopped(t, arn)
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *p.describe(t, arn).StopReason)

	_, err = p.c.DeleteReplicationInstance(ctx(t), &dmsapi.DeleteReplicationInstanceInput{ReplicationInstanceArn: aws.String(p.instance)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication instance instance cannot be deleted because it has replication tasks (full-load); delete them first")
	_, err = p.c.DeleteEndpoint(ctx(t), &dmsapi.DeleteEndpointInput{EndpointArn: aws.String(p.source)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Endpoint source cannot be deleted: it is used by replication task full-load")

	del, err := p.c.DeleteReplicationTask(ctx(t), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, "deleting", *del.ReplicationTask.Status)
	w := dmsapi.NewReplicationTaskDeletedWaiter(p.c, func(o *dmsapi.ReplicationTaskDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
	_, err = p.c.DescribeReplicationTasks(ctx(t), byArn(arn))
	requireAPIError(t, err, "ResourceNotFoundFault", "No Tasks found matching provided filters")
}

func TestCDCTaskStartStopResume(t *testing.T) {
	p := newPipeline(t, nil)
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
	arn := *p.createTask(t, "cdc", types.MigrationTypeValueCdc, selectTables(p.db.Database, "t"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	running := p.describe(t, arn)
	require.Equal(t, int32(100), running.ReplicationTaskStats.FullLoadProgressPercent)

	_, err := p.c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(arn), TableMappings: aws.String(selectAll)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Task, excluding logging severity task settings, cannot be modified while it is running state")
	_, err = p.c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(arn), ReplicationTaskSettings: aws.String(`{"FullLoadSettings":{"CommitRate":500}}`)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Task, excluding logging severity task settings, cannot be modified while it is running state")
	// Log severities may change while running, as on AWS.
	sev, err := p.c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(arn),
		ReplicationTaskSettings: aws.String(`{"Logging":{"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]}}`)})
	require.NoError(t, err)
	require.Equal(t, "running", *sev.ReplicationTask.Status)
	require.Contains(t, *sev.ReplicationTask.ReplicationTaskSettings, `"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]`)
	_, err = p.c.DeleteReplicationTask(ctx(t), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication task cdc is running: stop it before deleting it")
	_, err = p.c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: types.StartReplicationTaskTypeValueResumeProcessing})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication task cdc is already running")

	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (1, 'a')")
	// exceptions and t create-table, then the insert.
	waitRecords(t, p, 3)
	stop, err := p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, "stopping", *stop.ReplicationTask.Status)
	p.waitStopped(t, arn)
	stopped := p.describe(t, arn)
	require.Equal(t, "Stop Reason NORMAL", *stopped.StopReason)
	require.NotNil(t, stopped.ReplicationTaskStats.StopDate)
	require.Regexp(t, regexp.MustCompile(`^checkpoint:V1#1#mysql-bin\.\d+:\d+:\d+:\d+:\d+:mysql-bin\.\d+:\d+#0#0#\*#0#0$`), *stopped.RecoveryCheckpoint)

	stats, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, stats.TableStatistics, 1)
	require.Equal(t, int64(1), stats.TableStatistics[0].Inserts)
	require.Equal(t, int64(1), *stats.TableStatistics[0].AppliedInserts)

	// A change made while stopped arrives after resume-processing, once.
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (2, 'b')")
	p.start(t, arn, types.StartReplicationTaskTypeValueResumeProcessing)
	p.waitRunning(t, arn)
	waitRecords(t, p, 4)
	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 4)

	// Modify once stopped; the next start uses the new mapping.
	mod, err := p.c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{
		ReplicationTaskArn:      aws.String(arn),
		ReplicationTaskSettings: aws.String(`{"BeforeImageSettings":{"EnableBeforeImage":true,"FieldName":"before","ColumnFilter":"all"}}`),
	})
	require.NoError(t, err)
	require.Equal(t, "modifying", *mod.ReplicationTask.Status)
	require.Contains(t, *mod.ReplicationTask.ReplicationTaskSettings, `"BeforeImageSettings":{"ColumnFilter":"all","EnableBeforeImage":true,"FieldName":"before"}`)
	require.Equal(t, "stopped", *p.describe(t, arn).Status)
	p.start(t, arn, types.StartReplicationTaskTypeValueResumeProcessing)
	p.waitRunning(t, arn)
	dmstest.MySQLExec(t, p.db, "UPDATE t SET v = 'z' WHERE id = 1")
	recs := waitRecords(t, p, 5)
	require.Contains(t, string(recs[4].Data), `"before":	{`)

	// ReloadTables checks the tables (TestReloadTables reloads).
	_, err = p.c.ReloadTables(ctx(t), &dmsapi.ReloadTablesInput{ReplicationTaskArn: aws.String(arn),
		TablesToReload: []types.TableToReload{{SchemaName: aws.String(p.db.Database), TableName: aws.String("other")}}})
	requireAPIError(t, err, "InvalidParameterValueException", "Table "+p.db.Database+".other is not part of replication task cdc")

	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)

	// A new task started at the first task's RecoveryCheckpoint sees only
	// what came after it.
	checkpoint := p.describe(t, arn).RecoveryCheckpoint
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (3, 'c')")
	out, err := p.c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("from-checkpoint"), MigrationType: types.MigrationTypeValueCdc,
		ReplicationInstanceArn: aws.String(p.instance), SourceEndpointArn: aws.String(p.source), TargetEndpointArn: aws.String(p.target),
		TableMappings: aws.String(selectTables(p.db.Database, "t")), CdcStartPosition: checkpoint,
	})
	require.NoError(t, err)
	require.Equal(t, *checkpoint, *out.ReplicationTask.CdcStartPosition)
	second := *out.ReplicationTask.ReplicationTaskArn
	p.waitReady(t, second)
	p.start(t, second, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, second)
	recs = waitRecords(t, p, 8)
	require.Contains(t, string(recs[7].Data), `"operation":	"insert"`)
	require.Contains(t, string(recs[7].Data), `"id":	3`)
	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(second)})
	require.NoError(t, err)
	p.waitStopped(t, second)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 8)
}

func TestTaskWaitersWithStateDelay(t *testing.T) {
	p := newPipeline(t, nil, fakedms.WithStateDelay(500*time.Millisecond)) // long enough to see the transitional states on a loaded machine
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY)")
	arn := *p.createTask(t, "slow", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "t"), "").ReplicationTaskArn
	require.Equal(t, "creating", *p.describe(t, arn).Status)
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, arn)
	mod, err := p.c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(arn), TaskData: aws.String("{}")})
	require.NoError(t, err)
	require.Equal(t, "modifying", *mod.ReplicationTask.Status)
	require.Equal(t, "modifying", *p.describe(t, arn).Status)
	// The Stopped waiter fails on "modifying", on AWS too: poll instead.
	require.Eventually(t, func() bool { return *p.describe(t, arn).Status == "stopped" }, waitLimit, 10*time.Millisecond)
	_, err = p.c.DeleteReplicationTask(ctx(t), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, "deleting", *p.describe(t, arn).Status)
	w := dmsapi.NewReplicationTaskDeletedWaiter(p.c, func(o *dmsapi.ReplicationTaskDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
}

func TestTaskFailsWhenNoTableMatches(t *testing.T) {
	p := newPipeline(t, nil)
	arn := *p.createTask(t, "nothing", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "missing"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	require.Eventually(t, func() bool { return *p.describe(t, arn).Status == "failed" }, waitLimit, 10*time.Millisecond)
	failed := p.describe(t, arn)
	require.Equal(t, "Stop Reason FATAL_ERROR", *failed.StopReason)
	require.Equal(t, "No tables were found at task initialization. Either the selected table(s) or schemas(s) no longer exist or no table(s) match the specified table mappings.", *failed.LastFailureMessage)
}

func TestCreateReplicationTaskFaults(t *testing.T) {
	srv, c := newServer(t)
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := *createMySQLEndpoint(t, c, "src", "127.0.0.1", 1, "u", "p").EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "s")).EndpointArn
	in := func(mod func(*dmsapi.CreateReplicationTaskInput)) *dmsapi.CreateReplicationTaskInput {
		v := &dmsapi.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String("task"),
			MigrationType:             types.MigrationTypeValueFullLoad,
			ReplicationInstanceArn:    aws.String(inst),
			SourceEndpointArn:         aws.String(src),
			TargetEndpointArn:         aws.String(dst),
			TableMappings:             aws.String(selectAll),
		}
		mod(v)
		return v
	}
	_, err := c.CreateReplicationTask(ctx(t), in(func(*dmsapi.CreateReplicationTaskInput) {}))
	require.NoError(t, err)
	unknownEndpoint := "arn:aws:dms:us-east-1:000000000000:endpoint:NOPE"
	for _, tc := range []struct {
		name, code, message string
		mod                 func(*dmsapi.CreateReplicationTaskInput)
	}{
		{"duplicate identifier", "ResourceAlreadyExistsFault", "Replication Task TASK already exists",
			func(v *dmsapi.CreateReplicationTaskInput) { v.ReplicationTaskIdentifier = aws.String("TASK") }},
		{"invalid identifier", "InvalidParameterValueException",
			"The parameter ReplicationTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must not end with a hyphen or contain two consecutive hyphens; and must be at most 255 characters long.",
			func(v *dmsapi.CreateReplicationTaskInput) { v.ReplicationTaskIdentifier = aws.String("bad--id") }},
		{"source and target swapped", "InvalidParameterValueException",
			"ReplicationEngineType [id=47, name=kinesis, cdcSupported=Y, endpointType=TARGET, serviceType=AWS, externalName=Amazon Kinesis, rvn=1] endpoint must be of type SOURCE",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("swapped")
				v.SourceEndpointArn, v.TargetEndpointArn = aws.String(dst), aws.String(src)
			}},
		{"invalid mapping JSON", "InvalidParameterValueException", "Invalid Table Mappings document. Invalid json unexpected end of JSON input at line 1 column 11",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("bad-json")
				v.TableMappings = aws.String(`{"rules": [`)
			}},
		{"mapping without object locator", "InvalidParameterValueException", "Error in mapping rules. Rule with ruleId = 1 failed validation. object locator cannot be null",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("no-locator")
				v.TableMappings = aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","rule-action":"include"}]}`)
			}},
		{"mapping of another shape", "InvalidParameterValueException", "Valid Table mappings is required",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("hello")
				v.TableMappings = aws.String(`{"hello":"world"}`)
			}},
		{"unknown rule type", "InvalidParameterValueException", "Invalid table mappings document.",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("select")
				v.TableMappings = aws.String(`{"rules":[{"rule-type":"select","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`)
			}},
		{"duplicate rule id", "InvalidParameterValueException", "Error in mapping rules. Duplicate ruleid 1",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("dup")
				rule := `{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}`
				v.TableMappings = aws.String(`{"rules":[` + rule + `,` + rule + `]}`)
			}},
		{"invalid settings", "InvalidParameterValueException", "Task Settings CommitRate must be between 1 and 50000.",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("bad-settings")
				v.ReplicationTaskSettings = aws.String(`{"FullLoadSettings":{"CommitRate":0}}`)
			}},
		{"settings not JSON", "InvalidParameterValueException", "Invalid task settings JSON",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("bad-settings")
				v.ReplicationTaskSettings = aws.String(`{`)
			}},
		{"invalid migration type", "InvalidParameterValueException", `Invalid value "full" for MigrationType: must be one of full-load, cdc, full-load-and-cdc`,
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("bad-type")
				v.MigrationType = "full"
			}},
		{"unknown source endpoint", "ResourceNotFoundFault", "Endpoint " + unknownEndpoint + " not found",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("no-source")
				v.SourceEndpointArn = aws.String(unknownEndpoint)
			}},
		{"unknown instance", "ResourceNotFoundFault", "Replication Instance arn:aws:dms:us-east-1:000000000000:rep:NOPE not found",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("no-instance")
				v.ReplicationInstanceArn = aws.String("arn:aws:dms:us-east-1:000000000000:rep:NOPE")
			}},
		{"both CDC start points", "InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime are mutually exclusive: give only one",
			func(v *dmsapi.CreateReplicationTaskInput) {
				v.ReplicationTaskIdentifier = aws.String("both")
				v.CdcStartPosition = aws.String("mysql-bin.000001:4")
				v.CdcStartTime = aws.Time(time.Unix(1700000000, 0))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateReplicationTask(ctx(t), in(tc.mod))
			requireAPIError(t, err, tc.code, tc.message)
		})
	}
}

func TestUnknownTaskARN(t *testing.T) {
	_, c := newServer(t)
	arn := aws.String("arn:aws:dms:us-east-1:000000000000:task:NOPE")
	msg := "Replication Task arn:aws:dms:us-east-1:000000000000:task:NOPE not found"
	_, err := c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: arn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: arn})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.DeleteReplicationTask(ctx(t), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: arn})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.ModifyReplicationTask(ctx(t), &dmsapi.ModifyReplicationTaskInput{ReplicationTaskArn: arn})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: arn})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String("my-task")})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid ARN "my-task": want arn:aws:dms:<region>:<account>:task:<id>`)
	_, err = c.ReloadTables(ctx(t), &dmsapi.ReloadTablesInput{ReplicationTaskArn: arn, TablesToReload: []types.TableToReload{{SchemaName: aws.String("s"), TableName: aws.String("t")}}})
	requireAPIError(t, err, "ResourceNotFoundFault", msg)
	_, err = c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Tasks found matching provided filters")
}

func TestDescribeReplicationTasksFilters(t *testing.T) {
	srv, c := newServer(t, fakedms.WithStateDelay(time.Hour))
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := *createMySQLEndpoint(t, c, "src", "127.0.0.1", 1, "u", "p").EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "s")).EndpointArn
	for _, tc := range []struct {
		id string
		mt types.MigrationTypeValue
	}{{"a-full", types.MigrationTypeValueFullLoad}, {"b-cdc", types.MigrationTypeValueCdc}, {"c-both", types.MigrationTypeValueFullLoadAndCdc}} {
		_, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String(tc.id), MigrationType: tc.mt, ReplicationInstanceArn: aws.String(inst),
			SourceEndpointArn: aws.String(src), TargetEndpointArn: aws.String(dst), TableMappings: aws.String(selectAll),
		})
		require.NoError(t, err)
	}
	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"all", nil, []string{"a-full", "b-cdc", "c-both"}},
		{"migration-type", []types.Filter{{Name: aws.String("migration-type"), Values: []string{"cdc", "full-load"}}}, []string{"a-full", "b-cdc"}},
		{"replication-task-id", []types.Filter{{Name: aws.String("replication-task-id"), Values: []string{"c-both"}}}, []string{"c-both"}},
		{"endpoint-arn", []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{dst}}}, []string{"a-full", "b-cdc", "c-both"}},
		{"replication-instance-arn", []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{inst}}, {Name: aws.String("migration-type"), Values: []string{"full-load-and-cdc"}}}, []string{"c-both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{Filters: tc.filters, WithoutSettings: aws.Bool(true)})
			require.NoError(t, err)
			var got []string
			for _, rt := range out.ReplicationTasks {
				got = append(got, *rt.ReplicationTaskIdentifier)
				require.Nil(t, rt.ReplicationTaskSettings, "WithoutSettings")
				require.Equal(t, "creating", *rt.Status, "the state delay holds it in creating")
				require.Nil(t, rt.ReplicationTaskStats)
			}
			require.Equal(t, tc.want, got)
		})
	}
	out, err := c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{})
	require.NoError(t, err)
	require.NotNil(t, out.ReplicationTasks[0].ReplicationTaskSettings)

	_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: out.ReplicationTasks[0].ReplicationTaskArn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication task a-full cannot be started while it is creating")
}

func TestFullLoadAndCDCTask(t *testing.T) {
	p := newPipeline(t, &types.KinesisSettings{MessageFormat: types.MessageFormatValueJsonUnformatted})
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	arn := *p.createTask(t, "both", types.MigrationTypeValueFullLoadAndCdc, selectTables(p.db.Database, "t"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	// exceptions create-table, drop-table, create-table, the load.
	waitRecords(t, p, 4)
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (2)")
	recs := waitRecords(t, p, 5)
	require.Equal(t, `{"data":{"id":2},"metadata":{`, string(recs[4].Data[:len(`{"data":{"id":2},"metadata":{`)]))
	running := p.describe(t, arn)
	require.Equal(t, int32(100), running.ReplicationTaskStats.FullLoadProgressPercent)
	require.NotNil(t, running.ReplicationTaskStats.FullLoadFinishDate)
	_, err := p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)
	require.Equal(t, "Stop Reason NORMAL", *p.describe(t, arn).StopReason)
	stats, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, int64(1), stats.TableStatistics[0].FullLoadRows)
	require.Equal(t, int64(1), stats.TableStatistics[0].Inserts)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 5)
}

// TestCDCFromStartTime: a cdc task with CdcStartTime starts with the first
// transaction committed in or after that second, found in MariaDB's
// binary log, not from now.
func TestCDCFromStartTime(t *testing.T) {
	p := newPipeline(t, nil)
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'before')")
	cn, err := client.Connect(p.db.Addr, p.db.User, p.db.Password, p.db.Database)
	require.NoError(t, err)
	defer cn.Close()
	serverSecond := func() int64 {
		r, err := cn.Execute("SELECT UNIX_TIMESTAMP()")
		require.NoError(t, err)
		n, err := r.GetIntByName(0, "UNIX_TIMESTAMP()")
		require.NoError(t, err)
		return n
	}
	at := serverSecond() + 1 // binlog times have whole seconds
	require.Eventually(t, func() bool { return serverSecond() >= at }, waitLimit, 20*time.Millisecond)
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (2, 'after')")

	out, err := p.c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("from-time"), MigrationType: types.MigrationTypeValueCdc,
		ReplicationInstanceArn: aws.String(p.instance), SourceEndpointArn: aws.String(p.source), TargetEndpointArn: aws.String(p.target),
		TableMappings: aws.String(selectTables(p.db.Database, "t")), CdcStartTime: aws.Time(time.Unix(at, 0)),
	})
	require.NoError(t, err)
	arn := *out.ReplicationTask.ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (3, 'later')")

	require.Equal(t, []string{"create-table awsdms_apply_exceptions <nil>", "create-table t <nil>", "insert t after", "insert t later"},
		changeSummaries(t, waitRecords(t, p, 4), "v"))
	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 4)
}

// TestReloadTables reloads a table of a running full-load-and-cdc task:
// drop-table, create-table and a load of its current rows on the stream,
// then the changes after the reload, each once; the other table is left
// alone. validate-only is acknowledged and changes nothing.
func TestReloadTables(t *testing.T) {
	p := newPipeline(t, nil)
	s := p.db.Database
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
		"CREATE TABLE u (id INT PRIMARY KEY)", "INSERT INTO u VALUES (1)")
	arn := *p.createTask(t, "reload", types.MigrationTypeValueFullLoadAndCdc, selectTables(s, "%"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	waitRecords(t, p, 8) // apply exceptions, 2 drops, 2 creates, 3 loads
	dmstest.MySQLExec(t, p.db, "UPDATE t SET v = 'z' WHERE id = 1")
	waitRecords(t, p, 9)

	table := []types.TableToReload{{SchemaName: aws.String(s), TableName: aws.String("t")}}
	_, err := p.c.ReloadTables(ctx(t), &dmsapi.ReloadTablesInput{ReplicationTaskArn: aws.String(arn), TablesToReload: table, ReloadOption: types.ReloadOptionValueValidateOnly})
	require.NoError(t, err)
	out, err := p.c.ReloadTables(ctx(t), &dmsapi.ReloadTablesInput{ReplicationTaskArn: aws.String(arn), TablesToReload: table})
	require.NoError(t, err)
	require.Equal(t, arn, *out.ReplicationTaskArn)
	waitRecords(t, p, 13)
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (3, 'c')")
	recs := waitRecords(t, p, 14)

	require.Equal(t, []string{"update t 1 z", "drop-table t <nil> <nil>", "create-table t <nil> <nil>", "load t 1 z", "load t 2 b", "insert t 3 c"},
		changeSummaries(t, recs[8:], "id", "v"))
	requireTReloaded(t, p.c, arn)
	_, err = p.c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)
	require.Len(t, p.srv.Kinesis().Records(p.stream), 14)
}

// changeSummaries is "operation table-name data[col]..." of each record.
func changeSummaries(t *testing.T, recs []fakekinesis.Record, cols ...string) []string {
	t.Helper()
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		var doc struct {
			Data     map[string]any `json:"data"`
			Metadata map[string]any `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &doc))
		line := fmt.Sprint(doc.Metadata["operation"], " ", doc.Metadata["table-name"])
		for _, c := range cols {
			line += fmt.Sprint(" ", doc.Data[c])
		}
		out = append(out, line)
	}
	return out
}

// requireTReloaded checks the statistics of a task of tables t and u
// after t, loaded with 2 rows, had an update and, after its reload, an
// insert.
func requireTReloaded(t *testing.T, c *dmsapi.Client, arn string) {
	t.Helper()
	stats, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, stats.TableStatistics, 2)
	for _, st := range stats.TableStatistics {
		switch *st.TableName {
		case "t":
			require.True(t, *st.FullLoadReloaded)
			require.Equal(t, int64(2), st.FullLoadRows)
			require.Equal(t, int64(1), st.Inserts)
			require.Equal(t, int64(1), st.Updates)
		case "u":
			require.False(t, *st.FullLoadReloaded)
			require.Equal(t, int64(1), st.FullLoadRows)
		}
		require.Equal(t, "Table completed", *st.TableState)
	}
}
