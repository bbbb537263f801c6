package fakedms_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

// Table mappings and task settings end to end: a real MariaDB, a task made
// through the SDK, the records read back from the built-in Kinesis.

var timestampField = regexp.MustCompile(`"timestamp":"[^"]+"`)

// lines returns the first n records of the pipeline's stream as
// "partition-key data" lines, with timestamps, the task's resource id (the
// last segment of its ARN, in control partition keys) and the test's
// database name replaced so that the expected records can be written out.
func (p *pipeline) lines(t *testing.T, taskArn string, n int) []string {
	t.Helper()
	taskID := taskArn[strings.LastIndexByte(taskArn, ':')+1:]
	var out []string
	for _, r := range readStream(t, p.srv.KinesisClient(), p.stream, n) {
		l := *r.PartitionKey + " " + strings.TrimSuffix(string(r.Data), "\n")
		l = timestampField.ReplaceAllString(l, `"timestamp":"T"`)
		l = strings.ReplaceAll(l, taskID, "TASK")
		out = append(out, strings.ReplaceAll(l, p.db.Database, "db"))
	}
	return out
}

func (p *pipeline) stats(t *testing.T, arn string) []types.TableStatistics {
	t.Helper()
	out, err := p.c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	return out.TableStatistics
}

func unformatted() *types.KinesisSettings {
	return &types.KinesisSettings{MessageFormat: types.MessageFormatValueJsonUnformatted}
}

const (
	loadMeta = `"metadata":{"timestamp":"T","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"%s","table-name":"%s"}}`
	ctlMeta  = `{"metadata":{"timestamp":"T","record-type":"control","operation":"%s","partition-key-type":"task-id","schema-name":"%s","table-name":"%s"}}`
)

func TestMappingFilterInFullLoadAndCDC(t *testing.T) {
	p := newPipeline(t, unformatted())
	dmstest.MySQLExec(t, p.db,
		"CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(10), amount INT)",
		"INSERT INTO orders VALUES (1, 'eu', 10), (2, 'us', 20), (3, 'eu', 30)",
	)
	mappings := fmt.Sprintf(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"eu","object-locator":{"schema-name":%q,"table-name":"orders"},"rule-action":"include",
		"filters":[{"filter-type":"source","column-name":"region","filter-conditions":[{"filter-operator":"eq","value":"eu"}]}]}]}`, p.db.Database)
	task := p.createTask(t, "filtered", types.MigrationTypeValueFullLoadAndCdc, mappings, "")
	arn := *task.ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	require.Equal(t, []string{
		"TASK..awsdms_apply_exceptions " + fmt.Sprintf(ctlMeta, "create-table", "", "awsdms_apply_exceptions"),
		"TASK.db.orders " + fmt.Sprintf(ctlMeta, "drop-table", "db", "orders"),
		"TASK.db.orders " + fmt.Sprintf(ctlMeta, "create-table", "db", "orders"),
		`1 {"data":{"id":1,"region":"eu","amount":10},` + fmt.Sprintf(loadMeta, "db", "orders"),
		`3 {"data":{"id":3,"region":"eu","amount":30},` + fmt.Sprintf(loadMeta, "db", "orders"),
	}, p.lines(t, arn, 5))

	dmstest.MySQLExec(t, p.db,
		"INSERT INTO orders VALUES (4, 'us', 40)",
		"UPDATE orders SET amount = 21 WHERE id = 2",
		"INSERT INTO orders VALUES (5, 'eu', 50)",
		"UPDATE orders SET amount = 31 WHERE id = 3",
		"DELETE FROM orders WHERE id = 4",
		"DELETE FROM orders WHERE id = 1",
	)
	txid := regexp.MustCompile(`"transaction-id":\d+`)
	var cdc []string
	for _, l := range p.lines(t, arn, 8)[5:] {
		cdc = append(cdc, txid.ReplaceAllString(l, `"transaction-id":X`))
	}
	meta := `"metadata":{"timestamp":"T","record-type":"data","operation":"%s","partition-key-type":"schema-table","schema-name":"db","table-name":"orders","transaction-id":X}}`
	require.Equal(t, []string{
		`db.orders {"data":{"id":5,"region":"eu","amount":50},` + fmt.Sprintf(meta, "insert"),
		`db.orders {"data":{"id":3,"region":"eu","amount":31},` + fmt.Sprintf(meta, "update"),
		`db.orders {"data":{"id":1,"region":"eu","amount":10},` + fmt.Sprintf(meta, "delete"),
	}, cdc, "changes to rows the filter drops are not replicated")

	stats := p.stats(t, arn)
	require.Len(t, stats, 1)
	require.Equal(t, int64(2), stats[0].FullLoadRows)
	require.Equal(t, int64(1), stats[0].Inserts)
	require.Equal(t, int64(1), stats[0].Updates)
	require.Equal(t, int64(1), stats[0].Deletes)
}

func TestMappingTransformationsInRecords(t *testing.T) {
	p := newPipeline(t, unformatted())
	dmstest.MySQLExec(t, p.db,
		"CREATE TABLE orders (id INT PRIMARY KEY, region VARCHAR(10), amount INT, secret VARCHAR(10))",
		"INSERT INTO orders VALUES (1, 'eu', 10, 'x'), (2, 'us', 20, 'y')",
	)
	mappings := fmt.Sprintf(`{"rules":[
		{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":%[1]q,"table-name":"%%"},"rule-action":"include"},
		{"rule-type":"transformation","rule-id":"2","rule-name":"2","rule-target":"schema","object-locator":{"schema-name":%[1]q},"rule-action":"rename","value":"sales"},
		{"rule-type":"transformation","rule-id":"3","rule-name":"3","rule-target":"table","object-locator":{"schema-name":%[1]q,"table-name":"orders"},"rule-action":"rename","value":"purchases"},
		{"rule-type":"transformation","rule-id":"4","rule-name":"4","rule-target":"column","object-locator":{"schema-name":%[1]q,"table-name":"orders","column-name":"amount"},"rule-action":"rename","value":"total"},
		{"rule-type":"transformation","rule-id":"5","rule-name":"5","rule-target":"column","object-locator":{"schema-name":%[1]q,"table-name":"orders","column-name":"secret"},"rule-action":"remove-column"},
		{"rule-type":"transformation","rule-id":"6","rule-name":"6","rule-target":"column","object-locator":{"schema-name":%[1]q,"table-name":"orders"},"rule-action":"add-column","value":"label",
			"expression":"upper($region) || '-' || ($amount * 2)","data-type":{"type":"string","length":20}}]}`, p.db.Database)
	task := p.createTask(t, "renamed", types.MigrationTypeValueFullLoad, mappings, "")
	arn := *task.ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, arn)
	require.Equal(t, []string{
		"TASK.sales.purchases " + fmt.Sprintf(ctlMeta, "drop-table", "sales", "purchases"),
		"TASK.sales.purchases " + fmt.Sprintf(ctlMeta, "create-table", "sales", "purchases"),
		`1 {"data":{"id":1,"region":"eu","total":10,"label":"EU-20"},` + fmt.Sprintf(loadMeta, "sales", "purchases"),
		`2 {"data":{"id":2,"region":"us","total":20,"label":"US-40"},` + fmt.Sprintf(loadMeta, "sales", "purchases"),
	}, p.lines(t, arn, 4))

	stats := p.stats(t, arn)
	require.Len(t, stats, 1)
	require.Equal(t, "db", strings.ReplaceAll(*stats[0].SchemaName, p.db.Database, "db"), "table statistics keep the source names")
	require.Equal(t, "orders", *stats[0].TableName)
}

func TestTargetTablePrepModes(t *testing.T) {
	for _, tt := range []struct {
		mode    string
		control []string
	}{
		{"DROP_AND_CREATE", []string{"drop-table", "create-table"}},
		{"TRUNCATE_BEFORE_LOAD", []string{"create-table"}},
		{"DO_NOTHING", nil},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			p := newPipeline(t, unformatted())
			dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (7)")
			task := p.createTask(t, "prep", types.MigrationTypeValueFullLoad, selectTables(p.db.Database, "t"),
				fmt.Sprintf(`{"FullLoadSettings":{"TargetTablePrepMode":%q}}`, tt.mode))
			arn := *task.ReplicationTaskArn
			p.waitReady(t, arn)
			p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
			p.waitStopped(t, arn)
			var want []string
			for _, op := range tt.control {
				want = append(want, "TASK.db.t "+fmt.Sprintf(ctlMeta, op, "db", "t"))
			}
			want = append(want, `7 {"data":{"id":7},`+fmt.Sprintf(loadMeta, "db", "t"))
			require.Equal(t, want, p.lines(t, arn, len(want)))
			require.Contains(t, *p.describe(t, arn).ReplicationTaskSettings, fmt.Sprintf(`"TargetTablePrepMode":%q`, tt.mode))
		})
	}
}

// CdcStopPosition through the API: a bad one is refused at create, and a
// server_time stop ends a running CDC task with AWS's stop reason.
func TestCdcStopPosition(t *testing.T) {
	p := newPipeline(t, unformatted())
	dmstest.MySQLExec(t, p.db, "CREATE TABLE t (id INT PRIMARY KEY)")
	_, err := p.c.CreateReplicationTask(ctx(t), &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String("bad-stop"), MigrationType: types.MigrationTypeValueCdc,
		ReplicationInstanceArn: aws.String(p.instance), SourceEndpointArn: aws.String(p.source), TargetEndpointArn: aws.String(p.target),
		TableMappings: aws.String(selectTables(p.db.Database, "t")), CdcStopPosition: aws.String("tomorrow"),
	})
	requireAPIError(t, err, "InvalidParameterValueException",
		`CdcStopPosition "tomorrow": want server_time:YYYY-MM-DDTHH:MM:SS or commit_time:YYYY-MM-DDTHH:MM:SS`)

	arn := *p.createTask(t, "stops", types.MigrationTypeValueCdc, selectTables(p.db.Database, "t"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	stopAt := time.Now().UTC().Add(3 * time.Second).Truncate(time.Second).Add(time.Second) // seconds: the API's precision
	_, err = p.c.StartReplicationTask(ctx(t), &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: aws.String(arn),
		StartReplicationTaskType: types.StartReplicationTaskTypeValueStartReplication,
		CdcStopPosition:          aws.String("server_time:" + stopAt.Format("2006-01-02T15:04:05"))})
	require.NoError(t, err)
	p.waitRunning(t, arn)
	dmstest.MySQLExec(t, p.db, "INSERT INTO t VALUES (1)")
	p.waitStopped(t, arn)
	task := p.describe(t, arn)
	require.Equal(t, "Stop Reason STOPPED_AT_SERVER_TIME", *task.StopReason)
	require.Len(t, p.lines(t, arn, 3), 3, "the insert before the stop arrived")
}
