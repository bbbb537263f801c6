package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/postgres"
	"github.com/minidms/minidms/target/memory"
)

// role creates a login role for the test (roles are cluster-wide, so its
// name carries the database's random suffix) and returns a DSN for it.
func role(t *testing.T, srv dmstest.PostgresServer, suffix, attrs string, grants ...string) string {
	t.Helper()
	name := suffix + "_" + srv.Database[len(srv.Database)-8:]
	qs := []string{"CREATE ROLE " + name + " LOGIN PASSWORD 'pw' " + attrs}
	for _, g := range grants {
		qs = append(qs, g+" TO "+name)
	}
	dmstest.PostgresExec(t, srv, qs...)
	t.Cleanup(func() { dmstest.PostgresExec(t, srv, "DROP OWNED BY "+name, "DROP ROLE "+name) })
	u, err := url.Parse(srv.DSN)
	require.NoError(t, err)
	u.User = url.UserPassword(name, "pw")
	return u.String()
}

func TestCheckPluginName(t *testing.T) {
	src := postgres.New(postgres.Config{DSN: "postgres://u:p@127.0.0.1:1/db", PluginName: "test-decoding"})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for name, call := range map[string]func() error{
		"Check":    func() error { return src.Check(ctx) },
		"Changes":  func() error { _, err := src.Changes(ctx, "", schemaSel("public")); return err },
		"Snapshot": func() error { _, err := src.Snapshot(ctx); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.ErrorContains(t, err, `PluginName "test-decoding" is not supported: only pgoutput is; set PluginName to "pgoutput" or leave it empty`)
		})
	}
}

func TestCheckPrivileges(t *testing.T) {
	srv := dmstest.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, newSource(srv).Check(ctx))
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)")

	t.Run("no REPLICATION", func(t *testing.T) {
		dsn := role(t, srv, "norepl", "", "GRANT SELECT ON t")
		src := postgres.New(postgres.Config{DSN: dsn, SlotName: "norepl"})
		err := src.Check(ctx)
		require.ErrorContains(t, err, `lacks the REPLICATION attribute logical replication needs: ALTER ROLE "norepl_`)
		require.ErrorContains(t, err, `WITH REPLICATION (RDS: GRANT rds_replication TO "norepl_`)
		_, err = src.Changes(ctx, "", schemaSel("public"))
		require.ErrorContains(t, err, "lacks the REPLICATION attribute")

		// A full load needs no replication: the view has no position.
		sn, err := src.Snapshot(ctx)
		require.NoError(t, err)
		defer sn.Close()
		defs, err := sn.Tables(ctx, schemaSel("public"))
		require.NoError(t, err)
		require.Len(t, defs, 1)
		var rows []dms.Row
		require.NoError(t, sn.Load(ctx, defs[0], func(r dms.Row) error { rows = append(rows, r); return nil }))
		require.Equal(t, []dms.Row{{int64(1)}}, rows)
		require.Empty(t, sn.Position())
	})

	t.Run("REPLICATION but no superuser for the DDL trigger", func(t *testing.T) {
		dsn := role(t, srv, "repl", "REPLICATION")
		err := postgres.New(postgres.Config{DSN: dsn, SlotName: "repl"}).Check(ctx)
		require.ErrorContains(t, err, "capturing DDL needs the event trigger awsdms_intercept_ddl, which only a superuser can create: connect once as a superuser, or set CaptureDdls to false")

		off := false
		require.NoError(t, postgres.New(postgres.Config{DSN: dsn, SlotName: "repl", CaptureDdls: &off}).Check(ctx))
	})
}

func TestWarnTableWithoutIdentity(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv,
		"CREATE TABLE nokey (v int)",
		"CREATE TABLE full_nokey (v int)",
		"ALTER TABLE full_nokey REPLICA IDENTITY FULL",
		"CREATE TABLE keyed (id int PRIMARY KEY)",
	)
	var logs bytes.Buffer
	src := newSource(srv, func(c *postgres.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	cs := openChanges(t, src, "")
	require.Contains(t, logs.String(), `level=WARN msg="table has no primary key and REPLICA IDENTITY is not FULL: its changes are not captured; add a primary key or run ALTER TABLE … REPLICA IDENTITY FULL" table=public.nokey`)
	require.NotContains(t, logs.String(), "full_nokey")
	require.NotContains(t, logs.String(), "keyed")

	// The table without identity stays out of the publication, so its
	// UPDATEs keep working; the others are captured.
	dmstest.PostgresExec(t, srv,
		"INSERT INTO nokey VALUES (1)", "UPDATE nokey SET v = 2",
		"INSERT INTO full_nokey VALUES (1)", "UPDATE full_nokey SET v = 2",
	)
	got := nextN(t, cs, 2)
	require.Equal(t, "insert public.full_nokey [1]", describeChange(got[0]))
	require.Equal(t, "update public.full_nokey [2] before [1]", describeChange(got[1]))
}

func describeChange(c dms.Change) string {
	return dmstest.Describe([]memory.Record{{Change: c}})[0]
}
