package fakedms

// Which endpoint engines fakedms knows, and how an endpoint becomes an
// engine source or target. Adding a source (postgres, s3) is one line in
// sourceFactories.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/source/mysql"
	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

// engineType is one row of DescribeEndpointTypes, with what AWS prints
// about it in its "endpoint must be of type SOURCE" message. Only
// kinesis's id 47 and service type were seen on AWS; the other ids are
// this package's.
type engineType struct {
	name, display string
	endpointType  types.ReplicationEndpointTypeValue
	cdc           bool
	minVersion    string
	id            int
	service       string
}

var engineTypes = []engineType{
	{"aurora", "Amazon Aurora MySQL", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 10, "AWS"},
	{"aurora-postgresql", "Amazon Aurora PostgreSQL", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 25, "AWS"},
	{"dynamodb", "Amazon DynamoDB", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 30, "AWS"},
	{"kafka", "Kafka", types.ReplicationEndpointTypeValueTarget, true, "3.3.1", 50, "AWS"},
	{"kinesis", "Amazon Kinesis", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 47, "AWS"},
	{"mariadb", "MariaDB", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 12, "ONPREM"},
	{"mariadb", "MariaDB", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 13, "ONPREM"},
	{"mysql", "MySQL", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 8, "ONPREM"},
	{"mysql", "MySQL", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 9, "ONPREM"},
	{"postgres", "PostgreSQL", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 20, "ONPREM"},
	{"postgres", "PostgreSQL", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 21, "ONPREM"},
	{"s3", "Amazon S3", types.ReplicationEndpointTypeValueSource, true, "3.1.3", 40, "AWS"},
	{"s3", "Amazon S3", types.ReplicationEndpointTypeValueTarget, true, "3.1.3", 41, "AWS"},
}

// engineOf returns the engine type of name for the endpoint type, or for
// any endpoint type when it has none of that type.
func engineOf(name string, et types.ReplicationEndpointTypeValue) (engineType, bool) {
	var fallback engineType
	found := false
	for _, e := range engineTypes {
		if e.name != name {
			continue
		}
		if e.endpointType == et {
			return e, true
		}
		if !found {
			fallback, found = e, true
		}
	}
	return fallback, found
}

// wrongType is AWS's message for an endpoint used on the wrong side of a
// task, as LocalStack's AWS-validated tests captured it for kinesis.
func wrongType(e engineType, want string) error {
	cdc := "N"
	if e.cdc {
		cdc = "Y"
	}
	return invalidParam("ReplicationEngineType [id=%d, name=%s, cdcSupported=%s, endpointType=%s, serviceType=%s, externalName=%s, rvn=1] endpoint must be of type %s",
		e.id, e.name, cdc, strings.ToUpper(string(e.endpointType)), e.service, e.display, want)
}

// wiring is what factories may use to reach the server's services.
type wiring struct {
	log     *slog.Logger
	now     func() time.Time
	kinesis *kinesis.Client
	s3      s3Access
	// taskID is the engine task the source or target is built for, so that
	// per-task server state (a PostgreSQL replication slot) can be named
	// after it; empty for a connection test.
	taskID string
}

// sourceFactory turns a source endpoint into an engine source; it does no
// I/O. A source with a Check(ctx) error method has TestConnection run it.
type sourceFactory func(ep *endpoint, w wiring) (dms.Source, error)

// targetFactory turns a target endpoint into an engine target, with a
// probe for TestConnection.
type targetFactory func(ep *endpoint, w wiring) (dms.Target, func(ctx context.Context) error, error)

// sourceFactories maps EngineName to how its sources are built.
func sourceFactories() map[string]sourceFactory {
	return map[string]sourceFactory{
		"mysql":   newMySQLSource,
		"mariadb": newMySQLSource,
		"aurora":  newMySQLSource,
		"s3":      newS3Source,

		"postgres":          newPostgresSource,
		"aurora-postgresql": newPostgresSource,
	}
}

// targetFactories maps EngineName to how its targets are built.
func targetFactories() map[string]targetFactory {
	return map[string]targetFactory{
		"kinesis": newKinesisTarget,
	}
}

// newMySQLSource reads the connection from the endpoint, MySQLSettings
// taking precedence (as AWS does when both are given).
func newMySQLSource(e *endpoint, w wiring) (dms.Source, error) {
	ep := &e.ep
	host, port, user, pass := aws.ToString(ep.ServerName), aws.ToInt32(ep.Port), aws.ToString(ep.Username), e.password
	if s := ep.MySQLSettings; s != nil {
		host = firstNonEmpty(aws.ToString(s.ServerName), host)
		if s.Port != nil {
			port = *s.Port
		}
		user = firstNonEmpty(aws.ToString(s.Username), user)
		pass = firstNonEmpty(aws.ToString(s.Password), pass)
		if s.SecretsManagerSecretId != nil && host == "" {
			return nil, fmt.Errorf("endpoint %s: MySqlSettings.SecretsManagerSecretId is not supported by fakedms: give ServerName, Port, Username and Password", aws.ToString(ep.EndpointIdentifier))
		}
	}
	if host == "" {
		return nil, fmt.Errorf("endpoint %s: no ServerName", aws.ToString(ep.EndpointIdentifier))
	}
	if port == 0 {
		port = 3306
	}
	return mysql.New(mysql.Config{
		Addr:     net.JoinHostPort(host, strconv.Itoa(int(port))),
		User:     user,
		Password: pass,
		Logger:   w.log,
	}), nil
}

func newKinesisTarget(e *endpoint, w wiring) (dms.Target, func(ctx context.Context) error, error) {
	settings := types.KinesisSettings{}
	if e.ep.KinesisSettings != nil {
		settings = *e.ep.KinesisSettings
	}
	t, err := kinesistarget.New(kinesistarget.Config{Client: w.kinesis, Settings: settings, Logger: w.log, Now: w.now})
	if err != nil {
		return nil, nil, err
	}
	probe := func(ctx context.Context) error {
		_, err := w.kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(t.Stream())})
		if err != nil {
			return fmt.Errorf("describe Kinesis stream %s: %w", t.Stream(), err)
		}
		return nil
	}
	return t, probe, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
