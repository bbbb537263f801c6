package fakedms_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/fakes3"
)

func s3EndpointInput(id string, settings *types.S3Settings) *dmsapi.CreateEndpointInput {
	return &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String(id),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("s3"),
		S3Settings:         settings,
	}
}

func TestS3EndpointValidation(t *testing.T) {
	_, c := newServer(t)
	for _, tc := range []struct {
		name     string
		in       *dmsapi.CreateEndpointInput
		message  string
		topLevel string
	}{
		{"bad JSON", s3EndpointInput("e1", &types.S3Settings{BucketName: aws.String("b"), ExternalTableDefinition: aws.String(`{"TableCount":"1",}`)}),
			"Invalid external table definition document. Invalid json: invalid character '}' looking for beginning of object key string at offset 19", ""},
		{"bad JSON top-level", s3EndpointInput("e2", &types.S3Settings{BucketName: aws.String("b")}),
			"Invalid external table definition document. Invalid json: invalid character '}' looking for beginning of object key string at offset 19", `{"TableCount":"1",}`},
		{"unknown type", s3EndpointInput("e3", &types.S3Settings{BucketName: aws.String("b"), ExternalTableDefinition: aws.String(
			`{"Tables":[{"TableName":"employee","TableOwner":"hr","TableColumns":[{"ColumnName":"Name","ColumnType":"VARCHAR"}]}]}`)}),
			"Invalid external table definition document. Table 'hr.employee' column 'Name' has unsupported ColumnType 'VARCHAR'", ""},
		{"columns total", s3EndpointInput("e4", &types.S3Settings{BucketName: aws.String("b"), ExternalTableDefinition: aws.String(
			`{"Tables":[{"TableName":"employee","TableOwner":"hr","TableColumns":[{"ColumnName":"Id","ColumnType":"INT4"}],"TableColumnsTotal":"2"}]}`)}),
			"Invalid external table definition document. Table 'hr.employee' has TableColumnsTotal 2 but 1 TableColumns", ""},
		{"no definition", s3EndpointInput("e5", &types.S3Settings{BucketName: aws.String("b")}),
			"Invalid external table definition document. ExternalTableDefinition is required", ""},
		{"no bucket", s3EndpointInput("e6", &types.S3Settings{ExternalTableDefinition: aws.String(s3SampleDefinition)}),
			"Invalid S3Settings: BucketName is required", ""},
		{"no settings", s3EndpointInput("e7", nil),
			"Invalid external table definition document. ExternalTableDefinition is required", ""},
		{"header rows", s3EndpointInput("e8", &types.S3Settings{BucketName: aws.String("b"), ExternalTableDefinition: aws.String(s3SampleDefinition), IgnoreHeaderRows: aws.Int32(2)}),
			"Invalid S3Settings: IgnoreHeaderRows is 2, must be 0 or 1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.topLevel != "" {
				tc.in.ExternalTableDefinition = aws.String(tc.topLevel)
			}
			_, err := c.CreateEndpoint(ctx(t), tc.in)
			requireAPIError(t, err, "InvalidParameterValueException", tc.message)
		})
	}

	// The definition may be given top-level, as AWS accepts it.
	in := s3EndpointInput("top-level", &types.S3Settings{BucketName: aws.String("b")})
	in.ExternalTableDefinition = aws.String(s3SampleDefinition)
	out, err := c.CreateEndpoint(ctx(t), in)
	require.NoError(t, err)
	require.Equal(t, s3SampleDefinition, *out.Endpoint.ExternalTableDefinition)

	// ModifyEndpoint validates the merged settings.
	_, err = c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{EndpointArn: out.Endpoint.EndpointArn,
		S3Settings: &types.S3Settings{ExternalTableDefinition: aws.String(`{"Tables":[]}`)}})
	requireAPIError(t, err, "InvalidParameterValueException", "Invalid external table definition document. Tables must hold at least one table")
}

// testConnection runs TestConnection and waits for its outcome.
func testConnection(t *testing.T, c *dmsapi.Client, endpoint, instance string) types.Connection {
	t.Helper()
	_, err := c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(endpoint), ReplicationInstanceArn: aws.String(instance)})
	require.NoError(t, err)
	var conn types.Connection
	require.Eventually(t, func() bool {
		out, err := c.DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{Filters: []types.Filter{
			{Name: aws.String("endpoint-arn"), Values: []string{endpoint}}}})
		require.NoError(t, err)
		require.Len(t, out.Connections, 1)
		conn = out.Connections[0]
		return *conn.Status != "testing"
	}, waitLimit, 10*time.Millisecond)
	return conn
}

func TestS3TestConnection(t *testing.T) {
	srv, c := newServer(t)
	require.NoError(t, srv.S3().CreateBucket(s3SampleBucket))
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	ok := createS3Endpoint(t, c, "sample", "changedata")
	conn := testConnection(t, c, ok, inst)
	require.Equal(t, "successful", *conn.Status)
	require.Nil(t, conn.LastFailureMessage)

	// The SDK's waiter works on it too.
	w := dmsapi.NewTestConnectionSucceedsWaiter(c, func(o *dmsapi.TestConnectionSucceedsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), &dmsapi.DescribeConnectionsInput{Filters: []types.Filter{
		{Name: aws.String("endpoint-arn"), Values: []string{ok}}}}, waitLimit))

	missing, err := c.CreateEndpoint(ctx(t), s3EndpointInput("missing", &types.S3Settings{
		BucketName: aws.String("no-such-bucket"), ExternalTableDefinition: aws.String(s3SampleDefinition)}))
	require.NoError(t, err)
	conn = testConnection(t, c, *missing.Endpoint.EndpointArn, inst)
	require.Equal(t, "failed", *conn.Status)
	require.Equal(t, "S3 bucket no-such-bucket does not exist", *conn.LastFailureMessage)
}

// TestBuiltinS3 is the built-in S3 on the DMS endpoint: S3 REST requests
// reach it, seeding without the protocol shows through it, and awsJson
// calls without X-Amz-Target are still DMS errors.
func TestBuiltinS3(t *testing.T) {
	srv, _ := newServer(t)
	require.NotNil(t, srv.S3())
	require.NoError(t, srv.S3().CreateBucket("seeded"))
	require.NoError(t, srv.S3().PutObject("seeded", "dir/a.csv", []byte("1,a\n")))
	sc := srv.S3Client()
	putObject(t, sc, "seeded", "dir/b.csv", "2,b\n")
	list, err := sc.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("seeded"), Prefix: aws.String("dir/")})
	require.NoError(t, err)
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, *o.Key)
	}
	require.Equal(t, []string{"dir/a.csv", "dir/b.csv"}, keys)
	obj, err := sc.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("seeded"), Key: aws.String("dir/a.csv")})
	require.NoError(t, err)
	body, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	require.NoError(t, obj.Body.Close())
	require.Equal(t, "1,a\n", string(body))

	// A plain HTTP GET is an S3 request: the bucket listing, in XML.
	resp, err := http.Get(srv.URL + "/seeded")
	require.NoError(t, err)
	xml, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(xml), "<Key>dir/a.csv</Key>")

	resp, body2 := post(t, srv.URL, "", `{}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "UnknownOperationException", resp.Header.Get("X-Amzn-ErrorType"), body2)
}

// TestWithS3Endpoint reads S3 sources from an external S3 (here a gofakes3
// of its own); the built-in S3 is then not served.
func TestWithS3Endpoint(t *testing.T) {
	external := httptest.NewServer(fakes3.New())
	t.Cleanup(external.Close)
	srv, c := newServer(t, fakedms.WithS3Endpoint(external.URL))
	require.Nil(t, srv.S3())
	resp, err := http.Get(srv.URL + "/" + s3SampleBucket)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "UnknownOperationException", resp.Header.Get("X-Amzn-ErrorType"))

	sc := srv.S3Client() // the external S3
	_, err = sc.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(s3SampleBucket)})
	require.NoError(t, err)
	putObject(t, sc, s3SampleBucket, "sourceData/hr/department/LOAD002.csv", s3SampleDepartments)

	streamArn := createStream(t, srv, "external")
	p := &pipeline{srv: srv, c: c, stream: "external"}
	p.target = *createKinesisEndpoint(t, c, "target", streamArn).EndpointArn
	p.instance = *createInstance(t, c, "inst").ReplicationInstanceArn
	p.source = createS3Endpoint(t, c, "external-source", "")
	require.Equal(t, "successful", *testConnection(t, c, p.source, p.instance).Status)
	task := *p.createTask(t, "department", types.MigrationTypeValueFullLoad, selectTables("hr", "department"), "").ReplicationTaskArn
	p.waitReady(t, task)
	p.start(t, task, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, task)
	recs := decodeRecords(t, readStream(t, srv.KinesisClient(), "external", 5))
	require.Equal(t, []any{
		map[string]any{"Id": float64(201), "DepartmentName": "HR"},
		map[string]any{"Id": float64(202), "DepartmentName": "IT"},
		map[string]any{"Id": float64(203), "DepartmentName": "Finance"},
	}, []any{recs[2].doc["data"], recs[3].doc["data"], recs[4].doc["data"]})
	requireTableStats(t, c, task, map[string]int64{"department": 3})
}

// TestBuiltinS3WithClock: a test clock far from now does not make the
// built-in S3 refuse requests signed with the real time.
func TestBuiltinS3WithClock(t *testing.T) {
	at := time.Date(2024, 5, 23, 19, 17, 33, 0, time.UTC)
	srv, c := newServer(t, fakedms.WithClock(func() time.Time { return at }))
	sc := srv.S3Client()
	_, err := sc.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(s3SampleBucket)})
	require.NoError(t, err)
	putObject(t, sc, s3SampleBucket, "sourceData/hr/department/LOAD002.csv", s3SampleDepartments)
	list, err := sc.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String(s3SampleBucket)})
	require.NoError(t, err)
	require.Equal(t, at, list.Contents[0].LastModified.UTC())
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	require.Equal(t, "successful", *testConnection(t, c, createS3Endpoint(t, c, "source", ""), inst).Status)
}

// TestS3CDCWithoutCdcPath: a CDC task on an S3 endpoint without CdcPath
// fails at its start with the source's error.
func TestS3CDCWithoutCdcPath(t *testing.T) {
	srv, c := newServer(t)
	require.NoError(t, srv.S3().CreateBucket(s3SampleBucket))
	p := &pipeline{srv: srv, c: c, stream: "no-cdc-path"}
	p.target = *createKinesisEndpoint(t, c, "target", createStream(t, srv, "no-cdc-path")).EndpointArn
	p.instance = *createInstance(t, c, "inst").ReplicationInstanceArn
	p.source = createS3Endpoint(t, c, "source", "")
	task := *p.createTask(t, "cdc", types.MigrationTypeValueCdc, selectAll, "").ReplicationTaskArn
	p.waitReady(t, task)
	p.start(t, task, types.StartReplicationTaskTypeValueStartReplication)
	w := dmsapi.NewReplicationTaskRunningWaiter(c, func(o *dmsapi.ReplicationTaskRunningWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.Error(t, w.Wait(ctx(t), byArn(task), waitLimit), "the Running waiter fails on failed")
	got := p.describe(t, task)
	require.Equal(t, "failed", *got.Status)
	require.Equal(t, "Stop Reason FATAL_ERROR", *got.StopReason)
	require.Contains(t, *got.LastFailureMessage, "s3 source: CdcPath is required for change data capture")
}
