package dmstest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// OwnServer is a database server of one test's own, for tests that stop
// and restart the server (fault tests); other tests share the test
// environment's servers through MySQL and Postgres.
type OwnServer struct {
	dir     string
	service string // testenv.sh's name for it: mysql or postgres
}

// OwnMySQL is a MariaDB server of the test's own.
type OwnMySQL struct {
	OwnServer
	// Server is a fresh database on it.
	Server MySQLServer
}

// OwnPostgres is a PostgreSQL server of the test's own.
type OwnPostgres struct {
	OwnServer
	// Server is a fresh database on it.
	Server PostgresServer
}

// StartOwnMySQL starts a private MariaDB with testenv.sh in a temporary
// directory and stops it (and removes the directory) when the test ends.
// It needs what the test environment needs: a test that cannot have it
// skips, or fails under CI=true.
func StartOwnMySQL(t testing.TB) *OwnMySQL {
	t.Helper()
	if setting(EnvMySQLAddr) == "" && setting(EnvMySQLDSN) == "" {
		notConfigured(t, "MariaDB", EnvMySQLAddr)
	}
	o := &OwnMySQL{OwnServer: startOwn(t, "mysql")}
	o.Server = MySQLServer{Addr: o.setting(t, EnvMySQLAddr), User: o.setting(t, EnvMySQLUser), Password: o.setting(t, EnvMySQLPassword), Database: "owndb"}
	conn := mysqlConnect(t, o.Server, "")
	defer conn.Close()
	if _, err := conn.Execute("CREATE DATABASE owndb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("dmstest: creating database owndb: %v", err)
	}
	return o
}

// StartOwnPostgres starts a private PostgreSQL like StartOwnMySQL; Server
// is its database "minidms", which testenv.sh creates.
func StartOwnPostgres(t testing.TB) *OwnPostgres {
	t.Helper()
	if setting(EnvPostgresDSN) == "" {
		notConfigured(t, "PostgreSQL", EnvPostgresDSN)
	}
	o := &OwnPostgres{OwnServer: startOwn(t, "postgres")}
	o.Server = PostgresServer{DSN: o.setting(t, EnvPostgresDSN), Database: "minidms"}
	return o
}

func startOwn(t testing.TB, service string) OwnServer {
	t.Helper()
	// Under /tmp: the postgres OS user must reach the data directory.
	dir, err := os.MkdirTemp("/tmp", "minidms-own-"+service+"-")
	if err != nil {
		t.Fatalf("dmstest: %v", err)
	}
	o := OwnServer{dir: dir, service: service}
	t.Cleanup(func() {
		o.run(t, "stop")
		_ = os.RemoveAll(dir)
	})
	o.Start(t)
	return o
}

// Stop stops the server, waiting until it is gone; its data and port are
// kept for Start.
func (o *OwnServer) Stop(t testing.TB) { t.Helper(); o.run(t, "stop") }

// Start starts the server again on the same port with the same data.
func (o *OwnServer) Start(t testing.TB) { t.Helper(); o.run(t, "start") }

func (o *OwnServer) run(t testing.TB, cmd string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", testenvScript(t), cmd, o.dir)
	c.Env = append(os.Environ(), "MINIDMS_TESTENV_SERVICES="+o.service)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("dmstest: testenv.sh %s %s: %v\n%s", cmd, o.dir, err, stderr.String())
	}
}

func (o *OwnServer) setting(t testing.TB, name string) string {
	t.Helper()
	v := envFileValue(filepath.Join(o.dir, "env"), name)
	if v == "" {
		t.Fatalf("dmstest: %s not in %s/env", name, o.dir)
	}
	return v
}

// testenvScript finds testenv.sh beside this file, wherever the test runs.
func testenvScript(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("dmstest: cannot locate testenv.sh")
	}
	return filepath.Join(filepath.Dir(file), "testenv.sh")
}
