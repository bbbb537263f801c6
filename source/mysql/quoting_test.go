package mysql_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

// Names and values holding quotes, backticks and SQL reach the source's
// queries quoted: full load and CDC read them as they are, and the
// statements hidden in them never run.
func TestHostileNamesAndValues(t *testing.T) {
	srv := dmstest.MySQL(t)
	const table = "we`ird 'name\"; DROP TABLE victim; --"
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE victim (id INT PRIMARY KEY)",
		"CREATE TABLE `we``ird 'name\"; DROP TABLE victim; --` (`co``l` INT PRIMARY KEY, `v'al\"` VARCHAR(60))",
		"INSERT INTO `we``ird 'name\"; DROP TABLE victim; --` VALUES (1, 'x''); DROP TABLE victim; --')",
	)
	src := newSource(srv)
	ctx := context.Background()
	sel := tableSel{schema: srv.Database, tables: []string{table}}

	snap, err := src.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	defs, err := snap.Tables(ctx, sel)
	require.NoError(t, err)
	require.Len(t, defs, 1)
	require.Equal(t, table, defs[0].Table)
	require.Equal(t, []string{"co`l", "v'al\""}, []string{defs[0].Columns[0].Name, defs[0].Columns[1].Name})
	var rows []dms.Row
	require.NoError(t, snap.Load(ctx, defs[0], func(r dms.Row) error { rows = append(rows, r); return nil }))
	require.Equal(t, []dms.Row{{int64(1), "x'); DROP TABLE victim; --"}}, rows)

	cs := openChanges(t, src, snap.Position(), sel)
	dmstest.MySQLExec(t, srv, "UPDATE `we``ird 'name\"; DROP TABLE victim; --` SET `v'al\"` = '`; DELETE FROM victim' WHERE `co``l` = 1")
	c := dmstest.Next(t, cs)
	require.Equal(t, dms.OpUpdate, c.Op)
	require.Equal(t, table, c.Table.Table)
	require.Equal(t, dms.Row{int64(1), "`; DELETE FROM victim"}, c.Data)
	require.Equal(t, dms.Row{int64(1), "x'); DROP TABLE victim; --"}, c.Before)

	tables, err := src.Tables(ctx, tableSel{schema: srv.Database, tables: []string{"victim"}})
	require.NoError(t, err)
	require.Len(t, tables, 1, "the victim table is still there")
}
