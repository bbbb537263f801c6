package mysql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/mysql"
)

// A table's source filter goes into the full-load SELECT, so the server
// sends only the rows the filter keeps: those the engine's own evaluation
// keeps, text compared byte by byte as the engine compares it.
func TestLoadPushesFilterDown(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL, age INT NULL, joined DATETIME NULL, tag VARBINARY(4) NULL) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci",
		`INSERT INTO people VALUES
			(1, 'Ann', 30, '2024-01-02 10:00:00', x'01'),
			(2, 'O''Brien', NULL, '2024-01-10 00:00:00', x'02'),
			(3, 'bob', 45, NULL, NULL),
			(4, 'Zed', 18, '2023-12-31 23:59:59', x'0A'),
			(5, 'a\\b', 60, NULL, x'61')`,
	)
	cond := func(column, conds string) string {
		return fmt.Sprintf(`{"filter-type": "source", "column-name": %q, "filter-conditions": [%s]}`, column, conds)
	}
	for _, tt := range []struct {
		name    string
		filters string // the selection rule's filters
		where   string // "" for no WHERE
		ids     []int64
	}{
		{"no filter", "", "", []int64{1, 2, 3, 4, 5}},
		{"eq", cond("id", `{"filter-operator": "eq", "value": "3"}`), "(`id` = 3)", []int64{3}},
		{"between", cond("age", `{"filter-operator": "between", "start-value": "18", "end-value": "30"}`), "(`age` BETWEEN 18 AND 30)", []int64{1, 4}},
		{"null", cond("age", `{"filter-operator": "null"}`), "(`age` IS NULL)", []int64{2}},
		{"string with a quote", cond("name", `{"filter-operator": "eq", "value": "O'Brien"}`),
			"(CAST(CONVERT(`name` USING utf8mb4) AS BINARY) = 'O\\'Brien')", []int64{2}},
		{"string with a backslash", cond("name", `{"filter-operator": "eq", "value": "a\\b"}`),
			"(CAST(CONVERT(`name` USING utf8mb4) AS BINARY) = 'a\\\\b')", []int64{5}},
		{"text compares byte by byte, not by collation", cond("name", `{"filter-operator": "gte", "value": "a"}`),
			"(CAST(CONVERT(`name` USING utf8mb4) AS BINARY) >= 'a')", []int64{3, 5}},
		{"datetime compares as text", cond("joined", `{"filter-operator": "between", "start-value": "2024-01-02", "end-value": "2024-01-05"}`),
			"(CAST(CONVERT(`joined` USING utf8mb4) AS BINARY) BETWEEN '2024-01-02' AND '2024-01-05')", []int64{1}},
		{"binary", cond("tag", `{"filter-operator": "lte", "value": "\u0002"}`), "(CAST(`tag` AS BINARY) <= '\u0002')", []int64{1, 2}},
		{"conditions OR-ed, filters AND-ed", cond("age", `{"filter-operator": "gte", "value": "40"}, {"filter-operator": "null"}`) + "," + cond("id", `{"filter-operator": "noteq", "value": "5"}`),
			"(`age` >= 40 OR `age` IS NULL) AND (`id` <> 5)", []int64{2, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rule := fmt.Sprintf(`{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
				"object-locator": {"schema-name": %q, "table-name": "people"}`, srv.Database)
			if tt.filters != "" {
				rule += `, "filters": [` + tt.filters + `]`
			}
			m, err := mapping.ParseTableMappings(`{"rules": [` + rule + `}]}`)
			require.NoError(t, err)
			var logs bytes.Buffer
			src := mysql.New(mysql.Config{Addr: srv.Addr, User: srv.User, Password: srv.Password,
				Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			sn, err := src.Snapshot(ctx)
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, sn.Close()) })
			defs, err := sn.Tables(ctx, m)
			require.NoError(t, err)
			require.Len(t, defs, 1)
			var ids []int64
			for _, r := range load(t, sn, defs[0]) {
				ids = append(ids, r[0].(int64))
			}
			require.Equal(t, tt.ids, ids)

			want := "SELECT `id`, `name`, `age`, `joined`, `tag` FROM `" + srv.Database + "`.`people`"
			if tt.where != "" {
				want += " WHERE " + tt.where
			}
			require.Equal(t, []string{want}, loadQueries(t, logs.String()))
		})
	}
}

// A selector without filters, or a definition Tables did not return, loads
// the whole table.
func TestLoadWithoutFilterSelector(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	var logs bytes.Buffer
	src := mysql.New(mysql.Config{Addr: srv.Addr, User: srv.User, Password: srv.Password,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sn, err := src.Snapshot(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, sn.Close()) })
	defs, err := sn.Tables(ctx, schemaSel(srv.Database))
	require.NoError(t, err)
	require.Len(t, defs, 1)
	require.Equal(t, []dms.Row{{int64(1)}, {int64(2)}}, load(t, sn, defs[0]))
	require.Equal(t, []string{"SELECT `id` FROM `" + srv.Database + "`.`t`"}, loadQueries(t, logs.String()))
}

// loadQueries returns the queries of the "full load" debug records.
func loadQueries(t *testing.T, logs string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec struct{ Msg, Query string }
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec.Msg == "full load" {
			out = append(out, rec.Query)
		}
	}
	return out
}
