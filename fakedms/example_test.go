package fakedms_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/mysqlengine"
)

func Example() {
	ctx := context.Background()
	// The MariaDB source comes with mysqlengine; S3 sources are built in.
	srv := fakedms.NewServer(fakedms.WithSourceEngine(mysqlengine.Source()))
	defer srv.Close()
	client := srv.DMSClient()

	if _, err := srv.KinesisClient().CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("cdc"), ShardCount: aws.Int32(1)}); err != nil {
		panic(err)
	}
	instance, err := client.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("example"),
		ReplicationInstanceClass:      aws.String("dms.t3.medium"),
	})
	if err != nil {
		panic(err)
	}
	source, err := client.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("shop-db"),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("mariadb"),
		ServerName:         aws.String("127.0.0.1"),
		Port:               aws.Int32(3306),
		Username:           aws.String("dms"),
		Password:           aws.String("secret"),
	})
	if err != nil {
		panic(err)
	}
	target, err := client.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("changes"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{
			StreamArn:     aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/cdc"),
			MessageFormat: types.MessageFormatValueJson,
		},
	})
	if err != nil {
		panic(err)
	}
	task, err := client.CreateReplicationTask(ctx, &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("shop-cdc"),
		MigrationType:             types.MigrationTypeValueCdc,
		ReplicationInstanceArn:    instance.ReplicationInstance.ReplicationInstanceArn,
		SourceEndpointArn:         source.Endpoint.EndpointArn,
		TargetEndpointArn:         target.Endpoint.EndpointArn,
		TableMappings:             aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"shop","object-locator":{"schema-name":"shop","table-name":"%"},"rule-action":"include"}]}`),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(*task.ReplicationTask.ReplicationTaskIdentifier, *task.ReplicationTask.Status)

	// Waiters poll every 15 s by default; the fake answers at once.
	waiter := dmsapi.NewReplicationTaskReadyWaiter(client, func(o *dmsapi.ReplicationTaskReadyWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	out, err := waiter.WaitForOutput(ctx, &dmsapi.DescribeReplicationTasksInput{
		Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{*task.ReplicationTask.ReplicationTaskArn}}},
	}, time.Minute)
	if err != nil {
		panic(err)
	}
	fmt.Println(*out.ReplicationTasks[0].ReplicationTaskIdentifier, *out.ReplicationTasks[0].Status)
	// Output:
	// shop-cdc creating
	// shop-cdc ready
}
