package fakedms_test

import (
	"net"
	"regexp"
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

func startReplication(t *testing.T, c *dmsapi.Client, arn, how string) types.Replication {
	t.Helper()
	out, err := c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: &arn, StartReplicationType: &how})
	require.NoError(t, err)
	return *out.Replication
}

func replicationStats(t *testing.T, c *dmsapi.Client, arn string) []types.TableStatistics {
	t.Helper()
	out, err := c.DescribeReplicationTableStatistics(ctx(t), &dmsapi.DescribeReplicationTableStatisticsInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	return out.ReplicationTableStatistics
}

// serverlessKey is the partition key of a serverless replication's
// table-level control records (shared spec §3a).
func serverlessKey(schema, table string) *regexp.Regexp {
	return regexp.MustCompile(`^serv-res-id-\d{13}-[a-z]{3,4}\.` + regexp.QuoteMeta(schema+"."+table) + `$`)
}

// TestReplicationStatusSequence follows a cdc replication through every
// status with a state delay of a minute on a clock the test moves: each
// status holds until the clock has moved on, so polling sees them all.
func TestReplicationStatusSequence(t *testing.T) {
	clock := newTestClock()
	const delay, deprovisioning = time.Minute, 5 * time.Minute
	p := newPipeline(t, nil, fakedms.WithClock(clock.now), fakedms.WithServerlessStateDelay(delay), fakedms.WithDeprovisioningDelay(deprovisioning))
	c, s := p.c, p.db.Database
	dmstest.MySQLExec(t, p.db, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))")
	arn := *createConfig(t, c, configInput("cdc", p.source, p.target, types.MigrationTypeValueCdc, selectTables(s, "%"))).ReplicationConfigArn

	seen := []string{*describeReplication(t, c, arn).Status}
	r := startReplication(t, c, arn, "start-replication")
	require.Equal(t, "start-replication", *r.StartReplicationType)
	seen = append(seen, *r.Status)
	for i := 0; seen[len(seen)-1] != "running" && seen[len(seen)-1] != "failed" && i < 10; i++ {
		last := seen[len(seen)-1]
		clock.advance(delay)
		r = waitReplication(t, c, arn, "the status after "+last, func(r types.Replication) bool { return *r.Status != last })
		seen = append(seen, *r.Status)
		switch *r.Status {
		case "provisioning_capacity":
			require.Equal(t, "provisioning", *r.ProvisionData.ProvisionState)
		case "replication_starting":
			require.Equal(t, "provisioned", *r.ProvisionData.ProvisionState)
			require.Equal(t, int32(2), r.ProvisionData.ProvisionedCapacityUnits, "MaxCapacityUnits")
			require.Equal(t, clock.now(), *r.ProvisionData.DateProvisioned)
			_, err := c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
			requireAPIError(t, err, "InvalidResourceStateFault", "Replication Config cdc cannot be deleted while its replication is replication_starting")
			_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{ReplicationConfigArn: &arn, ReplicationType: types.MigrationTypeValueFullLoad})
			requireAPIError(t, err, "InvalidResourceStateFault", "Replication Config cdc can be modified only when its replication is created, stopped or failed; it is replication_starting")
			_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: &arn, StartReplicationType: aws.String("resume-processing")})
			requireAPIError(t, err, "InvalidResourceStateFault", "Replication cdc cannot be started while it is replication_starting")
		}
	}
	require.Equal(t, []string{"created", "initializing", "preparing_metadata_resources", "testing_connection", "fetching_metadata",
		"calculating_capacity", "provisioning_capacity", "replication_starting", "running"}, seen, "failures: %v", r.FailureMessages)
	require.Empty(t, r.FailureMessages)
	require.NotNil(t, r.ReplicationStats.StartDate)

	// Running: changes flow, with the serverless task id in control
	// records' partition keys.
	dmstest.MySQLExec(t, p.db, "INSERT INTO items VALUES (1, 'one')")
	recs := decodeRecords(t, readStream(t, p.srv.KinesisClient(), p.stream, 3))
	require.ElementsMatch(t, []string{"create-table .awsdms_apply_exceptions", "create-table " + s + ".items", "insert " + s + ".items"},
		[]string{opOf(recs[0]), opOf(recs[1]), opOf(recs[2])})
	for _, rec := range recs {
		if opOf(rec) == "create-table "+s+".items" {
			require.Regexp(t, serverlessKey(s, "items"), rec.key)
		}
	}
	require.Eventually(t, func() bool {
		st := replicationStats(t, c, arn)
		return len(st) == 1 && st[0].Inserts == 1
	}, waitLimit, 5*time.Millisecond)
	_, err := c.ReloadReplicationTables(ctx(t), &dmsapi.ReloadReplicationTablesInput{
		ReplicationConfigArn: &arn, TablesToReload: []types.TableToReload{{SchemaName: aws.String(s), TableName: aws.String("items")}},
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st := replicationStats(t, c, arn)
		return len(st) == 1 && aws.ToBool(st[0].FullLoadReloaded) && *st[0].TableState == "Table completed" && st[0].FullLoadRows == 1
	}, waitLimit, 5*time.Millisecond, "the reload of items")
	_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{ReplicationConfigArn: &arn, ReplicationType: types.MigrationTypeValueFullLoad})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Config cdc can be modified only when its replication is created, stopped or failed; it is running")

	// Stop: stopping for the state delay, then stopped; provisioned for
	// the deprovisioning delay, deprovisioning for the state delay, then
	// deprovisioned without table statistics.
	stop, err := c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	require.Equal(t, "stopping", *stop.Replication.Status)
	require.Equal(t, "stopping", *describeReplication(t, c, arn).Status)
	_, err = c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication cdc is not running (stopping)")
	clock.advance(delay)
	r = waitReplication(t, c, arn, "stopped", status("stopped"))
	require.Equal(t, "Stop Reason NORMAL", *r.StopReason)
	require.Equal(t, clock.now(), *r.ReplicationLastStopTime)
	require.NotNil(t, r.ReplicationStats.StopDate)
	require.NotNil(t, r.RecoveryCheckpoint)
	require.Equal(t, "provisioned", *r.ProvisionData.ProvisionState)
	require.Len(t, replicationStats(t, c, arn), 1)
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Config cdc cannot be deleted before its replication is deprovisioned (it is provisioned)")

	clock.advance(deprovisioning)
	r = waitReplication(t, c, arn, "deprovisioning", func(r types.Replication) bool {
		return aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioning"
	})
	require.Equal(t, "stopped", *r.Status)
	clock.advance(delay)
	r = waitReplication(t, c, arn, "deprovisioned", func(r types.Replication) bool {
		return aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioned"
	})
	require.Equal(t, "stopped", *r.Status)
	require.Equal(t, clock.now(), *r.ReplicationDeprovisionTime)
	require.Zero(t, r.ProvisionData.ProvisionedCapacityUnits)
	require.Empty(t, replicationStats(t, c, arn), "deprovisioning deletes the table statistics")

	// Modify and delete are allowed now; deleting lasts the state delay.
	_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{ReplicationConfigArn: &arn, ReplicationSettings: aws.String(`{"Logging":{"EnableLogging":true}}`)})
	require.NoError(t, err)
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	require.Equal(t, "deleting", *describeReplication(t, c, arn).Status)
	clock.advance(delay)
	_, err = c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: configFilter(arn)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replications found matching provided filters")
}

func opOf(r record) string {
	md := r.doc["metadata"].(map[string]any)
	return md["operation"].(string) + " " + md["schema-name"].(string) + "." + md["table-name"].(string)
}

// TestServerlessFullLoad replicates MariaDB tables to the built-in Kinesis
// with a full-load replication at the default state delay: it ends
// stopped with FULL_LOAD_ONLY_FINISHED and is deprovisioned after the
// deprovisioning delay, which deletes its table statistics.
func TestServerlessFullLoad(t *testing.T) {
	p := newPipeline(t, nil, fakedms.WithDeprovisioningDelay(50*time.Millisecond))
	c, s := p.c, p.db.Database
	dmstest.MySQLExec(t, p.db,
		"CREATE TABLE authors (id INT PRIMARY KEY, name VARCHAR(20))", "INSERT INTO authors VALUES (1, 'Ann'), (2, 'Bob')",
		"CREATE TABLE books (id INT PRIMARY KEY, title VARCHAR(20))", "INSERT INTO books VALUES (1, 'Go')")
	mappings := `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"` + s +
		`","table-name":"%"},"rule-action":"include"},{"rule-type":"selection","rule-id":"2","rule-name":"2","object-locator":{"schema-name":"` + s +
		`","table-name":"books"},"rule-action":"exclude"}]}`
	arn := *createConfig(t, c, configInput("full", p.source, p.target, types.MigrationTypeValueFullLoad, mappings)).ReplicationConfigArn

	require.Equal(t, "initializing", *startReplication(t, c, arn, "start-replication").Status)
	r := waitReplication(t, c, arn, "stopped", status("stopped"))
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *r.StopReason)
	require.Equal(t, int32(100), r.ReplicationStats.FullLoadProgressPercent)
	require.Equal(t, int32(1), r.ReplicationStats.TablesLoaded)
	require.NotNil(t, r.ReplicationLastStopTime)

	recs := decodeRecords(t, readStream(t, p.srv.KinesisClient(), p.stream, 4))
	require.Len(t, recs, 4)
	require.Equal(t, []string{"drop-table " + s + ".authors", "create-table " + s + ".authors", "load " + s + ".authors", "load " + s + ".authors"},
		[]string{opOf(recs[0]), opOf(recs[1]), opOf(recs[2]), opOf(recs[3])})
	require.Regexp(t, serverlessKey(s, "authors"), recs[0].key)
	require.Regexp(t, serverlessKey(s, "authors"), recs[1].key)
	require.Equal(t, "1", recs[2].key)

	r = waitReplication(t, c, arn, "deprovisioned", func(r types.Replication) bool {
		return aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioned"
	})
	require.Equal(t, "stopped", *r.Status)
	require.NotNil(t, r.ReplicationDeprovisionTime)
	require.Empty(t, replicationStats(t, c, arn))

	// A second start: start-replication only runs first; reload-target
	// loads again.
	_, err := c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: &arn, StartReplicationType: aws.String("start-replication")})
	requireAPIError(t, err, "InvalidParameterCombinationException", "Start Type : START_REPLICATION, valid only for tasks running for the first time")
	require.Equal(t, "reload-target", *startReplication(t, c, arn, "reload-target").StartReplicationType)
	waitReplication(t, c, arn, "deprovisioned again", func(r types.Replication) bool {
		return *r.Status == "stopped" && aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioned"
	})
	require.Len(t, p.srv.Kinesis().Records(p.stream), 8)

	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	_, err = c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: configFilter(arn)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replications found matching provided filters")
}

// TestServerlessConnectionFailure: a source that cannot be reached fails
// the replication after testing_connection, with FailureMessages; nothing
// was provisioned, so the config can be deleted at once.
func TestServerlessConnectionFailure(t *testing.T) {
	srv, c := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	src := *createMySQLEndpoint(t, c, "unreachable", "127.0.0.1", int32(port), "u", "p").EndpointArn
	dst := *createKinesisEndpoint(t, c, "target", createStream(t, srv, "failing")).EndpointArn
	arn := *createConfig(t, c, configInput("failing", src, dst, types.MigrationTypeValueFullLoad, selectAll)).ReplicationConfigArn

	startReplication(t, c, arn, "start-replication")
	r := waitReplication(t, c, arn, "failed", status("failed"))
	require.Len(t, r.FailureMessages, 1)
	require.Contains(t, r.FailureMessages[0], "Test connection for the source endpoint unreachable failed: ")
	require.Nil(t, r.ProvisionData.ProvisionState)
	require.Equal(t, "Stop Reason FATAL_ERROR", *r.StopReason)
	require.Empty(t, replicationStats(t, c, arn))
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
}

// TestServerlessCloseLeavesNoGoroutine closes a server while a cdc
// replication runs and a full-load one waits to be deprovisioned.
func TestServerlessCloseLeavesNoGoroutine(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)")
	before := runtime.NumGoroutine()
	func() {
		srv := fakedms.NewServer(withDatabases(fakedms.WithServerlessStateDelay(0))...)
		defer srv.Close()
		c := srv.DMSClient()
		host, port, err := net.SplitHostPort(db.Addr)
		require.NoError(t, err)
		n, err := strconv.Atoi(port)
		require.NoError(t, err)
		src := *createMySQLEndpoint(t, c, "src", host, int32(n), db.User, db.Password).EndpointArn
		dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "close")).EndpointArn
		running := *createConfig(t, c, configInput("running", src, dst, types.MigrationTypeValueCdc, selectTables(db.Database, "%"))).ReplicationConfigArn
		startReplication(t, c, running, "start-replication")
		full := *createConfig(t, c, configInput("full", src, dst, types.MigrationTypeValueFullLoad, selectTables(db.Database, "%"))).ReplicationConfigArn
		startReplication(t, c, full, "start-replication")
		waitReplication(t, c, running, "running", status("running"))
		r := waitReplication(t, c, full, "stopped", status("stopped"))
		require.Equal(t, "provisioned", *r.ProvisionData.ProvisionState, "for the default 60 s")
		require.Greater(t, runtime.NumGoroutine(), before)
	}()
	dmstest.RequireGoroutinesBack(t, before)
}

// TestServerlessFullLoadAndCDC: a full-load-and-cdc replication from
// MariaDB loads the table, then streams changes until stopped.
func TestServerlessFullLoadAndCDC(t *testing.T) {
	p := newPipeline(t, nil)
	c, s := p.c, p.db.Database
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a')")
	arn := *createConfig(t, c, configInput("flcdc", p.source, p.target, types.MigrationTypeValueFullLoadAndCdc, selectTables(s, "t"))).ReplicationConfigArn
	startReplication(t, c, arn, "start-replication")
	waitReplication(t, c, arn, "running", status("running"))
	require.Eventually(t, func() bool {
		st := replicationStats(t, c, arn)
		return len(st) == 1 && *st[0].TableState == "Table completed" && st[0].FullLoadRows == 1
	}, waitLimit, 5*time.Millisecond)
	dmstest.MySQLExec(t, p.db, "UPDATE t SET v = 'b' WHERE id = 1")
	recs := decodeRecords(t, readStream(t, p.srv.KinesisClient(), p.stream, 5))
	ops := []string{}
	for _, r := range recs {
		ops = append(ops, opOf(r))
	}
	require.ElementsMatch(t, []string{"create-table .awsdms_apply_exceptions", "drop-table " + s + ".t", "create-table " + s + ".t",
		"load " + s + ".t", "update " + s + ".t"}, ops)
	require.Equal(t, "update "+s+".t", ops[4])
	require.Equal(t, "b", recs[4].doc["data"].(map[string]any)["v"])

	_, err := c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	r := waitReplication(t, c, arn, "stopped", status("stopped"))
	require.Equal(t, "Stop Reason NORMAL", *r.StopReason)
	require.Equal(t, int32(100), r.ReplicationStats.FullLoadProgressPercent)

	// resume-processing continues with CDC only.
	require.Equal(t, "resume-processing", *startReplication(t, c, arn, "resume-processing").StartReplicationType)
	waitReplication(t, c, arn, "running again", status("running"))
	dmstest.MySQLExec(t, p.db, "DELETE FROM t WHERE id = 1")
	require.Eventually(t, func() bool {
		recs := p.srv.Kinesis().Records(p.stream)
		return strings.Contains(string(recs[len(recs)-1].Data), `"operation":	"delete"`)
	}, waitLimit, 5*time.Millisecond, "the delete after resume-processing")
	for _, r := range p.srv.Kinesis().Records(p.stream)[5:] {
		require.NotContains(t, string(r.Data), `"operation":	"load"`, "resume-processing does not load again")
	}
	_, err = c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	waitReplication(t, c, arn, "stopped again", status("stopped"))
}

// TestServerlessPostgresCDC: a cdc replication from PostgreSQL (which
// LocalStack's serverless emulation does not offer) reads its own
// replication slot, named after the serverless task id.
func TestServerlessPostgresCDC(t *testing.T) {
	db := dmstest.Postgres(t)
	dmstest.PostgresExec(t, db, "CREATE TABLE items (id INT PRIMARY KEY, name TEXT)")
	srv, c := newServer(t, fakedms.WithDeprovisioningDelay(0))
	src := *createPostgresEndpoint(t, c, "pg", "postgres", pgConnOf(t, db), nil).EndpointArn
	dst := *createKinesisEndpoint(t, c, "target", createStream(t, srv, "pg-serverless")).EndpointArn
	arn := *createConfig(t, c, configInput("pg-cdc", src, dst, types.MigrationTypeValueCdc, selectTables("public", "items"))).ReplicationConfigArn
	startReplication(t, c, arn, "start-replication")
	waitReplication(t, c, arn, "running", status("running"))
	dmstest.PostgresExec(t, db, "INSERT INTO items VALUES (7, 'seven')")
	recs := decodeRecords(t, readStream(t, srv.KinesisClient(), "pg-serverless", 3))
	var insert record
	for _, r := range recs {
		switch opOf(r) {
		case "create-table public.items":
			require.Regexp(t, serverlessKey("public", "items"), r.key)
		case "insert public.items":
			insert = r
		}
	}
	require.NotNil(t, insert.doc, "records: %v", summaries(recs))
	require.Equal(t, map[string]any{"id": float64(7), "name": "seven"}, insert.doc["data"])
	slots := pgSlots(t, db)
	require.Len(t, slots, 1)
	for slot := range slots {
		require.Regexp(t, `^minidms_serv_res_id_\d{13}_[a-z]{3,4}$`, slot)
	}

	_, err := c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	waitReplication(t, c, arn, "deprovisioned", func(r types.Replication) bool {
		return *r.Status == "stopped" && aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioned"
	})
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	require.Empty(t, pgSlots(t, db), "deleting the config drops its slot, as deleting a task does")
}

// TestServerlessEngineFailure: a mapping that selects no table fails the
// run in the engine, as it fails a task, with AWS's message; the failed
// replication is deprovisioned like a stopped one.
func TestServerlessEngineFailure(t *testing.T) {
	p := newPipeline(t, nil, fakedms.WithDeprovisioningDelay(0))
	c := p.c
	arn := *createConfig(t, c, configInput("nothing", p.source, p.target, types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "missing"))).ReplicationConfigArn
	startReplication(t, c, arn, "start-replication")
	r := waitReplication(t, c, arn, "failed", status("failed"))
	require.Equal(t, []string{"No tables were found at task initialization. Either the selected table(s) or schemas(s) no longer exist or no table(s) match the specified table mappings."}, r.FailureMessages)
	require.Equal(t, "Stop Reason FATAL_ERROR", *r.StopReason)
	waitReplication(t, c, arn, "deprovisioned", func(r types.Replication) bool {
		return aws.ToString(r.ProvisionData.ProvisionState) == "deprovisioned"
	})
	_, err := c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
}
