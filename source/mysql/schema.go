package mysql

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/minidms/minidms/dms"
)

// readTables discovers the selected base tables from information_schema.
// only, when not nil, restricts the result to those tables (selected or
// not).
func readTables(ctx context.Context, cn *conn, sel dms.TableSelector, only []dms.TableID) ([]*tableInfo, error) {
	sys := make([]string, len(systemSchemas))
	for i, s := range systemSchemas {
		sys[i] = quoteLiteral(s)
	}
	q := "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES" +
		" WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (" + strings.Join(sys, ",") + ")"
	if only != nil {
		if len(only) == 0 {
			return nil, nil
		}
		q += " AND (" + tableFilter(only) + ")"
	}
	rows, err := cn.rows(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: list tables: %w", cn.addr, err)
	}
	byID := map[dms.TableID]*tableInfo{}
	var ids []dms.TableID
	for _, r := range rows {
		id := dms.TableID{Schema: str(r[0]), Table: str(r[1])}
		if only == nil && sel != nil && !sel.Selected(id.Schema, id.Table) {
			continue
		}
		byID[id] = &tableInfo{Schema: id.Schema, Table: id.Table, Collation: str(r[2])}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Schema != ids[j].Schema {
			return ids[i].Schema < ids[j].Schema
		}
		return ids[i].Table < ids[j].Table
	})
	filter := tableFilter(ids)

	rows, err = cn.rows(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,"+
		" CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE"+
		" FROM information_schema.COLUMNS WHERE "+filter+
		" ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION")
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: read columns: %w", cn.addr, err)
	}
	for _, r := range rows {
		t := byID[dms.TableID{Schema: str(r[0]), Table: str(r[1])}]
		if t == nil {
			continue
		}
		st, err := fromInfoSchema(str(r[3]), str(r[4]), atoi64(str(r[5])), atoi64(str(r[6])), atoi64(str(r[7])), atoi64(str(r[8])))
		if err != nil {
			return nil, fmt.Errorf("mysql source: table %s.%s column %s: %w", t.Schema, t.Table, str(r[2]), err)
		}
		t.Cols = append(t.Cols, colInfo{
			Name:       str(r[2]),
			Type:       st,
			Nullable:   strings.EqualFold(str(r[9]), "YES"),
			SourceType: str(r[4]),
		})
	}

	rows, err = cn.rows(ctx, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS"+
		" WHERE INDEX_NAME = 'PRIMARY' AND ("+filter+") ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX")
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: read primary keys: %w", cn.addr, err)
	}
	for _, r := range rows {
		if t := byID[dms.TableID{Schema: str(r[0]), Table: str(r[1])}]; t != nil {
			t.PK = append(t.PK, str(r[2]))
		}
	}

	out := make([]*tableInfo, 0, len(ids))
	for _, id := range ids {
		if t := byID[id]; len(t.Cols) > 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// tableFilter is a WHERE condition on TABLE_SCHEMA and TABLE_NAME matching
// the tables.
func tableFilter(ids []dms.TableID) string {
	bySchema := map[string][]string{}
	var schemas []string
	for _, id := range ids {
		if _, ok := bySchema[id.Schema]; !ok {
			schemas = append(schemas, id.Schema)
		}
		bySchema[id.Schema] = append(bySchema[id.Schema], quoteLiteral(id.Table))
	}
	parts := make([]string, 0, len(schemas))
	for _, s := range schemas {
		parts = append(parts, "(TABLE_SCHEMA = "+quoteLiteral(s)+" AND TABLE_NAME IN ("+strings.Join(bySchema[s], ",")+"))")
	}
	return strings.Join(parts, " OR ")
}
