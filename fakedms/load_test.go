package fakedms_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// 1,000 concurrent API calls while 20 CDC tasks replicate: every call
// succeeds, every change arrives, and Close leaves no goroutine behind.
func TestLoadConcurrentCallsWithRunningTasks(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)")
	before := runtime.NumGoroutine()
	func() {
		srv := fakedms.NewServer(withDatabases()...)
		defer srv.Close()
		p := &pipeline{srv: srv, c: srv.DMSClient(), db: db, stream: "load"}
		p.instance = *createInstance(t, p.c, "inst").ReplicationInstanceArn
		host, port := splitHostPort(t, db.Addr)
		p.source = *createMySQLEndpoint(t, p.c, "src", host, port, db.User, db.Password).EndpointArn
		p.target = *createKinesisEndpoint(t, p.c, "dst", createStream(t, srv, p.stream)).EndpointArn

		const tasks = 20
		arns := make([]string, tasks)
		for i := range arns {
			arns[i] = *p.createTask(t, fmt.Sprint("cdc-", i), types.MigrationTypeValueCdc, selectTables(db.Database, "t"), "").ReplicationTaskArn
			p.waitReady(t, arns[i])
			p.start(t, arns[i], types.StartReplicationTaskTypeValueStartReplication)
		}
		for _, arn := range arns {
			p.waitRunning(t, arn)
		}

		// 50 clients make 20 calls each, while rows are written.
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		calls := []func(i int) error{
			func(int) error {
				_, err := p.c.DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{WithoutSettings: aws.Bool(true)})
				return err
			},
			func(i int) error {
				_, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arns[i%tasks])})
				return err
			},
			func(i int) error {
				_, err := p.c.AddTagsToResource(ctx(t), &dmsapi.AddTagsToResourceInput{ResourceArn: aws.String(arns[i%tasks]),
					Tags: []types.Tag{{Key: aws.String(fmt.Sprint("k", i%7)), Value: aws.String(fmt.Sprint(i))}}})
				return err
			},
			func(i int) error {
				_, err := p.c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArn: aws.String(arns[i%tasks])})
				return err
			},
			func(int) error {
				_, err := p.c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
				return err
			},
			func(int) error {
				_, err := srv.KinesisClient().DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(p.stream)})
				return err
			},
		}
		for c := range 50 {
			wg.Go(func() {
				for j := range 20 {
					i := c*20 + j
					if err := calls[i%len(calls)](i); err != nil {
						errs <- fmt.Errorf("call %d: %w", i, err)
					}
				}
			})
		}
		for i := 1; i <= 50; i++ {
			dmstest.MySQLExec(t, db, fmt.Sprintf("INSERT INTO t VALUES (%d)", i))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		// Each task delivers the 50 inserts: 20 × (2 create-table + 50).
		require.Len(t, readStream(t, srv.KinesisClient(), p.stream, tasks*52), tasks*52)
		for _, arn := range arns {
			st := p.stats(t, arn)
			require.Len(t, st, 1)
			require.Equal(t, int64(50), st[0].Inserts, arn)
		}
	}()
	dmstest.RequireGoroutinesBack(t, before)
}
