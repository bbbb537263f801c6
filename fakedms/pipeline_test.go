package fakedms_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// pipeline is a fresh MariaDB database, a replication instance, a source
// endpoint on the database and a Kinesis target endpoint on a new stream
// of the built-in Kinesis.
type pipeline struct {
	srv      *fakedms.Server
	c        *dmsapi.Client
	db       dmstest.MySQLServer
	instance string
	source   string
	target   string
	stream   string
}

func newPipeline(t *testing.T, settings *types.KinesisSettings, opts ...fakedms.Option) *pipeline {
	t.Helper()
	db := dmstest.MySQL(t)
	srv, c := newServer(t, opts...)
	p := &pipeline{srv: srv, c: c, db: db, stream: "dms-" + strconv.Itoa(len(t.Name()))}
	p.instance = *createInstance(t, c, "instance").ReplicationInstanceArn
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	p.source = *createMySQLEndpoint(t, c, "source", host, int32(n), db.User, db.Password).EndpointArn
	streamArn := createStream(t, srv, p.stream)
	if settings == nil {
		settings = &types.KinesisSettings{}
	}
	settings.StreamArn = aws.String(streamArn)
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("target"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings:    settings,
	})
	require.NoError(t, err)
	p.target = *out.Endpoint.EndpointArn
	return p
}

func (p *pipeline) createTask(t *testing.T, id string, mt types.MigrationTypeValue, mappings, settings string) *types.ReplicationTask {
	t.Helper()
	in := &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String(id),
		MigrationType:             mt,
		ReplicationInstanceArn:    aws.String(p.instance),
		SourceEndpointArn:         aws.String(p.source),
		TargetEndpointArn:         aws.String(p.target),
		TableMappings:             aws.String(mappings),
	}
	if settings != "" {
		in.ReplicationTaskSettings = aws.String(settings)
	}
	out, err := p.c.CreateReplicationTask(ctx(t), in)
	require.NoError(t, err)
	return out.ReplicationTask
}

func byArn(arn string) *dmsapi.DescribeReplicationTasksInput {
	return &dmsapi.DescribeReplicationTasksInput{
		Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{arn}}},
	}
}

func (p *pipeline) describe(t *testing.T, arn string) types.ReplicationTask {
	t.Helper()
	out, err := p.c.DescribeReplicationTasks(ctx(t), byArn(arn))
	require.NoError(t, err)
	require.Len(t, out.ReplicationTasks, 1)
	return out.ReplicationTasks[0]
}

func (p *pipeline) waitReady(t *testing.T, arn string) {
	t.Helper()
	w := dmsapi.NewReplicationTaskReadyWaiter(p.c, func(o *dmsapi.ReplicationTaskReadyWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
}

func (p *pipeline) waitRunning(t *testing.T, arn string) {
	t.Helper()
	w := dmsapi.NewReplicationTaskRunningWaiter(p.c, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
}

func (p *pipeline) waitStopped(t *testing.T, arn string) {
	t.Helper()
	w := dmsapi.NewReplicationTaskStoppedWaiter(p.c, func(o *dmsapi.ReplicationTaskStoppedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
}

func (p *pipeline) start(t *testing.T, arn string, how types.StartReplicationTaskTypeValue) *types.ReplicationTask {
	t.Helper()
	out, err := p.c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: how})
	require.NoError(t, err)
	return out.ReplicationTask
}
