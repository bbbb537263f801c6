package fakedms_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/mysqlengine"
	"github.com/minidms/minidms/fakedms/postgresengine"
)

// waitLimit bounds every wait of the tests.
const waitLimit = 30 * time.Second

// withDatabases puts the MySQL and PostgreSQL source engines before opts,
// as the standalone binary has them.
func withDatabases(opts ...fakedms.Option) []fakedms.Option {
	return append([]fakedms.Option{fakedms.WithSourceEngine(mysqlengine.Source()), fakedms.WithSourceEngine(postgresengine.Source())}, opts...)
}

func newServer(t *testing.T, opts ...fakedms.Option) (*fakedms.Server, *dmsapi.Client) {
	t.Helper()
	srv := fakedms.NewServer(withDatabases(opts...)...)
	t.Cleanup(srv.Close)
	// No retries: a retried call would hide a server-side failure.
	return srv, srv.DMSClient(func(o *dmsapi.Options) { o.RetryMaxAttempts = 1 })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return c
}

// fast makes the SDK waiters poll every 10ms instead of every 15s.
func fast(minDelay, maxDelay *time.Duration) {
	*minDelay, *maxDelay = 10*time.Millisecond, 10*time.Millisecond
}

// requireAPIError checks the error code and message a call failed with.
func requireAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "not an API error: %v", err)
	require.Equal(t, code, ae.ErrorCode(), "message: %s", ae.ErrorMessage())
	if message != "" {
		require.Equal(t, message, ae.ErrorMessage())
	}
}

func createInstance(t *testing.T, c *dmsapi.Client, id string) *types.ReplicationInstance {
	t.Helper()
	out, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String(id),
		ReplicationInstanceClass:      aws.String("dms.t3.micro"),
	})
	require.NoError(t, err)
	return out.ReplicationInstance
}

// createStream makes a one-shard stream on the server's Kinesis.
func createStream(t *testing.T, srv *fakedms.Server, name string) string {
	t.Helper()
	kc := srv.KinesisClient()
	_, err := kc.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + name
}

func createKinesisEndpoint(t *testing.T, c *dmsapi.Client, id, streamArn string) *types.Endpoint {
	t.Helper()
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String(id),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{
			StreamArn:            aws.String(streamArn),
			MessageFormat:        types.MessageFormatValueJson,
			ServiceAccessRoleArn: aws.String("arn:aws:iam::000000000000:role/dms"),
		},
	})
	require.NoError(t, err)
	return out.Endpoint
}

func createMySQLEndpoint(t *testing.T, c *dmsapi.Client, id, host string, port int32, user, password string) *types.Endpoint {
	t.Helper()
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String(id),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("mariadb"),
		ServerName:         aws.String(host),
		Port:               aws.Int32(port),
		Username:           aws.String(user),
		Password:           aws.String(password),
	})
	require.NoError(t, err)
	return out.Endpoint
}

const selectAll = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`

func selectTables(schema, table string) string {
	return `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"` + schema + `","table-name":"` + table + `"},"rule-action":"include"}]}`
}

func splitHostPort(t *testing.T, addr string) (string, int32) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return host, int32(n)
}
