package fakedms_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// closedPort returns a local port nothing listens on.
func closedPort(t *testing.T) int32 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return int32(port)
}

func TestTestConnection(t *testing.T) {
	db := dmstest.MySQL(t)
	// A connection stays "testing" for at least the state delay: long
	// enough that the second TestConnection below is certainly refused,
	// however slow a loaded machine is between the two calls.
	srv, c := newServer(t, fakedms.WithStateDelay(500*time.Millisecond))
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, _ := strconv.Atoi(port)
	good := *createMySQLEndpoint(t, c, "good", host, int32(n), db.User, db.Password).EndpointArn
	badPassword := *createMySQLEndpoint(t, c, "bad-password", host, int32(n), db.User, "wrong").EndpointArn
	down := *createMySQLEndpoint(t, c, "down", "127.0.0.1", closedPort(t), db.User, db.Password).EndpointArn
	stream := *createKinesisEndpoint(t, c, "stream", createStream(t, srv, "exists")).EndpointArn
	noStream := *createKinesisEndpoint(t, c, "no-stream", "arn:aws:kinesis:us-east-1:000000000000:stream/missing").EndpointArn

	for _, tc := range []struct {
		name, endpoint, status, failure string
	}{
		{"mariadb", good, "successful", ""},
		{"kinesis", stream, "successful", ""},
		{"wrong password", badPassword, "failed", "mysql source: connect to " + db.Addr + ` as "` + db.User + `": `},
		{"server down", down, "failed", "mysql source: connect to 127.0.0.1:"},
		{"missing stream", noStream, "failed", "describe Kinesis stream missing: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(tc.endpoint), ReplicationInstanceArn: aws.String(inst)})
			require.NoError(t, err)
			require.Equal(t, "testing", *out.Connection.Status)
			_, err = c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(tc.endpoint), ReplicationInstanceArn: aws.String(inst)})
			requireAPIError(t, err, "InvalidResourceStateFault", "")

			filter := &dmsapi.DescribeConnectionsInput{Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{tc.endpoint}}}}
			if tc.status == "successful" {
				w := dmsapi.NewTestConnectionSucceedsWaiter(c, func(o *dmsapi.TestConnectionSucceedsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
				require.NoError(t, w.Wait(ctx(t), filter, waitLimit))
			}
			var conn types.Connection
			require.Eventually(t, func() bool {
				out, err := c.DescribeConnections(ctx(t), filter)
				require.NoError(t, err)
				require.Len(t, out.Connections, 1)
				conn = out.Connections[0]
				return *conn.Status != "testing"
			}, waitLimit, 10*time.Millisecond)
			require.Equal(t, tc.status, *conn.Status)
			require.Equal(t, "inst", *conn.ReplicationInstanceIdentifier)
			if tc.failure == "" {
				require.Nil(t, conn.LastFailureMessage)
			} else {
				require.Contains(t, *conn.LastFailureMessage, tc.failure)
			}
		})
	}

	all, err := c.DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{inst}}},
	})
	require.NoError(t, err)
	var ids []string
	for _, cn := range all.Connections {
		ids = append(ids, *cn.EndpointIdentifier)
	}
	require.Equal(t, []string{"bad-password", "down", "good", "no-stream", "stream"}, ids)

	del, err := c.DeleteConnection(ctx(t), &dmsapi.DeleteConnectionInput{EndpointArn: aws.String(good), ReplicationInstanceArn: aws.String(inst)})
	require.NoError(t, err)
	require.Equal(t, "deleting", *del.Connection.Status)
	_, err = c.DeleteConnection(ctx(t), &dmsapi.DeleteConnectionInput{EndpointArn: aws.String(good), ReplicationInstanceArn: aws.String(inst)})
	requireAPIError(t, err, "ResourceNotFoundFault", "Connection between "+good+" and "+inst+" not found")
	_, err = c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String("arn:aws:dms:us-east-1:000000000000:endpoint:NOPE"), ReplicationInstanceArn: aws.String(inst)})
	requireAPIError(t, err, "ResourceNotFoundFault", "Endpoint arn:aws:dms:us-east-1:000000000000:endpoint:NOPE not found")
}

// TestEngineWithoutTarget: an endpoint whose engine fakedms cannot run yet
// (every source engine runs; a postgres target does not) can be created,
// fails its connection test and cannot start a task.
func TestEngineWithoutTarget(t *testing.T) {
	_, c := newServer(t)
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	pg, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("pg"), EndpointType: types.ReplicationEndpointTypeValueTarget,
		EngineName: aws.String("postgres"), ServerName: aws.String("127.0.0.1"), DatabaseName: aws.String("db"),
	})
	require.NoError(t, err)
	require.Equal(t, "PostgreSQL", *pg.Endpoint.EngineDisplayName)
	conn := testOnlyConnection(t, c, *pg.Endpoint.EndpointArn, inst)
	require.Equal(t, "failed", *conn.Status)
	require.Equal(t, "fakedms cannot connect to a postgres target", *conn.LastFailureMessage)

	src := *createMySQLEndpoint(t, c, "src", "127.0.0.1", closedPort(t), "root", "").EndpointArn
	task, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("pg-task"), MigrationType: types.MigrationTypeValueCdc, ReplicationInstanceArn: aws.String(inst),
		SourceEndpointArn: aws.String(src), TargetEndpointArn: pg.Endpoint.EndpointArn, TableMappings: aws.String(selectAll),
	})
	require.NoError(t, err)
	_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: task.ReplicationTask.ReplicationTaskArn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
	requireAPIError(t, err, "InvalidParameterValueException", "fakedms cannot replicate to a postgres endpoint yet")
	out, err := c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{})
	require.NoError(t, err)
	require.Equal(t, "ready", *out.ReplicationTasks[0].Status, "a refused start leaves the task ready")
}

// TestDatabaseSourceWithoutEngine: a server started without a database's
// source engine accepts its endpoints, as AWS does, and says which option
// is missing when one is tested or a task from it starts.
func TestDatabaseSourceWithoutEngine(t *testing.T) {
	for _, tc := range []struct {
		engine, message string
	}{
		{"mariadb", "fakedms has no mariadb source engine: start the server with fakedms.WithSourceEngine(mysqlengine.Source()) from github.com/minidms/minidms/fakedms/mysqlengine"},
		{"aurora-postgresql", "fakedms has no aurora-postgresql source engine: start the server with fakedms.WithSourceEngine(postgresengine.Source()) from github.com/minidms/minidms/fakedms/postgresengine"},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			srv := fakedms.NewServer() // no WithSourceEngine
			t.Cleanup(srv.Close)
			c := srv.DMSClient(func(o *dmsapi.Options) { o.RetryMaxAttempts = 1 })
			inst := *createInstance(t, c, "inst").ReplicationInstanceArn
			src, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
				EndpointIdentifier: aws.String("src"), EndpointType: types.ReplicationEndpointTypeValueSource,
				EngineName: aws.String(tc.engine), ServerName: aws.String("127.0.0.1"), Port: aws.Int32(closedPort(t)), DatabaseName: aws.String("db"),
			})
			require.NoError(t, err)
			conn := testOnlyConnection(t, c, *src.Endpoint.EndpointArn, inst)
			require.Equal(t, "failed", *conn.Status)
			require.Equal(t, tc.message, *conn.LastFailureMessage)

			dst := *createKinesisEndpoint(t, c, "dst", createStream(t, srv, "no-engine")).EndpointArn
			task, err := c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
				ReplicationTaskIdentifier: aws.String("task"), MigrationType: types.MigrationTypeValueCdc, ReplicationInstanceArn: aws.String(inst),
				SourceEndpointArn: src.Endpoint.EndpointArn, TargetEndpointArn: aws.String(dst), TableMappings: aws.String(selectAll),
			})
			require.NoError(t, err)
			_, err = c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: task.ReplicationTask.ReplicationTaskArn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
			requireAPIError(t, err, "InvalidParameterValueException", tc.message)
		})
	}
}

// testOnlyConnection tests the connection of a server's only endpoint and
// returns it once tested.
func testOnlyConnection(t *testing.T, c *dmsapi.Client, endpoint, instance string) types.Connection {
	t.Helper()
	_, err := c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(endpoint), ReplicationInstanceArn: aws.String(instance)})
	require.NoError(t, err)
	var conn types.Connection
	require.Eventually(t, func() bool {
		out, err := c.DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{})
		require.NoError(t, err)
		conn = out.Connections[0]
		return *conn.Status != "testing"
	}, waitLimit, 10*time.Millisecond)
	return conn
}
