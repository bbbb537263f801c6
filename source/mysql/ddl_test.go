package mysql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

// TestDDL changes a table mid-stream: every row is decoded with the columns
// of its time and every column change yields its control change.
func TestDDL(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE d (id INT PRIMARY KEY, a VARCHAR(10), b INT)")
	src := newSource(srv)
	cs := openChanges(t, src, "", schemaSel(srv.Database))

	steps := []struct {
		name   string
		ddl    string
		want   dms.Change // Op, Column, OldColumn
		cols   []string   // of the definition after the DDL
		insert string
		row    dms.Row
	}{
		{
			name: "before", cols: []string{"id", "a", "b"},
			insert: "INSERT INTO d VALUES (1, 'x', 1)", row: dms.Row{int64(1), "x", int64(1)},
		},
		{
			name: "add column", ddl: "ALTER TABLE d ADD COLUMN c INT",
			want: dms.Change{Op: dms.OpAddColumn, Column: "c"}, cols: []string{"id", "a", "b", "c"},
			insert: "INSERT INTO d VALUES (2, 'y', 2, 3)", row: dms.Row{int64(2), "y", int64(2), int64(3)},
		},
		{
			name: "drop column", ddl: "ALTER TABLE d DROP COLUMN b",
			want: dms.Change{Op: dms.OpDropColumn, Column: "b"}, cols: []string{"id", "a", "c"},
			insert: "INSERT INTO d VALUES (3, 'z', 4)", row: dms.Row{int64(3), "z", int64(4)},
		},
		{
			name: "modify column", ddl: "ALTER TABLE d MODIFY a VARCHAR(30) NOT NULL",
			want: dms.Change{Op: dms.OpColumnTypeChange, Column: "a"}, cols: []string{"id", "a", "c"},
			insert: "INSERT INTO d VALUES (4, 'a longer value than ten', 5)", row: dms.Row{int64(4), "a longer value than ten", int64(5)},
		},
		{
			name: "change column", ddl: "ALTER TABLE d CHANGE COLUMN c c2 BIGINT UNSIGNED",
			want: dms.Change{Op: dms.OpChangeColumns, OldColumn: "c", Column: "c2"}, cols: []string{"id", "a", "c2"},
			insert: "INSERT INTO d VALUES (5, 'v', 18446744073709551615)", row: dms.Row{int64(5), "v", uint64(18446744073709551615)},
		},
		{
			name: "rename column", ddl: "ALTER TABLE d RENAME COLUMN c2 TO c3",
			want: dms.Change{Op: dms.OpRenameColumn, OldColumn: "c2", Column: "c3"}, cols: []string{"id", "a", "c3"},
			insert: "INSERT INTO d VALUES (6, 'u', 7)", row: dms.Row{int64(6), "u", uint64(7)},
		},
		{
			// The TiDB parser has no spatial types: the table is re-read.
			name: "unparsed add column", ddl: "ALTER TABLE d ADD COLUMN g POINT",
			want: dms.Change{Op: dms.OpAddColumn, Column: "g"}, cols: []string{"id", "a", "c3", "g"},
			insert: "INSERT INTO d VALUES (7, 't', 8, NULL)", row: dms.Row{int64(7), "t", uint64(8), nil},
		},
		{
			name: "add column first", ddl: "ALTER TABLE d ADD COLUMN f ENUM('p','q') NOT NULL DEFAULT 'q' FIRST",
			want: dms.Change{Op: dms.OpAddColumn, Column: "f"}, cols: []string{"f", "id", "a", "c3", "g"},
			insert: "INSERT INTO d (id, a) VALUES (8, 's')", row: dms.Row{"q", int64(8), "s", nil, nil},
		},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var ddl dms.Change
			if s.ddl != "" {
				dmstest.MySQLExec(t, srv, s.ddl)
				ddl = dmstest.Next(t, cs)
				require.Equal(t, s.want.Op, ddl.Op)
				require.Equal(t, s.want.Column, ddl.Column)
				require.Equal(t, s.want.OldColumn, ddl.OldColumn)
				require.Equal(t, s.ddl, ddl.Statement)
				require.Equal(t, "d", ddl.Table.Table)
				require.Equal(t, s.cols, colNames(ddl.Table))
				require.NotZero(t, ddl.TransactionID)
				require.NotEmpty(t, ddl.Position)
				require.Nil(t, ddl.Data)
			}
			dmstest.MySQLExec(t, srv, s.insert)
			ins := dmstest.Next(t, cs)
			require.Equal(t, dms.OpInsert, ins.Op)
			require.Equal(t, s.cols, colNames(ins.Table))
			require.Equal(t, s.row, ins.Data)
			if s.ddl != "" {
				require.Same(t, ddl.Table, ins.Table, "the DDL's definition is the one the next rows use")
			}
		})
	}

	// The tracked definition matches what information_schema says now.
	last := dmstest.Next(t, func() dms.ChangeStream {
		dmstest.MySQLExec(t, srv, "UPDATE d SET a = 'r' WHERE id = 8")
		return cs
	}())
	now := tableDef(t, src, srv.Database, "d")
	require.Equal(t, withoutSourceType(now.Columns), withoutSourceType(last.Table.Columns))
	require.Equal(t, now.PrimaryKey, last.Table.PrimaryKey)
	require.Equal(t, now.Collation, last.Table.Collation)
	a := last.Table.Columns[last.Table.ColumnIndex("a")]
	require.Equal(t, dms.Column{Name: "a", Type: dms.TypeWString, Length: 30, SourceType: a.SourceType}, a)

	t.Run("create table", func(t *testing.T) {
		q := "CREATE TABLE d2 (id BIGINT NOT NULL, n VARCHAR(5), PRIMARY KEY (id)) COLLATE utf8mb4_bin"
		dmstest.MySQLExec(t, srv, q)
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpCreateTable, c.Op)
		require.Equal(t, q, c.Statement)
		require.Equal(t, "d2", c.Table.Table)
		require.Equal(t, []dms.Column{
			{Name: "id", Type: dms.TypeInt8},
			{Name: "n", Type: dms.TypeWString, Length: 5, Nullable: true},
		}, withoutSourceType(c.Table.Columns))
		require.Equal(t, []string{"id"}, c.Table.PrimaryKey)
		require.Equal(t, "utf8mb4_bin", c.Table.Collation)

		dmstest.MySQLExec(t, srv, "INSERT INTO d2 VALUES (1, 'n')")
		ins := dmstest.Next(t, cs)
		require.Same(t, c.Table, ins.Table)
		require.Equal(t, dms.Row{int64(1), "n"}, ins.Data)
	})

	t.Run("rename and drop table emit nothing", func(t *testing.T) {
		dmstest.MySQLExec(t, srv,
			"RENAME TABLE d2 TO d3",
			"INSERT INTO d3 VALUES (2, 'm')",
			"DROP TABLE d3",
			"ALTER TABLE d ALTER COLUMN a SET DEFAULT 'dflt'", // default changes are not captured
			"INSERT INTO d (id) VALUES (9)",
		)
		c := dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, "d3", c.Table.Table)
		require.Equal(t, dms.Row{int64(2), "m"}, c.Data)
		c = dmstest.Next(t, cs)
		require.Equal(t, dms.OpInsert, c.Op)
		require.Equal(t, dms.Row{"q", int64(9), "dflt", nil, nil}, c.Data)
	})
}
