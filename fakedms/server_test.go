package fakedms_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

func post(t *testing.T, url, target, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestWireFormat(t *testing.T) {
	srv, _ := newServer(t, fakedms.WithClock(func() time.Time { return time.Unix(1716491820, 123e6) }))
	resp, body := post(t, srv.URL, "AmazonDMSv20160101.CreateReplicationInstance",
		`{"ReplicationInstanceIdentifier":"wire","ReplicationInstanceClass":"dms.t3.micro","ResourceIdentifier":"wire-1"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/x-amz-json-1.1", resp.Header.Get("Content-Type"))
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, resp.Header.Get("x-amzn-RequestId"))
	var out map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	ri := out["ReplicationInstance"]
	require.Equal(t, 1716491820.123, ri["InstanceCreateTime"], "epoch seconds as a JSON number")
	require.Equal(t, "arn:aws:dms:us-east-1:000000000000:rep:wire-1", ri["ReplicationInstanceArn"])
	require.NotContains(t, ri, "FreeUntil", "nil members are omitted")
	require.Equal(t, float64(50), ri["AllocatedStorage"])

	resp, body = post(t, srv.URL, "AmazonDMSv20160101.DescribeReplicationTasks", `{}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "ResourceNotFoundFault", resp.Header.Get("X-Amzn-ErrorType"))
	require.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
	require.JSONEq(t, `{"__type":"ResourceNotFoundFault","message":"No Tasks found matching provided filters"}`, body)

	for _, tc := range []struct {
		name, target, body, code, message string
	}{
		{"unknown operation", "AmazonDMSv20160101.DescribeCertificates", `{}`, "UnknownOperationException",
			"fakedms: operation AmazonDMSv20160101.DescribeCertificates is not supported (supported: " + strings.Join(fakedms.Operations(), ", ") + ")"},
		{"no target", "", `{}`, "UnknownOperationException", `fakedms: POST / with X-Amz-Target "" is not a DMS (AmazonDMSv20160101.<Operation>) or Kinesis call`},
		{"not JSON", "AmazonDMSv20160101.DescribeEndpoints", `{`, "SerializationException", "fakedms: request body is not JSON: unexpected EOF"},
		{"wrong member type", "AmazonDMSv20160101.DescribeEndpoints", `{"MaxRecords":"20"}`, "SerializationException", "fakedms: member $.MaxRecords: cannot use JSON string as int32"},
		{"timestamp as string", "AmazonDMSv20160101.DescribeEvents", `{"StartTime":"2024-01-01T00:00:00Z"}`, "SerializationException",
			"fakedms: member $.StartTime: want a timestamp as epoch seconds (a JSON number), got JSON string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv.URL, tc.target, tc.body)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, tc.code, resp.Header.Get("X-Amzn-ErrorType"))
			var e map[string]string
			require.NoError(t, json.Unmarshal([]byte(body), &e))
			require.Equal(t, map[string]string{"__type": tc.code, "message": tc.message}, e)
		})
	}
}

func TestUnknownOperationThroughTheSDK(t *testing.T) {
	_, c := newServer(t)
	_, err := c.DescribeCertificates(ctx(t), &dmsapi.DescribeCertificatesInput{})
	requireAPIError(t, err, "UnknownOperationException", "")
	require.Contains(t, err.Error(), "AmazonDMSv20160101.DescribeCertificates is not supported")
}

func TestErrorInjection(t *testing.T) {
	srv, c := newServer(t, fakedms.WithError("DescribeEndpoints", &types.ResourceNotFoundFault{Message: aws.String("injected")}))
	_, err := c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
	var nf *types.ResourceNotFoundFault
	require.ErrorAs(t, err, &nf, "the SDK maps the faults the operation models to their types")
	require.Equal(t, "injected", *nf.Message)

	srv.SetError("DescribeEndpoints", nil)
	_, err = c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Endpoints found matching provided filters")

	srv.SetError("DescribeEndpoints", &types.AccessDeniedFault{Message: aws.String("no access")})
	_, err = c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
	requireAPIError(t, err, "AccessDeniedFault", "no access")

	srv.SetError("CreateReplicationInstance", &types.InsufficientResourceCapacityFault{Message: aws.String("full")})
	_, err = c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("x"), ReplicationInstanceClass: aws.String("dms.t3.micro")})
	var capacity *types.InsufficientResourceCapacityFault
	require.ErrorAs(t, err, &capacity)
}

func TestHandlerWithoutListener(t *testing.T) {
	h := fakedms.NewHandler(withDatabases()...)
	defer h.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"EngineName":"kinesis"}`))
	req.Header.Set("X-Amz-Target", "AmazonDMSv20160101.DescribeEndpointSettings")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `"Name":"messageFormat"`)

	// Kinesis calls go to the built-in Kinesis on the same handler.
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"StreamName":"s","ShardCount":1}`))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.CreateStream")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{"s"}, h.Kinesis().StreamNames())
}

// otherService is an API mounted next to DMS with WithService.
type otherService struct{}

func (otherService) Handles(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/bucket") }
func (otherService) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusTeapot)
}

func TestWithService(t *testing.T) {
	srv, _ := newServer(t, fakedms.WithService(otherService{}))
	resp, err := http.Get(srv.URL + "/bucket/key")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTeapot, resp.StatusCode)
}

func TestKinesisClientOnSameEndpoint(t *testing.T) {
	srv, _ := newServer(t)
	kc := srv.KinesisClient()
	_, err := kc.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("same"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	out, err := kc.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"same"}, out.StreamNames)
}

// TestCloseStopsEverything: Close stops running tasks and leaves no
// goroutine behind.
func TestCloseStopsEverything(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)")
	before := runtime.NumGoroutine()
	func() {
		p := &pipeline{}
		srv := fakedms.NewServer(withDatabases()...)
		defer srv.Close()
		p.srv, p.c, p.db = srv, srv.DMSClient(), db
		p.instance = *createInstance(t, p.c, "inst").ReplicationInstanceArn
		host, port, _ := strings.Cut(db.Addr, ":")
		var n int32
		for _, d := range port {
			n = n*10 + d - '0'
		}
		p.source = *createMySQLEndpoint(t, p.c, "src", host, n, db.User, db.Password).EndpointArn
		p.stream = "close"
		p.target = *createKinesisEndpoint(t, p.c, "dst", createStream(t, srv, p.stream)).EndpointArn
		arn := *p.createTask(t, "cdc", types.MigrationTypeValueCdc, selectTables(db.Database, "%"), "").ReplicationTaskArn
		p.waitReady(t, arn)
		p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
		p.waitRunning(t, arn)
		_, err := p.c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(p.source), ReplicationInstanceArn: aws.String(p.instance)})
		require.NoError(t, err)
		require.Greater(t, runtime.NumGoroutine(), before)
	}()
	dmstest.RequireGoroutinesBack(t, before)
}

// TestExternalKinesis writes to the test environment's kinesalite instead
// of the built-in Kinesis.
func TestExternalKinesis(t *testing.T) {
	endpoint := dmstest.KinesisEndpoint(t)
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	srv, c := newServer(t, fakedms.WithKinesisEndpoint(endpoint))
	require.Nil(t, srv.Kinesis())
	kc := srv.KinesisClient()
	name := "fakedms-" + strings.ToLower(db.Database)
	if len(name) > 128 {
		name = name[:128]
	}
	_, err := kc.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	t.Cleanup(func() {
		kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(name)})
	})
	sw := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, sw.Wait(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, waitLimit))

	host, port, _ := strings.Cut(db.Addr, ":")
	var n int32
	for _, d := range port {
		n = n*10 + d - '0'
	}
	p := &pipeline{srv: srv, c: c, db: db, stream: name}
	p.instance = *createInstance(t, c, "inst").ReplicationInstanceArn
	p.source = *createMySQLEndpoint(t, c, "src", host, n, db.User, db.Password).EndpointArn
	p.target = *createKinesisEndpoint(t, c, "dst", "arn:aws:kinesis:us-east-1:000000000000:stream/"+name).EndpointArn
	arn := *p.createTask(t, "ext", types.MigrationTypeValueFullLoad, selectTables(db.Database, "t"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, arn)
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *p.describe(t, arn).StopReason)
	require.Len(t, readStream(t, kc, name, 4), 4)
}
