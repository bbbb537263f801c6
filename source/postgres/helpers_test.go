package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/postgres"
	"github.com/minidms/minidms/target/memory"
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

func selectSchema(t *testing.T, schema string) *mapping.TableMappings {
	t.Helper()
	m, err := mapping.ParseTableMappings(fmt.Sprintf(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":%q,"table-name":"%%"},"rule-action":"include"}]}`, schema))
	require.NoError(t, err)
	return m
}

func newTask(t *testing.T, src dms.Source, target dms.Target, typ dms.MigrationType, settings string) *dms.Task {
	t.Helper()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	cfg := dms.TaskConfig{
		ID: "TESTTASK", Source: src, Target: target,
		Mapping: selectSchema(t, "public"), MigrationType: typ,
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

func waitStatus(t *testing.T, task *dms.Task, want dms.Status) dms.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	st, err := task.Wait(ctx, func(s dms.TaskStatus) bool {
		return s.Status == want || s.Status == dms.StatusFailed
	})
	require.NoError(t, err)
	require.Equal(t, want, st.Status, "task failed: %s", st.LastFailureMessage)
	return st
}

func waitRecords(t *testing.T, target *memory.Target, n int, keep func(memory.Record) bool) []memory.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	recs, err := target.WaitFor(ctx, n, keep)
	if err != nil {
		lines := describe(target.Records())
		for _, l := range lines[max(0, len(lines)-30):] {
			t.Log(l)
		}
	}
	require.NoError(t, err)
	for _, r := range recs {
		if !r.Op.IsControl() {
			require.NoError(t, dms.CheckRow(r.Table, r.Data))
			if r.Before != nil {
				require.NoError(t, dms.CheckRow(r.Table, r.Before))
			}
		}
	}
	return recs
}

// describe renders records as "op schema.table data" lines.
func describe(recs []memory.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		line := fmt.Sprintf("%s %s.%s %v", r.Op, r.Table.Schema, r.Table.Table, r.Data)
		if r.Before != nil {
			line += fmt.Sprintf(" before %v", r.Before)
		}
		if r.Column != "" {
			line += " column " + r.Column
		}
		if r.OldColumn != "" {
			line += " from " + r.OldColumn
		}
		out = append(out, line)
	}
	return out
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

// next waits for the next change and checks its row types.
func next(t *testing.T, cs dms.ChangeStream) dms.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := cs.Next(ctx)
	require.NoError(t, err)
	if !c.Op.IsControl() {
		require.NoError(t, dms.CheckRow(c.Table, c.Data))
		if c.Before != nil {
			require.NoError(t, dms.CheckRow(c.Table, c.Before))
		}
	}
	return c
}

func nextN(t *testing.T, cs dms.ChangeStream, n int) []dms.Change {
	t.Helper()
	out := make([]dms.Change, n)
	for i := range out {
		out[i] = next(t, cs)
	}
	return out
}
