package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/mysql"
)

// waitLimit bounds every wait for a change.
const waitLimit = 30 * time.Second

func newSource(srv dmstest.MySQLServer) *mysql.Source {
	return mysql.New(mysql.Config{Addr: srv.Addr, User: srv.User, Password: srv.Password})
}

// schemaSel selects every table of one schema.
type schemaSel string

func (s schemaSel) Selected(schema, _ string) bool { return schema == string(s) }

// tableSel selects some tables of one schema.
type tableSel struct {
	schema string
	tables []string
}

func (s tableSel) Selected(schema, table string) bool {
	if schema != s.schema {
		return false
	}
	for _, t := range s.tables {
		if t == table {
			return true
		}
	}
	return false
}

// openChanges opens a change stream closed when the test ends.
func openChanges(t *testing.T, src *mysql.Source, from dms.Position, sel dms.TableSelector) dms.ChangeStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cs, err := src.Changes(ctx, from, sel)
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

// load reads a table through a fresh snapshot.
func load(t *testing.T, sn dms.Snapshot, def *dms.TableDef) []dms.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var rows []dms.Row
	require.NoError(t, sn.Load(ctx, def, func(r dms.Row) error {
		require.NoError(t, dms.CheckRow(def, r))
		rows = append(rows, r)
		return nil
	}))
	return rows
}

// tableDef returns the current definition of one table.
func tableDef(t *testing.T, src *mysql.Source, schema, table string) *dms.TableDef {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	defs, err := src.Tables(ctx, tableSel{schema: schema, tables: []string{table}})
	require.NoError(t, err)
	require.Len(t, defs, 1)
	return defs[0]
}

// colNames lists a definition's column names.
func colNames(def *dms.TableDef) []string {
	out := make([]string, len(def.Columns))
	for i, c := range def.Columns {
		out[i] = c.Name
	}
	return out
}
