package postgresengine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/postgresengine"
)

// A task from a PostgreSQL endpoint really connects when it starts;
// nothing listens on port 1 here, so it fails, with the source's error.
func Example() {
	ctx := context.Background()
	srv := fakedms.NewServer(fakedms.WithSourceEngine(postgresengine.Source()))
	defer srv.Close()
	client := srv.DMSClient()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}

	_, err := srv.KinesisClient().CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)})
	must(err)
	instance, err := client.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("example"), ReplicationInstanceClass: aws.String("dms.t3.medium"),
	})
	must(err)
	source, err := client.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("orders-db"), EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("postgres"),
		ServerName: aws.String("127.0.0.1"), Port: aws.Int32(1), Username: aws.String("dms"), Password: aws.String("secret"), DatabaseName: aws.String("orders"),
		PostgreSQLSettings: &types.PostgreSQLSettings{SlotName: aws.String("orders_cdc")},
	})
	must(err)
	target, err := client.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("orders-stream"), EndpointType: types.ReplicationEndpointTypeValueTarget, EngineName: aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/orders")},
	})
	must(err)
	task, err := client.CreateReplicationTask(ctx, &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("orders-cdc"), MigrationType: types.MigrationTypeValueCdc,
		ReplicationInstanceArn: instance.ReplicationInstance.ReplicationInstanceArn,
		SourceEndpointArn:      source.Endpoint.EndpointArn, TargetEndpointArn: target.Endpoint.EndpointArn,
		TableMappings: aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"public","table-name":"%"},"rule-action":"include"}]}`),
	})
	must(err)
	arn := task.ReplicationTask.ReplicationTaskArn
	_, err = client.StartReplicationTask(ctx, &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: arn, StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication})
	must(err)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, err := client.DescribeReplicationTasks(ctx, &dmsapi.DescribeReplicationTasksInput{
			Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{*arn}}},
		})
		must(err)
		if t := out.ReplicationTasks[0]; *t.Status == "failed" {
			fmt.Println(*t.Status, *t.StopReason)
			break
		}
	}
	// Output:
	// failed Stop Reason FATAL_ERROR
}
