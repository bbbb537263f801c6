package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/postgres"
)

// waitLimit bounds every wait.
const waitLimit = 60 * time.Second

func newSource(srv dmstest.PostgresServer, opts ...func(*postgres.Config)) *postgres.Source {
	cfg := postgres.Config{DSN: srv.DSN}
	for _, o := range opts {
		o(&cfg)
	}
	return postgres.New(cfg)
}

func noDDL(c *postgres.Config) {
	off := false
	c.CaptureDdls = &off
}

// schemaSel selects every table of one schema.
type schemaSel string

func (s schemaSel) Selected(schema, _ string) bool { return schema == string(s) }

func newTask(t *testing.T, src dms.Source, target dms.Target, typ dms.MigrationType, settings string) *dms.Task {
	t.Helper()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	cfg := dms.TaskConfig{
		ID: "TESTTASK", Source: src, Target: target,
		Mapping: dmstest.SelectSchema(t, "public"), MigrationType: typ,
	}
	if settings != "" {
		s, err := mapping.ParseTaskSettings(settings)
		require.NoError(t, err)
		cfg.Settings = s
	}
	task, err := engine.NewTask(cfg)
	require.NoError(t, err)
	return task
}

// colNames lists a definition's column names.
func colNames(def *dms.TableDef) []string {
	out := make([]string, len(def.Columns))
	for i, c := range def.Columns {
		out[i] = c.Name
	}
	return out
}

func connect(t *testing.T, srv dmstest.PostgresServer) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// slotExists reports whether the database has the named replication slot.
func slotExists(t *testing.T, srv dmstest.PostgresServer, slot string) bool {
	t.Helper()
	var n int
	require.NoError(t, connect(t, srv).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n))
	return n == 1
}

// bulkInsert builds INSERT statements of n rows each from row(i).
func bulkInsert(table string, from, to, per int, row func(i int) string) []string {
	var out []string
	for i := from; i < to; i += per {
		var vals []string
		for j := i; j < min(i+per, to); j++ {
			vals = append(vals, row(j))
		}
		out = append(out, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ","))
	}
	return out
}

// openChanges opens a change stream of schema public, closed when the test
// ends.
func openChanges(t *testing.T, src *postgres.Source, from dms.Position) dms.ChangeStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cs, err := src.Changes(ctx, from, schemaSel("public"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, cs.Close()) })
	return cs
}

func nextN(t *testing.T, cs dms.ChangeStream, n int) []dms.Change {
	t.Helper()
	out := make([]dms.Change, n)
	for i := range out {
		out[i] = dmstest.Next(t, cs)
	}
	return out
}
