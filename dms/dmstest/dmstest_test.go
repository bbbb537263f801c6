package dmstest_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/go-mysql-org/go-mysql/client"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

var validName = regexp.MustCompile(`^[a-z0-9_]+_[0-9a-f]{8}$`)

func mysqlConn(t *testing.T, srv dmstest.MySQLServer, db string) *client.Conn {
	t.Helper()
	conn, err := client.Connect(srv.Addr, srv.User, srv.Password, db)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func pgConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestMySQLServerDSN(t *testing.T) {
	tests := []struct {
		srv  dmstest.MySQLServer
		want string
	}{
		{dmstest.MySQLServer{Addr: "127.0.0.1:3307", User: "u", Password: "p", Database: "db"}, "u:p@tcp(127.0.0.1:3307)/db"},
		{dmstest.MySQLServer{Addr: "127.0.0.1:1", User: "minidms", Password: "minidms"}, "minidms:minidms@tcp(127.0.0.1:1)/"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.srv.DSN())
	}
}

func TestMySQL(t *testing.T) {
	var srv dmstest.MySQLServer
	t.Run("fresh database", func(t *testing.T) {
		srv = dmstest.MySQL(t)
		require.Regexp(t, validName, srv.Database)
		require.True(t, strings.HasPrefix(srv.Database, "testmysql_fresh_database_"), srv.Database)

		conn := mysqlConn(t, srv, srv.Database)
		res, err := conn.Execute("SHOW TABLES")
		require.NoError(t, err)
		require.Zero(t, res.RowNumber(), "a fresh database has no tables")

		dmstest.MySQLExec(t, srv,
			"CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(10))",
			"INSERT INTO t VALUES (1, 'héllo ✓')")
		res, err = conn.Execute("SELECT s FROM t WHERE id = 1")
		require.NoError(t, err)
		s, err := res.GetString(0, 0)
		require.NoError(t, err)
		require.Equal(t, "héllo ✓", s)
	})
	if srv.Database == "" {
		t.Skip("MariaDB not configured")
	}
	res, err := mysqlConn(t, srv, "").Execute(
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", srv.Database)
	require.NoError(t, err)
	require.Zero(t, res.RowNumber(), "database %s must be dropped by the cleanup", srv.Database)
}

func TestMySQLUniqueNames(t *testing.T) {
	long := strings.Repeat("A very long, weird/test name! ", 5)
	t.Run(long, func(t *testing.T) {
		a, b := dmstest.MySQL(t), dmstest.MySQL(t)
		require.NotEqual(t, a.Database, b.Database)
		for _, srv := range []dmstest.MySQLServer{a, b} {
			require.LessOrEqual(t, len(srv.Database), 64)
			require.Regexp(t, validName, srv.Database)
			dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)")
		}
	})
}

func TestMySQLBinlogSettings(t *testing.T) {
	srv := dmstest.MySQL(t)
	res, err := mysqlConn(t, srv, srv.Database).Execute("SELECT @@binlog_format, @@binlog_row_image, " +
		"@@binlog_row_metadata, @@log_bin, @@binlog_checksum, @@server_id, @@character_set_server, @@port")
	require.NoError(t, err)
	tests := []struct {
		name string
		col  int
		want string
	}{
		{"binlog_format", 0, "ROW"},
		{"binlog_row_image", 1, "FULL"},
		{"binlog_row_metadata", 2, "FULL"},
		{"log_bin", 3, "1"},
		{"binlog_checksum", 4, "CRC32"},
		{"server_id", 5, "1"},
		{"character_set_server", 6, "utf8mb4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := res.GetString(0, tt.col)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	port, err := res.GetString(0, 7)
	require.NoError(t, err)
	require.NotEqual(t, "3306", port, "the private server must not use the default port")
}

func TestPostgres(t *testing.T) {
	var srv dmstest.PostgresServer
	t.Run("fresh database", func(t *testing.T) {
		srv = dmstest.Postgres(t)
		require.Regexp(t, validName, srv.Database)
		require.LessOrEqual(t, len(srv.Database), 63)

		dmstest.PostgresExec(t, srv,
			"CREATE TABLE t (id int PRIMARY KEY, s text); INSERT INTO t VALUES (1, 'héllo ✓')",
			"ALTER TABLE t REPLICA IDENTITY FULL")
		conn := pgConn(t, srv.DSN)
		var db, s string
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database(), s FROM t WHERE id = 1").Scan(&db, &s))
		require.Equal(t, srv.Database, db)
		require.Equal(t, "héllo ✓", s)

		// A logical replication slot would block DROP DATABASE: the cleanup must cope.
		_, err := conn.Exec(t.Context(), "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", srv.Database)
		require.NoError(t, err)
	})
	if srv.Database == "" {
		t.Skip("PostgreSQL not configured")
	}
	u, err := url.Parse(srv.DSN)
	require.NoError(t, err)
	u.Path = "/postgres"
	var databases, slots int
	require.NoError(t, pgConn(t, u.String()).QueryRow(t.Context(),
		"SELECT (SELECT count(*) FROM pg_database WHERE datname = $1), (SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1)",
		srv.Database).Scan(&databases, &slots))
	require.Zero(t, databases, "database %s must be dropped by the cleanup", srv.Database)
	require.Zero(t, slots, "replication slot %s must be dropped by the cleanup", srv.Database)
}

func TestPostgresSettings(t *testing.T) {
	conn := pgConn(t, dmstest.Postgres(t).DSN)
	tests := []struct{ setting, want string }{
		{"wal_level", "logical"},
		{"max_replication_slots", "20"},
		{"max_wal_senders", "20"},
		{"synchronous_commit", "on"},
		{"fsync", "off"},
		{"server_encoding", "UTF8"},
		{"listen_addresses", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			var got string
			require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_setting($1)", tt.setting).Scan(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestKinesisEndpoint(t *testing.T) {
	endpoint := dmstest.KinesisEndpoint(t)
	kc := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := kc.ListStreams(ctx, &kinesis.ListStreamsInput{})
	require.NoError(t, err)

	// With --createStreamMs 0 a new stream turns ACTIVE almost at once (CreateStream
	// itself still answers while it is CREATING).
	name := aws.String("dmstest-" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", ""))
	_, err = kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: name})
	})
	require.Eventually(t, func() bool {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: name})
		return err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive
	}, time.Second, 10*time.Millisecond)
}

// Without a configured test environment the helpers skip (CI unset).
func TestNotConfigured(t *testing.T) {
	for _, name := range []string{"CI", "MINIDMS_MYSQL_ADDR", "MINIDMS_MYSQL_DSN", "MINIDMS_POSTGRES_DSN", "MINIDMS_KINESIS_ENDPOINT"} {
		t.Setenv(name, "")
	}
	t.Setenv("MINIDMS_TESTENV_DIR", t.TempDir()) // no env file there
	tests := []struct {
		name string
		use  func(testing.TB)
	}{
		{"MySQL", func(t testing.TB) { dmstest.MySQL(t) }},
		{"Postgres", func(t testing.TB) { dmstest.Postgres(t) }},
		{"KinesisEndpoint", func(t testing.TB) { dmstest.KinesisEndpoint(t) }},
	}
	for _, tt := range tests {
		var inner *testing.T
		t.Run(tt.name, func(t *testing.T) {
			inner = t
			tt.use(t)
			t.Error("not skipped")
		})
		require.True(t, inner.Skipped(), tt.name)
	}
}
