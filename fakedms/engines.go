package fakedms

// Which endpoint engines fakedms knows, and how an endpoint becomes an
// engine source or target: the S3 source and the Kinesis target are built
// in, database sources come with WithSourceEngine.

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/minidms/minidms/dms"
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

// SourceEngine builds the engine sources of the source endpoints whose
// EngineName is one of Names. fakedms builds in the S3 source (it serves
// the S3 those endpoints read); the database sources are packages of
// their own, fakedms/mysqlengine (mysql, mariadb, aurora) and
// fakedms/postgresengine (postgres, aurora-postgresql), given to the
// server with WithSourceEngine, so that a program links, and its first
// build compiles, only the database clients it replicates from (the MySQL
// one brings the TiDB SQL parser, the largest package of the module's
// dependencies). The standalone binary (fakedms/cmd/fakedms) has both.
type SourceEngine struct {
	Names []string
	// New builds the source of an endpoint, doing no I/O. A source with a
	// Check(ctx) error method has TestConnection run it (otherwise a
	// listing of its tables); one with a DropSlot(ctx) error method has it
	// called when its task or replication config is deleted.
	New func(SourceEndpoint) (dms.Source, error)
}

// SourceEndpoint is what a SourceEngine builds a source from.
type SourceEndpoint struct {
	// Endpoint is the endpoint as the server holds it, its engine
	// settings (MySQLSettings, PostgreSQLSettings, …) included.
	Endpoint types.Endpoint
	// Password is the endpoint's top-level Password, which the API never
	// returns and Endpoint therefore lacks.
	Password string
	// TaskID is the resource id of the replication task (or serverless
	// task id) the source is built for, so that per-task server state (a
	// PostgreSQL replication slot) can be named after it; empty for a
	// connection test.
	TaskID string
	// Logger is the server's (WithLogger), silent by default.
	Logger *slog.Logger
}

// WithSourceEngine lets source endpoints of e.Names be tested and
// replicated from; a later engine for the same name replaces an earlier
// one, and the built-in S3 source.
func WithSourceEngine(e SourceEngine) Option {
	return func(c *config) { c.sourceEngines = append(c.sourceEngines, e) }
}

// sourceFactory turns a source endpoint into an engine source; it does no
// I/O.
type sourceFactory func(ep *endpoint, w wiring) (dms.Source, error)

// targetFactory turns a target endpoint into an engine target, with a
// probe for TestConnection.
type targetFactory func(ep *endpoint, w wiring) (dms.Target, func(ctx context.Context) error, error)

// sourceFactories maps EngineName to how its sources are built: S3, then
// the engines of WithSourceEngine.
func sourceFactories(engines []SourceEngine) map[string]sourceFactory {
	m := map[string]sourceFactory{"s3": newS3Source}
	for _, e := range engines {
		for _, name := range e.Names {
			m[name] = func(ep *endpoint, w wiring) (dms.Source, error) {
				return e.New(SourceEndpoint{Endpoint: ep.ep, Password: ep.password, TaskID: w.taskID, Logger: w.log})
			}
		}
	}
	return m
}

// noSourceEngine explains why a source endpoint of engine cannot be
// tested or replicated from: a database engine the server was not given,
// or one fakedms has no source for.
func noSourceEngine(engine, doing string) string {
	pkg := ""
	switch engine {
	case "mysql", "mariadb", "aurora":
		pkg = "mysqlengine"
	case "postgres", "aurora-postgresql":
		pkg = "postgresengine"
	default:
		return fmt.Sprintf("fakedms cannot %s a %s source", doing, engine)
	}
	return fmt.Sprintf("fakedms has no %s source engine: start the server with fakedms.WithSourceEngine(%s.Source()) from github.com/minidms/minidms/fakedms/%s",
		engine, pkg, pkg)
}

// targetFactories maps EngineName to how its targets are built.
func targetFactories() map[string]targetFactory {
	return map[string]targetFactory{
		"kinesis": newKinesisTarget,
	}
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
