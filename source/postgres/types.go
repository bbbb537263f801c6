package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/minidms/minidms/dms"
)

// querier is what catalogue reads need: a pgx connection or transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// colSpec is a column as the catalogue, the DDL audit table and pgoutput's
// Relation messages all describe it.
type colSpec struct {
	Name    string `json:"name"`
	Type    uint32 `json:"type"`
	Typmod  int32  `json:"typmod"`
	NotNull bool   `json:"notnull"`
}

// version is one definition of a table with the decoders of its values.
// def is handed out and never changed.
type version struct {
	def   *dms.TableDef
	decs  []decoder
	shape string
}

// shapeOf identifies a column list by what decoding depends on.
func shapeOf(cols []colSpec) string {
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s:%d:%d;", c.Name, c.Type, c.Typmod)
	}
	return b.String()
}

// typeKey is a column type with its modifier.
type typeKey struct {
	oid    uint32
	typmod int32
}

// mappedType is a PostgreSQL type in DMS terms.
type mappedType struct {
	col  dms.Column // Type, Length, Precision, Scale, SourceType
	kind valueKind
}

// resolver maps type OIDs to DMS types, reading pg_type once per type.
type resolver struct {
	q     querier
	cache map[typeKey]mappedType
}

func newResolver(q querier) *resolver {
	return &resolver{q: q, cache: map[typeKey]mappedType{}}
}

func (r *resolver) resolve(ctx context.Context, oid uint32, typmod int32) (mappedType, error) {
	k := typeKey{oid, typmod}
	if m, ok := r.cache[k]; ok {
		return m, nil
	}
	var sqlType string
	if err := r.q.QueryRow(ctx, "SELECT format_type($1, $2)", oid, typmod).Scan(&sqlType); err != nil {
		return mappedType{}, fmt.Errorf("format type %d: %w", oid, err)
	}
	// Domains take the type (and, unless the column has its own, the
	// modifier) of their base type; domains may stack, never in a cycle,
	// so a fixed bound only guards against a corrupt catalogue.
	base, baseMod := oid, typmod
	var name, nsp, typtype, category string
	for range 16 {
		var basetype uint32
		var domMod int32
		err := r.q.QueryRow(ctx, `SELECT t.typname, n.nspname, t.typtype::text, t.typcategory::text, t.typbasetype, t.typtypmod
			FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1`, base).
			Scan(&name, &nsp, &typtype, &category, &basetype, &domMod)
		if err != nil {
			return mappedType{}, fmt.Errorf("read type %d (%s): %w", base, sqlType, err)
		}
		if typtype != "d" {
			break
		}
		base = basetype
		if baseMod < 0 {
			baseMod = domMod
		}
	}
	m := mapType(name, nsp, typtype, category, baseMod)
	m.col.SourceType = sqlType
	r.cache[k] = m
	return m, nil
}

// mapType is the type map of the package doc. typmod is the base type's
// modifier (-1 for none).
func mapType(name, nsp, typtype, category string, typmod int32) mappedType {
	text := func(t dms.DataType, n int) mappedType {
		return mappedType{col: dms.Column{Type: t, Length: n}, kind: kindText}
	}
	switch {
	case typtype == "e":
		return text(dms.TypeString, 64)
	case category == "A":
		return text(dms.TypeNCLOB, 0)
	case name == "hstore":
		return text(dms.TypeNCLOB, 0)
	case nsp != "pg_catalog":
		return text(dms.TypeNCLOB, 0)
	}
	switch name {
	case "int2":
		return mappedType{col: dms.Column{Type: dms.TypeInt2}, kind: kindInt}
	case "int4":
		return mappedType{col: dms.Column{Type: dms.TypeInt4}, kind: kindInt}
	case "int8":
		return mappedType{col: dms.Column{Type: dms.TypeInt8}, kind: kindInt}
	case "numeric":
		if typmod < 4 {
			return mappedType{col: dms.Column{Type: dms.TypeNumeric, Precision: 28, Scale: 6}, kind: kindNumeric}
		}
		p, s := int((typmod-4)>>16)&0xffff, int(int16((typmod-4)&0xffff))
		if p > 38 {
			return text(dms.TypeString, p+2)
		}
		return mappedType{col: dms.Column{Type: dms.TypeNumeric, Precision: p, Scale: s}, kind: kindNumeric}
	case "money":
		return mappedType{col: dms.Column{Type: dms.TypeNumeric, Precision: 38, Scale: 4}, kind: kindMoney}
	case "float4":
		return mappedType{col: dms.Column{Type: dms.TypeReal4}, kind: kindReal4}
	case "float8":
		return mappedType{col: dms.Column{Type: dms.TypeReal8}, kind: kindReal8}
	case "bool":
		return mappedType{col: dms.Column{Type: dms.TypeBoolean}, kind: kindBool}
	case "bpchar", "varchar":
		if typmod < 4 {
			return text(dms.TypeNCLOB, 0)
		}
		return text(dms.TypeWString, int(typmod-4))
	case "text":
		return text(dms.TypeNCLOB, 0)
	case "bytea":
		return mappedType{col: dms.Column{Type: dms.TypeBLOB}, kind: kindBytes}
	case "timestamp", "timestamptz":
		return mappedType{col: dms.Column{Type: dms.TypeDateTime, Scale: fracDigits(typmod)}, kind: kindDateTime}
	case "date":
		return mappedType{col: dms.Column{Type: dms.TypeDate}, kind: kindText}
	case "time":
		return mappedType{col: dms.Column{Type: dms.TypeTime, Scale: fracDigits(typmod)}, kind: kindTime}
	case "interval":
		return text(dms.TypeString, 128)
	case "uuid":
		return text(dms.TypeString, 36)
	case "json", "jsonb":
		return text(dms.TypeNCLOB, 0)
	case "xml":
		return text(dms.TypeCLOB, 0)
	}
	return text(dms.TypeNCLOB, 0)
}

// fracDigits is the number of fractional second digits of a timestamp or
// time modifier: 6 when the column declares none.
func fracDigits(typmod int32) int {
	if typmod < 0 || typmod > 6 {
		return 6
	}
	return int(typmod)
}

// buildVersion makes a table definition from its columns.
func buildVersion(ctx context.Context, r *resolver, schema, table string, cols []colSpec, pk []string) (*version, error) {
	def := &dms.TableDef{Schema: schema, Table: table, Columns: make([]dms.Column, len(cols))}
	v := &version{def: def, decs: make([]decoder, len(cols)), shape: shapeOf(cols)}
	for i, c := range cols {
		m, err := r.resolve(ctx, c.Type, c.Typmod)
		if err != nil {
			return nil, fmt.Errorf("postgres source: column %s of %s.%s: %w", c.Name, schema, table, err)
		}
		col := m.col
		col.Name = c.Name
		col.Nullable = !c.NotNull
		def.Columns[i] = col
		v.decs[i] = decoder{name: c.Name, kind: m.kind, scale: col.Scale}
	}
	for _, k := range pk {
		if def.ColumnIndex(k) >= 0 {
			def.PrimaryKey = append(def.PrimaryKey, k)
		}
	}
	return v, nil
}

// tableInfo is a table as the catalogue describes it now.
type tableInfo struct {
	oid uint32
	// ident is pg_class.relreplident: d(efault), f(ull), i(ndex), n(othing).
	ident string
	*version
}

func systemSchema(s string) bool {
	return s == "pg_catalog" || s == "information_schema" || strings.HasPrefix(s, "pg_toast") || strings.HasPrefix(s, "pg_temp")
}

func (s *Source) selected(sel dms.TableSelector, schema, table string) bool {
	if systemSchema(schema) || (schema == s.artifactsSchema() && table == auditTable) {
		return false
	}
	return sel == nil || sel.Selected(schema, table)
}

// readTables reads the selected ordinary tables, ordered by schema and name.
func (s *Source) readTables(ctx context.Context, q querier, sel dms.TableSelector) ([]*tableInfo, error) {
	rows, err := q.Query(ctx, `SELECT c.oid, n.nspname, c.relname, c.relreplident::text
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' ORDER BY n.nspname, c.relname`)
	if err != nil {
		return nil, fmt.Errorf("postgres source: list tables: %w", err)
	}
	type rel struct {
		oid           uint32
		schema, table string
		ident         string
	}
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.oid, &r.schema, &r.table, &r.ident); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres source: list tables: %w", err)
		}
		if s.selected(sel, r.schema, r.table) {
			rels = append(rels, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres source: list tables: %w", err)
	}
	res := newResolver(q)
	out := make([]*tableInfo, 0, len(rels))
	for _, r := range rels {
		cols, pk, err := catalogColumns(ctx, q, r.oid)
		if err != nil {
			return nil, fmt.Errorf("postgres source: read columns of %s.%s: %w", r.schema, r.table, err)
		}
		v, err := buildVersion(ctx, res, r.schema, r.table, cols, pk)
		if err != nil {
			return nil, err
		}
		out = append(out, &tableInfo{oid: r.oid, ident: r.ident, version: v})
	}
	return out, nil
}

// catalogColumns reads a table's published columns (generated columns are
// not: pgoutput leaves them out) and its primary key in key order.
func catalogColumns(ctx context.Context, q querier, oid uint32) ([]colSpec, []string, error) {
	rows, err := q.Query(ctx, `SELECT attname, atttypid, atttypmod, attnotnull FROM pg_attribute
		WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`, oid)
	if err != nil {
		return nil, nil, err
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (colSpec, error) {
		var c colSpec
		err := r.Scan(&c.Name, &c.Type, &c.Typmod, &c.NotNull)
		return c, err
	})
	if err != nil {
		return nil, nil, err
	}
	rows, err = q.Query(ctx, `SELECT a.attname FROM pg_index i
		CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`, oid)
	if err != nil {
		return nil, nil, err
	}
	pk, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, err
	}
	return cols, pk, nil
}
