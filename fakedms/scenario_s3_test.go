package fakedms_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// The LocalStack sample sample-dms-s3-kinesis (shared spec §1.3): its
// bucket, its ExternalTableDefinition (every value a string, as there) and
// its files (lib/query.py, without final row delimiters).
// s3SampleDefinition is source/s3's copy of the sample's definition.
var s3SampleDefinition = func() string {
	data, err := os.ReadFile("../source/s3/testdata/localstack-sample-definition.json")
	if err != nil {
		panic(err)
	}
	return string(data)
}()

const (
	s3SampleBucket    = "source-bucket-s3-kinesis-dms"
	s3SampleEmployees = "101,Smith,Bob,2014-06-04,New York\n102,Smith,Bob,2015-10-08,Los Angeles\n" +
		"103,Smith,Bob,2017-03-13,Dallas\n104,Smith,Bob,2017-03-13,Dallas"
	s3SampleDepartments = "201,HR\n202,IT\n203,Finance"
	s3SampleProjects    = "301,Project1,Description1\n302,Project2,Description2\n303,Project3,Description3"
	s3SampleCDC1        = "INSERT,employee,hr,101,Smith,Bob,2014-06-04,New York\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2015-10-08,Los Angeles\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2017-03-13,Dallas\n" +
		"DELETE,employee,hr,101,Smith,Bob,2017-03-13,Dallas"
	s3SampleCDC2 = "INSERT,department,hr,204,Software\n" +
		"INSERT,employee,hr,101,Smith,Bob,2015-10-08,Los Angeles\n" +
		"INSERT,project,hr,101,Project1,Description1\n" +
		"DELETE,project,hr,101,Project1,Description1\n" +
		"DELETE,department,hr,301,Software\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2017-03-13,Dallas\n" +
		"DELETE,employee,hr,101,Smith,Bob,2017-03-13,Dallas"
)

// allTrueKinesis is the Kinesis target of the LocalStack samples: every
// Include* setting true.
func allTrueKinesis(streamArn string) *types.KinesisSettings {
	return &types.KinesisSettings{
		StreamArn:                   aws.String(streamArn),
		MessageFormat:               types.MessageFormatValueJson,
		IncludeControlDetails:       aws.Bool(true),
		IncludeNullAndEmpty:         aws.Bool(true),
		IncludePartitionValue:       aws.Bool(true),
		IncludeTableAlterOperations: aws.Bool(true),
		IncludeTransactionDetails:   aws.Bool(true),
		PartitionIncludeSchemaTable: aws.Bool(true),
		ServiceAccessRoleArn:        aws.String("arn:aws:iam::000000000000:role/dms-vpc-role"),
	}
}

// createS3Endpoint makes an S3 source endpoint on the sample's bucket and
// definition; cdcPath is set only for the CDC endpoint, as in the sample.
func createS3Endpoint(t *testing.T, c *dmsapi.Client, id, cdcPath string) string {
	t.Helper()
	settings := &types.S3Settings{
		BucketName:              aws.String(s3SampleBucket),
		BucketFolder:            aws.String("sourceData"),
		ServiceAccessRoleArn:    aws.String("arn:aws:iam::000000000000:role/dms-s3-role"),
		ExternalTableDefinition: aws.String(s3SampleDefinition),
	}
	if cdcPath != "" {
		settings.CdcPath = aws.String(cdcPath)
	}
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String(id),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("s3"),
		S3Settings:         settings,
	})
	require.NoError(t, err)
	require.Equal(t, "Amazon S3", *out.Endpoint.EngineDisplayName)
	return *out.Endpoint.EndpointArn
}

func putObject(t *testing.T, sc *s3.Client, bucket, key, body string) {
	t.Helper()
	_, err := sc.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	require.NoError(t, err)
}

// volatile matches the members of a record that change from run to run:
// the time it was written and the commit time (the object's LastModified),
// when they are in AWS's layout (microseconds, UTC).
var volatile = regexp.MustCompile(`"(timestamp|commit-timestamp)":\t"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"`)

func stable(data []byte) string {
	return volatile.ReplaceAllString(string(data), `"$1":`+"\t"+`"…"`)
}

func TestLocalStackS3KinesisSample(t *testing.T) {
	srv, c := newServer(t)
	sc, kc := srv.S3Client(), srv.KinesisClient()
	_, err := sc.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(s3SampleBucket)})
	require.NoError(t, err)
	streamArn := createStream(t, srv, "s3-sample")
	tgt, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("target"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings:    allTrueKinesis(streamArn),
	})
	require.NoError(t, err)
	p := &pipeline{srv: srv, c: c, target: *tgt.Endpoint.EndpointArn, stream: "s3-sample"}
	p.instance = *createInstance(t, c, "dms-instance").ReplicationInstanceArn
	const settings = `{"Logging":{"EnableLogging":true}}`
	p.source = createS3Endpoint(t, c, "full-source", "")
	full := *p.createTask(t, "full-load-task", types.MigrationTypeValueFullLoad, selectAll, settings).ReplicationTaskArn
	p.source = createS3Endpoint(t, c, "cdc-source", "changedata")
	cdc := *p.createTask(t, "cdc-task", types.MigrationTypeValueCdc, selectAll, settings).ReplicationTaskArn
	p.waitReady(t, full)
	p.waitReady(t, cdc)
	taskID := func(arn string) string { return arn[len(arn)-26:] }

	// Full load: 3 drop-table, 3 create-table, 10 loads.
	putObject(t, sc, s3SampleBucket, "sourceData/hr/employee/LOAD001.csv", s3SampleEmployees)
	putObject(t, sc, s3SampleBucket, "sourceData/hr/department/LOAD002.csv", s3SampleDepartments)
	putObject(t, sc, s3SampleBucket, "sourceData/hr/project/LOAD003.csv", s3SampleProjects)
	require.Equal(t, "starting", *p.start(t, full, types.StartReplicationTaskTypeValueStartReplication).Status)
	p.waitStopped(t, full)
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *p.describe(t, full).StopReason)
	raw := readStream(t, kc, "s3-sample", 16)
	require.Len(t, raw, 16)
	f := taskID(full)
	require.Equal(t, []string{
		"drop-table hr.department " + f + ".hr.department",
		"drop-table hr.employee " + f + ".hr.employee",
		"drop-table hr.project " + f + ".hr.project",
		"create-table hr.department " + f + ".hr.department",
		"create-table hr.employee " + f + ".hr.employee",
		"create-table hr.project " + f + ".hr.project",
		"load hr.department hr.department.201",
		"load hr.department hr.department.202",
		"load hr.department hr.department.203",
		"load hr.employee hr.employee.101",
		"load hr.employee hr.employee.102",
		"load hr.employee hr.employee.103",
		"load hr.employee hr.employee.104",
		"load hr.project hr.project.301",
		"load hr.project hr.project.302",
		"load hr.project hr.project.303",
	}, summaries(decodeRecords(t, raw)))
	require.Equal(t, "{\n"+
		"\t\"data\":\t{\n"+
		"\t\t\"Id\":\t102,\n"+
		"\t\t\"LastName\":\t\"Smith\",\n"+
		"\t\t\"FirstName\":\t\"Bob\",\n"+
		"\t\t\"HireDate\":\t\"2015-10-08T00:00:00Z\",\n"+
		"\t\t\"OfficeLocation\":\t\"Los Angeles\"\n"+
		"\t},\n"+
		"\t\"metadata\":\t{\n"+
		"\t\t\"timestamp\":\t\"…\",\n"+
		"\t\t\"record-type\":\t\"data\",\n"+
		"\t\t\"operation\":\t\"load\",\n"+
		"\t\t\"partition-key-type\":\t\"primary-key\",\n"+
		"\t\t\"partition-key-value\":\t\"hr.employee.102\",\n"+
		"\t\t\"schema-name\":\t\"hr\",\n"+
		"\t\t\"table-name\":\t\"employee\"\n"+
		"\t}\n"+
		"}", stable(raw[10].Data))
	requireTableStats(t, c, full, map[string]int64{"department": 3, "employee": 4, "project": 3})

	// CDC: the task starts, then the two change files arrive: 1
	// awsdms_apply_exceptions and 3 create-table, 4 inserts, 3 updates, 4
	// deletes (of rows that never existed too).
	p.start(t, cdc, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, cdc)
	putObject(t, sc, s3SampleBucket, "sourceData/changedata/cdc0000000001.csv", s3SampleCDC1)
	putObject(t, sc, s3SampleBucket, "sourceData/changedata/cdc0000000002.csv", s3SampleCDC2)
	raw = readStream(t, kc, "s3-sample", 31)
	require.Len(t, raw, 31)
	raw = raw[16:]
	d := taskID(cdc)
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions " + d + "..awsdms_apply_exceptions",
		"create-table hr.department " + d + ".hr.department",
		"create-table hr.employee " + d + ".hr.employee",
		"create-table hr.project " + d + ".hr.project",
		"insert hr.employee hr.employee",
		"update hr.employee hr.employee",
		"update hr.employee hr.employee",
		"delete hr.employee hr.employee",
		"insert hr.department hr.department",
		"insert hr.employee hr.employee",
		"insert hr.project hr.project",
		"delete hr.project hr.project",
		"delete hr.department hr.department",
		"update hr.employee hr.employee",
		"delete hr.employee hr.employee",
	}, summaries(decodeRecords(t, raw)))
	require.Equal(t, "{\n"+
		"\t\"data\":\t{\n"+
		"\t\t\"Id\":\t101,\n"+
		"\t\t\"LastName\":\t\"Smith\",\n"+
		"\t\t\"FirstName\":\t\"Bob\",\n"+
		"\t\t\"HireDate\":\t\"2015-10-08T00:00:00Z\",\n"+
		"\t\t\"OfficeLocation\":\t\"Los Angeles\"\n"+
		"\t},\n"+
		"\t\"metadata\":\t{\n"+
		"\t\t\"timestamp\":\t\"…\",\n"+
		"\t\t\"record-type\":\t\"data\",\n"+
		"\t\t\"operation\":\t\"update\",\n"+
		"\t\t\"partition-key-type\":\t\"schema-table\",\n"+
		"\t\t\"schema-name\":\t\"hr\",\n"+
		"\t\t\"table-name\":\t\"employee\",\n"+
		"\t\t\"transaction-id\":\t4194263527,\n"+
		"\t\t\"transaction-record-id\":\t2,\n"+
		"\t\t\"prev-transaction-id\":\t4194263527,\n"+
		"\t\t\"prev-transaction-record-id\":\t1,\n"+
		"\t\t\"commit-timestamp\":\t\"…\",\n"+
		"\t\t\"stream-position\":\t\"sourceData/changedata/cdc0000000001.csv:2\"\n"+
		"\t}\n"+
		"}", stable(raw[5].Data))

	out, err := c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(cdc)})
	require.NoError(t, err)
	require.Equal(t, "stopping", *out.ReplicationTask.Status)
	p.waitStopped(t, cdc)
	task := p.describe(t, cdc)
	require.Equal(t, "Stop Reason NORMAL", *task.StopReason)
	require.Equal(t, "checkpoint:V1#1#sourceData/changedata/cdc0000000002.csv:7#0#0#*#0#0", *task.RecoveryCheckpoint)

	// A stop delivers what was read: the statistics are final.
	stats, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(cdc)})
	require.NoError(t, err)
	type applied struct {
		Table                    string
		Inserts, Updates, Delets int64
		State                    string
	}
	var got []applied
	for _, ts := range stats.TableStatistics {
		got = append(got, applied{*ts.SchemaName + "." + *ts.TableName, ts.Inserts, ts.Updates, ts.Deletes, *ts.TableState})
	}
	require.Equal(t, []applied{
		{"hr.department", 1, 0, 1, "Table completed"},
		{"hr.employee", 2, 3, 2, "Table completed"},
		{"hr.project", 1, 0, 1, "Table completed"},
	}, got)
	require.Len(t, srv.Kinesis().Records("s3-sample"), 31, "no record beyond the expected ones")
}
