package fakedms_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
)

// Endpoint passwords never come back from the API, never reach the log
// (at debug level), and never show on the resource browser's pages.
func TestPasswordsNeverLeave(t *testing.T) {
	const secret = "Pa55-secret-Zz"
	logs := &dmstest.LogBuffer{}
	srv, c := newServer(t, fakedms.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn

	var bodies []string
	raw := func(op, body string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("X-Amz-Target", "AmazonDMSv20160101."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		bodies = append(bodies, op+": "+string(b))
	}
	my, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("my"), EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("mariadb"),
		ServerName: aws.String("127.0.0.1"), Port: aws.Int32(1), Username: aws.String("u"), Password: aws.String(secret),
		MySQLSettings: &types.MySQLSettings{Password: aws.String(secret)},
	})
	require.NoError(t, err)
	_, err = c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("pg"), EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("postgres"),
		ServerName: aws.String("127.0.0.1"), Port: aws.Int32(1), DatabaseName: aws.String("d"), Username: aws.String("u"),
		PostgreSQLSettings: &types.PostgreSQLSettings{Password: aws.String(secret)},
	})
	require.NoError(t, err)
	arn := *my.Endpoint.EndpointArn
	raw("DescribeEndpoints", "{}")
	raw("ModifyEndpoint", `{"EndpointArn":"`+arn+`","Password":"`+secret+`"}`)
	raw("TestConnection", `{"EndpointArn":"`+arn+`","ReplicationInstanceArn":"`+inst+`"}`)
	w := dmsapi.NewTestConnectionSucceedsWaiter(c, func(o *dmsapi.TestConnectionSucceedsWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	_ = w.Wait(ctx(t), &dmsapi.DescribeConnectionsInput{}, 5*time.Second) // the connection fails: nothing listens on port 1
	raw("DescribeConnections", "{}")
	raw("DeleteEndpoint", `{"EndpointArn":"`+arn+`"}`)

	for _, page := range []string{"/_minidms/", "/_minidms/endpoints"} {
		resp, err := http.Get(srv.URL + page)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, page)
		bodies = append(bodies, page+": "+string(b))
	}
	for _, b := range bodies {
		require.NotContains(t, b, secret)
	}
	require.NotEmpty(t, logs.String())
	require.NotContains(t, logs.String(), secret)
}
