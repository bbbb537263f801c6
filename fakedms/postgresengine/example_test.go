package postgresengine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/postgresengine"
)

// A server with the PostgreSQL engine really connects to a PostgreSQL endpoint's
// server when its connection is tested; nothing listens on port 1 here.
func Example() {
	ctx := context.Background()
	srv := fakedms.NewServer(fakedms.WithSourceEngine(postgresengine.Source()))
	defer srv.Close()
	client := srv.DMSClient()

	instance, err := client.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("example"),
		ReplicationInstanceClass:      aws.String("dms.t3.medium"),
	})
	if err != nil {
		panic(err)
	}
	source, err := client.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("orders-db"),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("postgres"),
		ServerName:         aws.String("127.0.0.1"),
		Port:               aws.Int32(1),
		Username:           aws.String("dms"),
		Password:           aws.String("secret"),
		DatabaseName:       aws.String("orders"),
	})
	if err != nil {
		panic(err)
	}
	in := &dmsapi.TestConnectionInput{EndpointArn: source.Endpoint.EndpointArn, ReplicationInstanceArn: instance.ReplicationInstance.ReplicationInstanceArn}
	if _, err := client.TestConnection(ctx, in); err != nil {
		panic(err)
	}
	waiter := dmsapi.NewTestConnectionSucceedsWaiter(client, func(o *dmsapi.TestConnectionSucceedsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	err = waiter.Wait(ctx, &dmsapi.DescribeConnectionsInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{*source.Endpoint.EndpointArn}}},
	}, time.Minute)
	fmt.Println("connection test failed:", err != nil)
	// Output:
	// connection test failed: true
}
