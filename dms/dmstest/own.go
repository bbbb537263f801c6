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

// OwnMySQL is a MariaDB server of one test's own, for tests that stop and
// restart the server (fault tests); other tests share the test
// environment's server through MySQL.
type OwnMySQL struct {
	// Server is a fresh database on the test's own server.
	Server MySQLServer
	dir    string
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
	dir, err := os.MkdirTemp("/tmp", "minidms-own-mysql-")
	if err != nil {
		t.Fatalf("dmstest: %v", err)
	}
	o := &OwnMySQL{dir: dir}
	t.Cleanup(func() {
		o.run(t, "stop")
		_ = os.RemoveAll(dir)
	})
	o.Start(t)
	o.Server = MySQLServer{Addr: o.setting(t, EnvMySQLAddr), User: o.setting(t, EnvMySQLUser), Password: o.setting(t, EnvMySQLPassword), Database: "owndb"}
	conn := mysqlConnect(t, o.Server, "")
	defer conn.Close()
	if _, err := conn.Execute("CREATE DATABASE owndb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("dmstest: creating database owndb: %v", err)
	}
	return o
}

// Stop stops the server (SIGTERM, waiting until it is gone); its data and
// port are kept for Start.
func (o *OwnMySQL) Stop(t testing.TB) { t.Helper(); o.run(t, "stop") }

// Start starts the server again on the same port with the same data.
func (o *OwnMySQL) Start(t testing.TB) { t.Helper(); o.run(t, "start") }

func (o *OwnMySQL) run(t testing.TB, cmd string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", testenvScript(t), cmd, o.dir)
	c.Env = append(os.Environ(), "MINIDMS_TESTENV_SERVICES=mysql")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("dmstest: testenv.sh %s %s: %v\n%s", cmd, o.dir, err, stderr.String())
	}
}

func (o *OwnMySQL) setting(t testing.TB, name string) string {
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
