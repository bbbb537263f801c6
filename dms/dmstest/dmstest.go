package dmstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/jackc/pgx/v5"
)

// Environment variables that describe the test environment (see testenv.sh).
const (
	EnvDir             = "MINIDMS_TESTENV_DIR"
	EnvMySQLAddr       = "MINIDMS_MYSQL_ADDR"
	EnvMySQLUser       = "MINIDMS_MYSQL_USER"
	EnvMySQLPassword   = "MINIDMS_MYSQL_PASSWORD"
	EnvMySQLDSN        = "MINIDMS_MYSQL_DSN"
	EnvPostgresDSN     = "MINIDMS_POSTGRES_DSN"
	EnvKinesisEndpoint = "MINIDMS_KINESIS_ENDPOINT"

	// DefaultDir is where testenv.sh puts its servers when no DIR is given.
	DefaultDir = "/tmp/minidms-testenv"
)

const timeout = 30 * time.Second

// MySQLServer describes a fresh database on the test environment's MariaDB.
type MySQLServer struct {
	Addr, User, Password, Database string
}

// DSN returns "user:password@tcp(addr)/database".
func (m MySQLServer) DSN() string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s", m.User, m.Password, m.Addr, m.Database)
}

// PostgresServer describes a fresh database on the test environment's
// PostgreSQL; DSN points at that database.
type PostgresServer struct {
	DSN, Database string
}

// MySQL creates a fresh, uniquely named database on the test environment's
// MariaDB and drops it when the test ends.
func MySQL(t testing.TB) MySQLServer {
	t.Helper()
	srv := mysqlSettings(t)
	srv.Database = uniqueName(t.Name(), 64)
	conn := mysqlConnect(t, srv, "")
	defer conn.Close()
	if _, err := conn.Execute("CREATE DATABASE " + quoteMySQL(srv.Database) +
		" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("dmstest: creating MySQL database %s: %v", srv.Database, err)
	}
	t.Cleanup(func() {
		if err := dropMySQL(srv); err != nil {
			t.Errorf("dmstest: dropping MySQL database %s: %v", srv.Database, err)
		}
	})
	return srv
}

// MySQLExec runs queries, in order, on srv's database and fails the test on
// the first error.
func MySQLExec(t testing.TB, srv MySQLServer, queries ...string) {
	t.Helper()
	conn := mysqlConnect(t, srv, srv.Database)
	defer conn.Close()
	for _, q := range queries {
		if _, err := conn.Execute(q); err != nil {
			t.Fatalf("dmstest: MySQL %q: %v", q, err)
		}
	}
}

// Postgres creates a fresh, uniquely named database on the test environment's
// PostgreSQL and drops it (with its replication slots) when the test ends.
func Postgres(t testing.TB) PostgresServer {
	t.Helper()
	admin := setting(EnvPostgresDSN)
	if admin == "" {
		notConfigured(t, "PostgreSQL", EnvPostgresDSN)
	}
	name := uniqueName(t.Name(), 63) // PostgreSQL identifiers have at most 63 bytes
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("dmstest: %s: %v", EnvPostgresDSN, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("dmstest: connecting to PostgreSQL (%s; is the test environment running? see `make test`): %v", EnvPostgresDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("dmstest: creating PostgreSQL database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := dropPostgres(admin, name); err != nil {
			t.Errorf("dmstest: dropping PostgreSQL database %s: %v", name, err)
		}
	})
	return PostgresServer{DSN: dsn, Database: name}
}

// PostgresExec runs queries, in order, on srv's database and fails the test on
// the first error. A query may hold several statements.
func PostgresExec(t testing.TB, srv PostgresServer, queries ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN)
	if err != nil {
		t.Fatalf("dmstest: connecting to PostgreSQL database %s: %v", srv.Database, err)
	}
	defer conn.Close(ctx)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("dmstest: PostgreSQL %q: %v", q, err)
		}
	}
}

// KinesisEndpoint returns the URL of the test environment's third-party
// Kinesis server (kinesalite).
func KinesisEndpoint(t testing.TB) string {
	t.Helper()
	ep := setting(EnvKinesisEndpoint)
	if ep == "" {
		notConfigured(t, "Kinesis endpoint", EnvKinesisEndpoint)
	}
	return ep
}

func mysqlSettings(t testing.TB) MySQLServer {
	t.Helper()
	srv := MySQLServer{Addr: setting(EnvMySQLAddr), User: setting(EnvMySQLUser), Password: setting(EnvMySQLPassword)}
	if srv.Addr == "" {
		if dsn := setting(EnvMySQLDSN); dsn != "" {
			var ok bool
			if srv.User, srv.Password, srv.Addr, ok = parseMySQLDSN(dsn); !ok {
				t.Fatalf("dmstest: %s=%q is not user:password@tcp(host:port)/", EnvMySQLDSN, dsn)
			}
		}
	}
	if srv.Addr == "" {
		notConfigured(t, "MariaDB", EnvMySQLAddr+" (or "+EnvMySQLDSN+")")
	}
	return srv
}

// parseMySQLDSN splits "user:password@tcp(addr)/db".
func parseMySQLDSN(dsn string) (user, password, addr string, ok bool) {
	i := strings.LastIndex(dsn, "@tcp(")
	if i < 0 {
		return "", "", "", false
	}
	addr, _, ok = strings.Cut(dsn[i+len("@tcp("):], ")")
	user, password, _ = strings.Cut(dsn[:i], ":")
	return user, password, addr, ok && addr != ""
}

func mysqlConnect(t testing.TB, srv MySQLServer, db string) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := client.ConnectWithContext(ctx, srv.Addr, srv.User, srv.Password, db, timeout)
	if err != nil {
		t.Fatalf("dmstest: connecting to MariaDB at %s (is the test environment running? see `make test`): %v", srv.Addr, err)
	}
	return conn
}

func dropMySQL(srv MySQLServer) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := client.ConnectWithContext(ctx, srv.Addr, srv.User, srv.Password, "", timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Connections a test left open could hold metadata locks that block the drop.
	res, err := conn.Execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", srv.Database)
	if err != nil {
		return err
	}
	for row := range res.RowNumber() {
		if id, err := res.GetUint(row, 0); err == nil {
			_, _ = conn.Execute(fmt.Sprintf("KILL %d", id)) // it may be gone already
		}
	}
	_, err = conn.Execute("DROP DATABASE IF EXISTS " + quoteMySQL(srv.Database))
	return err
}

func dropPostgres(admin, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// DROP DATABASE refuses while the database has replication slots, and an
	// active slot can only be dropped once its walsender has gone.
	for {
		if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1", name)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dropping replication slots: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// withDatabase returns dsn (URL or keyword/value form) pointing at database db.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path, u.RawPath = "/"+db, ""
		return u.String(), nil
	}
	return dsn + " dbname=" + db, nil // db is [a-z0-9_], no quoting needed
}

// uniqueName derives a database name from a test name: lower case [a-z0-9_],
// a random suffix, at most max bytes.
func uniqueName(testName string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails
	base := b.String()
	base = strings.TrimRight(base[:min(len(base), max-1-2*len(suffix))], "_")
	if base == "" {
		base = "test"
	}
	return base + "_" + hex.EncodeToString(suffix)
}

func quoteMySQL(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// setting returns the environment variable name or, when it is unset, its value
// in the env file written by testenv.sh.
func setting(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return envFileValue(envFile(), name)
}

// envFileValue returns the value of name in an env file of testenv.sh, or "".
func envFileValue(path, name string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		if k, v, ok := strings.Cut(line, "="); ok && k == name {
			if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			return v
		}
	}
	return ""
}

func envFile() string {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = DefaultDir
	}
	return filepath.Join(dir, "env")
}

// notConfigured skips the test, or fails it when CI=true.
func notConfigured(t testing.TB, server, variable string) {
	t.Helper()
	msg := fmt.Sprintf("dmstest: no %s configured: %s is not set and not in %s; "+
		"run `make test`, or `eval \"$(dms/dmstest/testenv.sh start)\"` before `go test`",
		server, variable, envFile())
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", msg)
	}
	t.Skipf("%s", msg)
}
