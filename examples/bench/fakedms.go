package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/fakedms"
)

// describeWork makes a prepare step that only names the work.
func describeWork(work string) func(context.Context, options) (string, string, error) {
	return func(context.Context, options) (string, string, error) { return work, "", nil }
}

func fakedmsScenarios() []scenario {
	return []scenario{
		{name: "fakedms-startup", target: "ready < 10 ms", unit: "servers/s", minidms: "fakedms-startup",
			prepare: describeWork("NewServer to its first answered SDK call, 100 times (p50/p99: ms per start)")},
		{name: "fakedms-describe", target: "≥ 5,000 calls/s", unit: "calls/s", minidms: "fakedms-describe",
			prepare: describeWork("DescribeReplicationTasks through the SDK, 100 tasks, for 3 s")},
	}
}

func fakedmsMeasurements() map[string]measurement {
	return map[string]measurement{
		"fakedms-startup":  fakedmsStartup,
		"fakedms-describe": fakedmsDescribe,
	}
}

// fakedmsStartup times NewServer up to its first answered call; P50 and
// P99 are of the 100 runs.
func fakedmsStartup(ctx context.Context, o options, _ string) (measure, error) {
	const runs = 100
	var lat []float64
	var total float64
	for range runs {
		start := time.Now()
		srv := fakedms.NewServer()
		_, err := srv.DMSClient().DescribeAccountAttributes(ctx, &dmsapi.DescribeAccountAttributesInput{})
		d := time.Since(start)
		srv.Close()
		if err != nil {
			return measure{}, err
		}
		lat = append(lat, d.Seconds()*1000)
		total += d.Seconds()
	}
	slices.Sort(lat)
	return measure{Units: runs, Seconds: total, P50: lat[runs/2], P99: lat[runs*99/100]}, nil
}

// fakedmsDescribe makes 100 tasks and calls DescribeReplicationTasks (one
// page of all of them) as fast as one SDK client can for 3 seconds.
func fakedmsDescribe(ctx context.Context, o options, _ string) (measure, error) {
	srv := fakedms.NewServer()
	defer srv.Close()
	c := srv.DMSClient()
	inst, err := c.CreateReplicationInstance(ctx, &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("bench"), ReplicationInstanceClass: aws.String("dms.t3.micro")})
	if err != nil {
		return measure{}, err
	}
	src, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("source"),
		EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("mariadb"),
		ServerName: aws.String("127.0.0.1"), Port: aws.Int32(3306), Username: aws.String("u"), Password: aws.String("p")})
	if err != nil {
		return measure{}, err
	}
	tgt, err := c.CreateEndpoint(ctx, &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("target"),
		EndpointType: types.ReplicationEndpointTypeValueTarget, EngineName: aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench")}})
	if err != nil {
		return measure{}, err
	}
	for i := range 100 {
		if _, err := c.CreateReplicationTask(ctx, &dmsapi.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String(fmt.Sprint("task-", i)), MigrationType: types.MigrationTypeValueCdc,
			ReplicationInstanceArn: inst.ReplicationInstance.ReplicationInstanceArn,
			SourceEndpointArn:      src.Endpoint.EndpointArn, TargetEndpointArn: tgt.Endpoint.EndpointArn,
			TableMappings: aws.String(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`),
		}); err != nil {
			return measure{}, err
		}
	}
	var calls int64
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		out, err := c.DescribeReplicationTasks(ctx, &dmsapi.DescribeReplicationTasksInput{WithoutSettings: aws.Bool(true)})
		if err != nil {
			return measure{}, err
		}
		if len(out.ReplicationTasks) != 100 {
			return measure{}, fmt.Errorf("described %d tasks, want 100", len(out.ReplicationTasks))
		}
		calls++
	}
	return measure{Units: calls, Seconds: time.Since(start).Seconds()}, nil
}
