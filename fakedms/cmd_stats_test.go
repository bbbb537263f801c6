package fakedms_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms/fakekinesis"
)

func waitRecords(t *testing.T, p *pipeline, n int) []fakekinesis.Record {
	t.Helper()
	var recs []fakekinesis.Record
	require.Eventually(t, func() bool {
		recs = p.srv.Kinesis().Records(p.stream)
		return len(recs) >= n
	}, waitLimit, 5*time.Millisecond, "waiting for %d records", n)
	return recs
}

func TestDescribeTableStatisticsFiltersAndPages(t *testing.T) {
	p := newPipeline(t, nil)
	var stmts []string
	for _, name := range []string{"a1", "a2", "b1"} {
		stmts = append(stmts, "CREATE TABLE "+name+" (id INT PRIMARY KEY)", "INSERT INTO "+name+" VALUES (1)")
	}
	dmstest.MySQLExec(t, p.db, stmts...)
	arn := *p.createTask(t, "stats", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "%"), "").ReplicationTaskArn
	empty, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Empty(t, empty.TableStatistics, "no statistics before the first start")
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, arn)

	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"all", nil, []string{"a1", "a2", "b1"}},
		{"table-name", []types.Filter{{Name: aws.String("table-name"), Values: []string{"a2", "b1"}}}, []string{"a2", "b1"}},
		{"table-state", []types.Filter{{Name: aws.String("table-state"), Values: []string{"Table completed"}}}, []string{"a1", "a2", "b1"}},
		{"schema and table", []types.Filter{{Name: aws.String("schema-name"), Values: []string{p.db.Database}}, {Name: aws.String("table-name"), Values: []string{"a1"}}}, []string{"a1"}},
		{"no match", []types.Filter{{Name: aws.String("schema-name"), Values: []string{"other"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn), Filters: tc.filters})
			require.NoError(t, err)
			var got []string
			for _, s := range out.TableStatistics {
				got = append(got, *s.TableName)
				require.Equal(t, int64(1), s.FullLoadRows)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, arn, *out.ReplicationTaskArn)
		})
	}
	_, err = p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn), MaxRecords: aws.Int32(501)})
	requireAPIError(t, err, "InvalidParameterValueException", "Invalid value 501 for MaxRecords. Must be between 20 and 500")
	out, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn), MaxRecords: aws.Int32(500)})
	require.NoError(t, err)
	require.Len(t, out.TableStatistics, 3)
	require.Nil(t, out.Marker)
}
