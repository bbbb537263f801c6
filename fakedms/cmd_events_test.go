package fakedms_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

func TestDescribeEvents(t *testing.T) {
	p := newPipeline(t, nil)
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY)")
	arn := *p.createTask(t, "evented", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "t"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, arn)

	in := &dmsapi.DescribeEventsInput{SourceType: "replication-task", SourceIdentifier: aws.String("evented")}
	var msgs []string
	require.Eventually(t, func() bool {
		out, err := p.c.DescribeEvents(ctx(t), in)
		require.NoError(t, err)
		msgs = msgs[:0]
		for _, e := range out.Events {
			msgs = append(msgs, *e.Message)
		}
		return len(msgs) == 3
	}, waitLimit, 10*time.Millisecond, "events: %q", msgs)
	require.Equal(t, []string{
		"Replication task has been created.",
		"Replication task has started.",
		"Replication task has stopped. Stop Reason FULL_LOAD_ONLY_FINISHED.",
	}, msgs)

	out, err := p.c.DescribeEvents(ctx(t), &dmsapi.DescribeEventsInput{SourceType: types.SourceTypeReplicationInstance})
	require.NoError(t, err)
	require.Len(t, out.Events, 1)
	require.Equal(t, "instance", *out.Events[0].SourceIdentifier)
	require.Equal(t, []string{"creation"}, out.Events[0].EventCategories)

	out, err = p.c.DescribeEvents(ctx(t), &dmsapi.DescribeEventsInput{EventCategories: []string{"creation"}, StartTime: aws.Time(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	require.Empty(t, out.Events)
	_, err = p.c.DescribeEvents(ctx(t), &dmsapi.DescribeEventsInput{SourceType: "endpoint"})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid value "endpoint" for SourceType: must be replication-instance or replication-task`)
}
