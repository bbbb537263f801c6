package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/minidms/minidms/dms"
)

// auditColumns is what the event trigger records of the table a statement
// created or altered, as of the end of the statement.
type auditColumns struct {
	// Rename is set for ALTER TABLE … RENAME COLUMN (PostgreSQL reports it
	// as a "table column" object), which never has other subcommands.
	Rename     bool      `json:"rename"`
	Columns    []colSpec `json:"columns"`
	PrimaryKey []string  `json:"primary_key"`
}

// The audit table has AWS DMS's columns plus c_columns, the table's columns
// after the statement, so the stream needs neither a SQL parser nor a
// catalogue read that may already be ahead of the stream.
const auditTableSQL = `CREATE TABLE IF NOT EXISTS %[1]s.awsdms_ddl_audit (
	c_key     bigserial PRIMARY KEY,
	c_time    timestamp,
	c_user    varchar(64),
	c_txn     varchar(16),
	c_tag     varchar(24),
	c_oid     bigint,
	c_name    varchar(64),
	c_schema  varchar(64),
	c_ddlqry  text,
	c_columns jsonb)`

// The trigger function is SECURITY DEFINER so any role's DDL is recorded,
// and a new table joins every publication that captures DDL at once (a
// stream adding it later would miss the rows written in between); a
// stream skips new tables it does not select. Left out are temporary and
// unlogged tables (PostgreSQL cannot publish them) and tables without a
// replica identity (in a publication of updates, their UPDATEs would
// fail). A failure inside the trigger is only a warning: the user's
// statement must never fail because of replication.
const triggerFunctionSQL = `CREATE OR REPLACE FUNCTION %[1]s.awsdms_intercept_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
	r record;
	rel record;
	p record;
BEGIN
	FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type IN ('table', 'table column') LOOP
		SELECT c.relname, n.nspname, c.relkind, c.relpersistence, c.relreplident,
			EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS haspk
			INTO rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = r.objid;
		IF NOT FOUND OR rel.relkind <> 'r' OR rel.relpersistence <> 'p'
			OR (rel.nspname = %[2]s AND rel.relname = 'awsdms_ddl_audit') THEN
			CONTINUE;
		END IF;
		BEGIN
			INSERT INTO %[1]s.awsdms_ddl_audit (c_time, c_user, c_txn, c_tag, c_oid, c_name, c_schema, c_ddlqry, c_columns)
			VALUES (now(), current_user, txid_current()::text, r.command_tag, r.objid, rel.relname, rel.nspname, current_query(),
				%[1]s.awsdms_table_shape(r.objid) || jsonb_build_object('rename', r.object_type = 'table column'));
			IF r.command_tag = 'CREATE TABLE' AND (rel.relreplident IN ('f', 'i') OR (rel.relreplident = 'd' AND rel.haspk)) THEN
				FOR p IN SELECT pb.pubname FROM pg_publication pb
					WHERE NOT pb.puballtables
					AND EXISTS (SELECT 1 FROM pg_publication_tables pt WHERE pt.pubname = pb.pubname
						AND pt.schemaname = %[2]s AND pt.tablename = 'awsdms_ddl_audit')
					AND NOT EXISTS (SELECT 1 FROM pg_publication_tables pt WHERE pt.pubname = pb.pubname
						AND pt.schemaname = rel.nspname AND pt.tablename = rel.relname) LOOP
					EXECUTE format('ALTER PUBLICATION %%I ADD TABLE %%s', p.pubname, r.objid::regclass);
				END LOOP;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'awsdms_intercept_ddl: %% (DDL of %%.%% not captured)', SQLERRM, rel.nspname, rel.relname;
		END;
	END LOOP;
END
$fn$`

// shapeFunctionSQL describes a table's published columns and primary key,
// for the audit table's c_columns.
const shapeFunctionSQL = `CREATE OR REPLACE FUNCTION %[1]s.awsdms_table_shape(t oid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
SELECT jsonb_build_object(
	'columns', COALESCE((SELECT jsonb_agg(jsonb_build_object('name', a.attname, 'type', a.atttypid::bigint,
			'typmod', a.atttypmod, 'notnull', a.attnotnull) ORDER BY a.attnum)
		FROM pg_attribute a WHERE a.attrelid = t AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '[]'),
	'primary_key', COALESCE((SELECT jsonb_agg(a.attname ORDER BY k.ord) FROM pg_index i
		CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = t AND i.indisprimary), '[]'))
$fn$`

// ensureArtifacts creates the DDL capture artifacts where they are missing.
func (s *Source) ensureArtifacts(ctx context.Context, conn *pgx.Conn) error {
	schema := pgx.Identifier{s.artifactsSchema()}.Sanitize()
	lit := quoteLiteral(s.artifactsSchema())
	var hasTrigger bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = $1)", triggerName).Scan(&hasTrigger); err != nil {
		return fmt.Errorf("postgres source: read event triggers: %w", err)
	}
	stmts := []string{fmt.Sprintf(auditTableSQL, schema)}
	if !hasTrigger {
		stmts = append(stmts,
			fmt.Sprintf(shapeFunctionSQL, schema),
			fmt.Sprintf(triggerFunctionSQL, schema, lit),
			fmt.Sprintf("CREATE EVENT TRIGGER %s ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE') EXECUTE FUNCTION %s.awsdms_intercept_ddl()", triggerName, schema))
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil && !isDuplicate(err) {
			return fmt.Errorf("postgres source: create DDL capture artifacts in schema %s (set CaptureDdls to false to do without): %w", s.artifactsSchema(), err)
		}
	}
	return nil
}

// recordBaselines writes, for each selected table the audit table has no
// row of yet, a BASELINE row with its columns now. A statement's audit row
// records the columns after it; the table's previous audit row holds those
// before it, which is what a stream resumed from before the statement
// (when the catalogue is already past it) compares with.
func (s *Source) recordBaselines(ctx context.Context, conn *pgx.Conn, tables []*tableInfo) error {
	oids := make([]uint32, len(tables))
	for i, t := range tables {
		oids[i] = t.oid
	}
	schema := pgx.Identifier{s.artifactsSchema()}.Sanitize()
	_, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %[1]s.awsdms_ddl_audit (c_time, c_user, c_tag, c_oid, c_name, c_schema, c_columns)
		SELECT now(), current_user, 'BASELINE', c.oid, c.relname, n.nspname, %[1]s.awsdms_table_shape(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = ANY($1) AND NOT EXISTS (SELECT 1 FROM %[1]s.awsdms_ddl_audit a WHERE a.c_oid = c.oid)`, schema), oids)
	if err != nil {
		return fmt.Errorf("postgres source: record table definitions in %s.%s: %w", s.artifactsSchema(), auditTable, err)
	}
	return nil
}

// auditedBefore returns the table's definition as the audit row before
// key recorded it, or nil when there is none.
func (st *stream) auditedBefore(ctx context.Context, relID uint32, keyText string) (*version, error) {
	key, err := strconv.ParseInt(keyText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("postgres source: audit row key %q: %w", keyText, err)
	}
	var schema, table, cols string
	err = st.side.QueryRow(ctx, fmt.Sprintf(`SELECT c_schema, c_name, c_columns::text FROM %s.awsdms_ddl_audit
		WHERE c_oid = $1 AND c_key < $2 AND c_columns IS NOT NULL ORDER BY c_key DESC LIMIT 1`,
		pgx.Identifier{st.src.artifactsSchema()}.Sanitize()), relID, key).Scan(&schema, &table, &cols)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres source: read the audit row before %d: %w", key, err)
	}
	var ac auditColumns
	if err := json.Unmarshal([]byte(cols), &ac); err != nil {
		return nil, fmt.Errorf("postgres source: audit row before %d: columns: %w", key, err)
	}
	return buildVersion(ctx, st.res, schema, table, ac.Columns, ac.PrimaryKey)
}

func isDuplicate(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42710" || pe.Code == "42P07" || pe.Code == "23505")
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// handleAudit turns a row of the audit table into the control changes AWS
// DMS emits and installs the table's new definition.
func (st *stream) handleAudit(ctx context.Context, rs *relState, tuple *pglogrepl.TupleData) error {
	val := func(name string) string {
		for i, c := range rs.cols {
			if c.Name == name && i < len(tuple.Columns) && tuple.Columns[i].DataType == pglogrepl.TupleDataTypeText {
				return string(tuple.Columns[i].Data)
			}
		}
		return ""
	}
	tag, schema, table, stmt := val("c_tag"), val("c_schema"), val("c_name"), val("c_ddlqry")
	oid, err := strconv.ParseUint(val("c_oid"), 10, 32)
	if err != nil || (tag != "CREATE TABLE" && tag != "ALTER TABLE") || val("c_columns") == "" {
		// Not a statement this source turns into changes (BASELINE rows,
		// rows of AWS's own trigger, which lack c_columns).
		return nil
	}
	relID := uint32(oid)
	if !st.src.selected(st.sel, schema, table) {
		delete(st.tracked, relID) // renamed out of the selection, or never in it
		return nil
	}
	prev := st.tracked[relID]
	if !st.own[relID] {
		// The tracked definition is today's catalogue, maybe already past
		// this statement: the previous audit row has the columns before it.
		h, err := st.auditedBefore(ctx, relID, val("c_key"))
		if err != nil {
			return err
		}
		if h != nil {
			prev = h
		}
	}
	var cols auditColumns
	if err := json.Unmarshal([]byte(val("c_columns")), &cols); err != nil {
		return fmt.Errorf("postgres source: DDL audit row for %s.%s: columns: %w", schema, table, err)
	}
	v, err := buildVersion(ctx, st.res, schema, table, cols.Columns, cols.PrimaryKey)
	if err != nil {
		return err
	}
	st.own[relID] = true
	if prev != nil && reflect.DeepEqual(prev.def, v.def) {
		st.tracked[relID] = prev
		return nil
	}
	st.tracked[relID] = v
	if tag == "CREATE TABLE" {
		st.emit(dms.Change{Op: dms.OpCreateTable, Table: v.def, Statement: stmt})
		return nil
	}
	if prev == nil {
		return nil // renamed into the selection: AWS emits nothing for RENAME TABLE
	}
	for _, c := range diffColumns(prev.def, v.def, cols.Rename) {
		c.Table, c.Statement = v.def, stmt
		st.emit(c)
	}
	return nil
}

// diffColumns lists the column changes from one definition to the next:
// a rename, or the dropped columns, then the added and retyped ones in
// column order. A change of nullability, default or key alone is none.
func diffColumns(prev, next *dms.TableDef, rename bool) []dms.Change {
	var gone, added []string
	for _, c := range prev.Columns {
		if next.ColumnIndex(c.Name) < 0 {
			gone = append(gone, c.Name)
		}
	}
	for _, c := range next.Columns {
		if prev.ColumnIndex(c.Name) < 0 {
			added = append(added, c.Name)
		}
	}
	if rename && len(gone) == 1 && len(added) == 1 {
		return []dms.Change{{Op: dms.OpRenameColumn, OldColumn: gone[0], Column: added[0]}}
	}
	var out []dms.Change
	for _, name := range gone {
		out = append(out, dms.Change{Op: dms.OpDropColumn, Column: name})
	}
	for _, c := range next.Columns {
		i := prev.ColumnIndex(c.Name)
		switch {
		case i < 0:
			out = append(out, dms.Change{Op: dms.OpAddColumn, Column: c.Name})
		case prev.Columns[i].SourceType != c.SourceType:
			out = append(out, dms.Change{Op: dms.OpColumnTypeChange, Column: c.Name})
		}
	}
	return out
}
