package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

// TestServerlessOptions checks that DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME
// becomes the server's serverless state delay: on a clock the test moves, a
// replication stays initializing for exactly that many seconds.
func TestServerlessOptions(t *testing.T) {
	sl, err := serverlessFromEnv(func(k string) string {
		return map[string]string{"DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME": "3600", "DMS_SERVERLESS_DEPROVISIONING_DELAY": "5"}[k]
	})
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Date(2024, 7, 30, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	srv := fakedms.NewServer(append(sl.options(), fakedms.WithClock(clock))...)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := srv.DMSClient()
	_, err = srv.KinesisClient().CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	src, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("src"), EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("mariadb"),
		ServerName: aws.String("127.0.0.1"), Port: aws.Int32(1), Username: aws.String("u"), Password: aws.String("p"),
	})
	require.NoError(t, err)
	dst, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("dst"), EndpointType: types.ReplicationEndpointTypeValueTarget, EngineName: aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s")},
	})
	require.NoError(t, err)
	rc, err := c.CreateReplicationConfig(ctx, &dmsapi.CreateReplicationConfigInput{
		ReplicationConfigIdentifier: aws.String("c"), ReplicationType: types.MigrationTypeValueFullLoad,
		SourceEndpointArn: src.Endpoint.EndpointArn, TargetEndpointArn: dst.Endpoint.EndpointArn,
		ComputeConfig: &types.ComputeConfig{MaxCapacityUnits: aws.Int32(1)},
		TableMappings: aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`),
	})
	require.NoError(t, err)
	arn := rc.ReplicationConfig.ReplicationConfigArn
	_, err = c.StartReplication(ctx, &dmsapi.StartReplicationInput{ReplicationConfigArn: arn, StartReplicationType: aws.String("start-replication")})
	require.NoError(t, err)
	statusNow := func() string {
		out, err := c.DescribeReplications(ctx, &dmsapi.DescribeReplicationsInput{
			Filters: []types.Filter{{Name: aws.String("replication-config-arn"), Values: []string{*arn}}},
		})
		require.NoError(t, err)
		return *out.Replications[0].Status
	}
	advance(time.Hour - time.Second)
	require.Equal(t, "initializing", statusNow())
	advance(time.Second)
	require.Eventually(t, func() bool { return statusNow() != "initializing" }, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, "preparing_metadata_resources", statusNow())
}
