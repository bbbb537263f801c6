package mysql

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/charset"
	pmysql "github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // expression values for the parser

	"github.com/minidms/minidms/dms"
)

// ddlChange is one control change a DDL statement produces.
type ddlChange struct {
	op          dms.Operation
	column, old string
}

// handleDDL applies a statement to the schema tracker and queues the control
// changes AWS DMS emits for it: CREATE TABLE and ALTER TABLE's ADD, DROP,
// MODIFY, CHANGE and RENAME COLUMN on selected tables. RENAME TABLE and DROP
// TABLE only update the tracker (AWS emits nothing for them).
func (st *stream) handleDDL(ctx context.Context, evStart, evEnd uint32, schema, q string) error {
	stmts, _, err := st.parser.Parse(q, "", "")
	if err != nil {
		return st.unparsedDDL(ctx, evStart, evEnd, schema, q, err)
	}
	idx := 0
	for _, stmt := range stmts {
		var (
			info    *tableInfo
			changes []ddlChange
			err     error
		)
		switch n := stmt.(type) {
		case *ast.AlterTableStmt:
			info, changes, err = st.alterTable(ctx, schema, n)
		case *ast.CreateTableStmt:
			info, changes, err = st.createTable(ctx, schema, n)
		case *ast.RenameTableStmt:
			for _, tt := range n.TableToTables {
				st.renameTable(ctx, tableID(tt.OldTable, schema), tableID(tt.NewTable, schema))
			}
		case *ast.DropTableStmt:
			for _, t := range n.Tables {
				st.tracker.drop(tableID(t, schema))
			}
		}
		if err != nil {
			return err
		}
		if info == nil || len(changes) == 0 {
			continue
		}
		tr := st.tracker.get(dms.TableID{Schema: info.Schema, Table: info.Table})
		for _, c := range changes {
			if st.admit(evStart, idx) {
				st.emit(dms.Change{Op: c.op, Table: tr.def, Statement: q, Column: c.column, OldColumn: c.old}, evStart, evEnd, idx)
			}
			idx++
		}
	}
	return nil
}

func tableID(t *ast.TableName, defaultSchema string) dms.TableID {
	s := t.Schema.O
	if s == "" {
		s = defaultSchema
	}
	return dms.TableID{Schema: s, Table: t.Name.O}
}

func (st *stream) selectedID(id dms.TableID) bool { return st.selected(id.Schema, id.Table) }

// alterTable applies ALTER TABLE to the tracked definition.
func (st *stream) alterTable(ctx context.Context, schema string, n *ast.AlterTableStmt) (*tableInfo, []ddlChange, error) {
	id := tableID(n.Table, schema)
	var renameTo *dms.TableID
	for _, spec := range n.Specs {
		if spec.Tp == ast.AlterTableRenameTable && spec.NewTable != nil {
			to := tableID(spec.NewTable, schema)
			renameTo = &to
		}
	}
	if !st.selectedID(id) {
		if renameTo != nil {
			st.renameTable(ctx, id, *renameTo)
		}
		return nil, nil, nil
	}
	var info *tableInfo
	if tr := st.tracker.get(id); tr != nil {
		info = tr.info.clone()
	} else {
		var err error
		if info, err = st.reread(ctx, id); err != nil || info == nil {
			return nil, nil, err
		}
	}
	var (
		changes []ddlChange
		reread  bool
	)
	for _, spec := range n.Specs {
		switch spec.Tp {
		case ast.AlterTableAddColumns:
			for _, cd := range spec.NewColumns {
				c, pk, err := st.colFromDef(cd)
				if err != nil {
					return nil, nil, st.ddlErr(id, err)
				}
				if i := info.colIndex(c.Name); i >= 0 {
					if spec.IfNotExists {
						continue
					}
					info.Cols = append(info.Cols[:i], info.Cols[i+1:]...)
				}
				info.Cols = insertAt(info.Cols, c, columnPosition(info, spec.Position, len(info.Cols)))
				if pk {
					info.PK = []string{c.Name}
				}
				changes = append(changes, ddlChange{op: dms.OpAddColumn, column: c.Name})
			}
			for _, con := range spec.NewConstraints {
				applyConstraint(info, con)
			}
		case ast.AlterTableDropColumn:
			name := spec.OldColumnName.Name.O
			i := info.colIndex(name)
			if i < 0 {
				if !spec.IfExists {
					reread = true
				}
				continue
			}
			name = info.Cols[i].Name
			info.Cols = append(info.Cols[:i], info.Cols[i+1:]...)
			info.PK = removeName(info.PK, name)
			changes = append(changes, ddlChange{op: dms.OpDropColumn, column: name})
		case ast.AlterTableModifyColumn, ast.AlterTableChangeColumn:
			if len(spec.NewColumns) == 0 {
				continue
			}
			c, pk, err := st.colFromDef(spec.NewColumns[0])
			if err != nil {
				return nil, nil, st.ddlErr(id, err)
			}
			old := c.Name
			if spec.Tp == ast.AlterTableChangeColumn && spec.OldColumnName != nil {
				old = spec.OldColumnName.Name.O
			}
			i := info.colIndex(old)
			if i < 0 {
				if !spec.IfExists {
					reread = true
				}
				continue
			}
			old = info.Cols[i].Name
			info.Cols = append(info.Cols[:i], info.Cols[i+1:]...)
			at := i
			if spec.Position != nil && spec.Position.Tp != ast.ColumnPositionNone {
				at = columnPosition(info, spec.Position, i)
			}
			info.Cols = insertAt(info.Cols, c, at)
			info.PK = renameName(info.PK, old, c.Name)
			if pk {
				info.PK = []string{c.Name}
			}
			if spec.Tp == ast.AlterTableModifyColumn {
				changes = append(changes, ddlChange{op: dms.OpColumnTypeChange, column: c.Name})
			} else {
				changes = append(changes, ddlChange{op: dms.OpChangeColumns, column: c.Name, old: old})
			}
		case ast.AlterTableRenameColumn:
			old, name := spec.OldColumnName.Name.O, spec.NewColumnName.Name.O
			i := info.colIndex(old)
			if i < 0 {
				reread = true
				continue
			}
			old = info.Cols[i].Name
			info.Cols[i].Name = name
			info.PK = renameName(info.PK, old, name)
			changes = append(changes, ddlChange{op: dms.OpRenameColumn, column: name, old: old})
		case ast.AlterTableAddConstraint:
			applyConstraint(info, spec.Constraint)
		case ast.AlterTableDropPrimaryKey:
			info.PK = nil
		case ast.AlterTableOption:
			for _, o := range spec.Options {
				switch o.Tp {
				case ast.TableOptionCollate:
					info.Collation = o.StrValue
				case ast.TableOptionCharset:
					// CONVERT TO changes column types, a new default charset
					// the table's collation: information_schema knows both.
					reread = true
				}
			}
		}
	}
	if reread {
		if fresh, err := st.reread(ctx, id); err != nil {
			return nil, nil, err
		} else if fresh != nil {
			info = fresh
		}
	}
	if renameTo != nil {
		st.tracker.drop(id)
		info.Schema, info.Table = renameTo.Schema, renameTo.Table
		if !st.selectedID(*renameTo) {
			return nil, nil, nil
		}
	}
	if _, err := st.tracker.set(info); err != nil {
		return nil, nil, st.ddlErr(id, err)
	}
	return info, changes, nil
}

// createTable tracks a new table.
func (st *stream) createTable(ctx context.Context, schema string, n *ast.CreateTableStmt) (*tableInfo, []ddlChange, error) {
	id := tableID(n.Table, schema)
	if !st.selectedID(id) || n.TemporaryKeyword != ast.TemporaryNone {
		return nil, nil, nil
	}
	if n.IfNotExists && st.tracker.get(id) != nil {
		return nil, nil, nil
	}
	var info *tableInfo
	if n.ReferTable != nil || n.Select != nil {
		var err error
		if info, err = st.reread(ctx, id); err != nil || info == nil {
			return nil, nil, err
		}
	} else {
		info = &tableInfo{Schema: id.Schema, Table: id.Table}
		for _, cd := range n.Cols {
			c, pk, err := st.colFromDef(cd)
			if err != nil {
				return nil, nil, st.ddlErr(id, err)
			}
			info.Cols = append(info.Cols, c)
			if pk {
				info.PK = []string{c.Name}
			}
		}
		for _, con := range n.Constraints {
			applyConstraint(info, con)
		}
		for _, o := range n.Options {
			if o.Tp == ast.TableOptionCollate {
				info.Collation = o.StrValue
			}
		}
		if info.Collation == "" {
			// The default comes from the schema or the charset option:
			// information_schema has the table's.
			if fresh, err := st.reread(ctx, id); err != nil {
				return nil, nil, err
			} else if fresh != nil {
				info.Collation = fresh.Collation
			}
		}
	}
	if _, err := st.tracker.set(info); err != nil {
		return nil, nil, st.ddlErr(id, err)
	}
	return info, []ddlChange{{op: dms.OpCreateTable}}, nil
}

// renameTable moves a tracked table; a table renamed into the selection
// without a tracked definition is read from information_schema.
func (st *stream) renameTable(ctx context.Context, from, to dms.TableID) {
	tr := st.tracker.get(from)
	st.tracker.drop(from)
	if !st.selectedID(to) {
		return
	}
	var info *tableInfo
	if tr != nil {
		info = tr.info.clone()
		info.Schema, info.Table = to.Schema, to.Table
	} else if fresh, err := st.reread(ctx, to); err == nil && fresh != nil {
		info = fresh
	} else {
		st.log.Warn("renamed table not found in information_schema", "table", to, "err", err)
		return
	}
	if _, err := st.tracker.set(info); err != nil {
		st.log.Warn("renamed table not tracked", "table", to, "err", err)
	}
}

func (st *stream) ddlErr(id dms.TableID, err error) error {
	return fmt.Errorf("mysql source: DDL on %s in %s: %w", id, st.file, err)
}

// ddlTarget finds the table of a CREATE or ALTER TABLE statement the parser
// cannot read.
var ddlTarget = regexp.MustCompile("(?is)^\\s*(?:/\\*.*?\\*/\\s*)*(CREATE|ALTER)\\s+(?:(?:OR\\s+REPLACE|ONLINE|OFFLINE|IGNORE)\\s+)*TABLE\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?((?:`(?:[^`]|``)+`|[\\w$]+)(?:\\s*\\.\\s*(?:`(?:[^`]|``)+`|[\\w$]+))?)")

// unparsedDDL handles a statement the parser rejected: for CREATE or ALTER
// TABLE of a selected table it re-reads the table from information_schema
// and emits the difference (created table, added, dropped and retyped
// columns).
func (st *stream) unparsedDDL(ctx context.Context, evStart, evEnd uint32, schema, q string, perr error) error {
	m := ddlTarget.FindStringSubmatch(q)
	if m == nil {
		st.log.Debug("statement not parsed, ignored", "statement", q, "err", perr)
		return nil
	}
	id := splitName(m[2], schema)
	if !st.selectedID(id) {
		return nil
	}
	st.log.Warn("DDL not understood; re-reading the table from information_schema", "table", id, "file", st.file, "pos", evStart, "statement", q, "err", perr)
	fresh, err := st.reread(ctx, id)
	if err != nil || fresh == nil {
		return err
	}
	old := st.tracker.get(id)
	tr, err := st.tracker.set(fresh)
	if err != nil {
		return st.ddlErr(id, err)
	}
	var changes []ddlChange
	if old == nil {
		changes = append(changes, ddlChange{op: dms.OpCreateTable})
	} else {
		for _, c := range old.info.Cols {
			if fresh.colIndex(c.Name) < 0 {
				changes = append(changes, ddlChange{op: dms.OpDropColumn, column: c.Name})
			}
		}
		for _, c := range fresh.Cols {
			i := old.info.colIndex(c.Name)
			if i < 0 {
				changes = append(changes, ddlChange{op: dms.OpAddColumn, column: c.Name})
				continue
			}
			a, _ := mapType(old.info.Cols[i].Type)
			b, _ := mapType(c.Type)
			if a != b {
				changes = append(changes, ddlChange{op: dms.OpColumnTypeChange, column: c.Name})
			}
		}
	}
	for i, c := range changes {
		if st.admit(evStart, i) {
			st.emit(dms.Change{Op: c.op, Table: tr.def, Statement: q, Column: c.column, OldColumn: c.old}, evStart, evEnd, i)
		}
	}
	return nil
}

func splitName(s, defaultSchema string) dms.TableID {
	unq := func(x string) string {
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "`") && strings.HasSuffix(x, "`") && len(x) >= 2 {
			return strings.ReplaceAll(x[1:len(x)-1], "``", "`")
		}
		return x
	}
	// split at a dot outside backquotes
	in := false
	for i, r := range s {
		switch {
		case r == '`':
			in = !in
		case r == '.' && !in:
			return dms.TableID{Schema: unq(s[:i]), Table: unq(s[i+1:])}
		}
	}
	return dms.TableID{Schema: defaultSchema, Table: unq(s)}
}

// reread reads one table from information_schema; nil when it does not
// exist (any more).
func (st *stream) reread(ctx context.Context, id dms.TableID) (*tableInfo, error) {
	cn, err := st.src.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cn.close()
	infos, err := readTables(ctx, cn, nil, []dms.TableID{id})
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, nil
	}
	return infos[0], nil
}

// colFromDef reads a column definition of CREATE or ALTER TABLE; pk reports
// an inline PRIMARY KEY.
func (st *stream) colFromDef(cd *ast.ColumnDef) (colInfo, bool, error) {
	t, err := fromFieldType(cd.Tp, st.flavor)
	if err != nil {
		return colInfo{}, false, fmt.Errorf("column %s: %w", cd.Name.Name.O, err)
	}
	c := colInfo{Name: cd.Name.Name.O, Type: t, Nullable: true}
	pk := false
	for _, o := range cd.Options {
		switch o.Tp {
		case ast.ColumnOptionNotNull:
			c.Nullable = false
		case ast.ColumnOptionNull:
			c.Nullable = true
		case ast.ColumnOptionPrimaryKey:
			c.Nullable = false
			pk = true
		}
	}
	return c, pk, nil
}

// fromFieldType builds the type of a parsed column definition. MariaDB's JSON
// is its LONGTEXT alias.
func fromFieldType(ft interface {
	GetType() byte
	GetFlen() int
	GetDecimal() int
	GetFlag() uint
	GetCharset() string
	GetElems() []string
}, flavor string) (sqlType, error) {
	flen, dec := ft.GetFlen(), ft.GetDecimal()
	binary := ft.GetCharset() == charset.CharsetBin
	t := sqlType{Unsigned: pmysql.HasUnsignedFlag(ft.GetFlag())}
	orDefault := func(v, d int) int {
		if v < 0 {
			return d
		}
		return v
	}
	text := func(tiny, normal, medium, long string) string {
		switch ft.GetType() {
		case pmysql.TypeTinyBlob:
			return tiny
		case pmysql.TypeMediumBlob:
			return medium
		case pmysql.TypeLongBlob:
			return long
		}
		if flen > 0 {
			// TEXT(n) / BLOB(n): the smallest type holding n characters.
			n := flen
			if !binary {
				n *= charsetMaxLen(ft.GetCharset())
			}
			switch {
			case n < 1<<8:
				return tiny
			case n < 1<<16:
				return normal
			case n < 1<<24:
				return medium
			}
			return long
		}
		return normal
	}
	switch ft.GetType() {
	case pmysql.TypeTiny:
		t.Base = "tinyint"
	case pmysql.TypeShort:
		t.Base = "smallint"
	case pmysql.TypeInt24:
		t.Base = "mediumint"
	case pmysql.TypeLong:
		t.Base = "int"
	case pmysql.TypeLonglong:
		t.Base = "bigint"
	case pmysql.TypeNewDecimal:
		t.Base, t.Precision, t.Scale = "decimal", orDefault(flen, 10), orDefault(dec, 0)
	case pmysql.TypeFloat:
		t.Base = "float"
	case pmysql.TypeDouble:
		t.Base = "double"
	case pmysql.TypeBit:
		t.Base, t.Length = "bit", orDefault(flen, 1)
	case pmysql.TypeDate:
		t.Base = "date"
	case pmysql.TypeDatetime:
		t.Base, t.Scale = "datetime", orDefault(dec, 0)
	case pmysql.TypeTimestamp:
		t.Base, t.Scale = "timestamp", orDefault(dec, 0)
	case pmysql.TypeDuration:
		t.Base, t.Scale = "time", orDefault(dec, 0)
	case pmysql.TypeYear:
		t.Base = "year"
	case pmysql.TypeString:
		t.Base, t.Length = "char", orDefault(flen, 1)
		if binary {
			t.Base = "binary"
		}
	case pmysql.TypeVarchar, pmysql.TypeVarString:
		t.Base, t.Length = "varchar", orDefault(flen, 0)
		if binary {
			t.Base = "varbinary"
		}
	case pmysql.TypeTinyBlob, pmysql.TypeBlob, pmysql.TypeMediumBlob, pmysql.TypeLongBlob:
		if binary {
			t.Base = text("tinyblob", "blob", "mediumblob", "longblob")
		} else {
			t.Base = text("tinytext", "text", "mediumtext", "longtext")
		}
	case pmysql.TypeEnum:
		t.Base, t.Elems = "enum", append([]string(nil), ft.GetElems()...)
	case pmysql.TypeSet:
		t.Base, t.Elems = "set", append([]string(nil), ft.GetElems()...)
	case pmysql.TypeJSON:
		t.Base = "json"
		if flavor == FlavorMariaDB {
			t.Base = "longtext"
		}
	case pmysql.TypeGeometry:
		t.Base = "geometry"
	default:
		return t, fmt.Errorf("unsupported column type %d", ft.GetType())
	}
	return t.normalize(), nil
}

func charsetMaxLen(name string) int {
	if name == "" {
		return 4 // utf8mb4, today's default
	}
	if cs, err := charset.GetCharsetInfo(name); err == nil && cs.Maxlen > 0 {
		return cs.Maxlen
	}
	return 4
}

func applyConstraint(info *tableInfo, con *ast.Constraint) {
	if con == nil || con.Tp != ast.ConstraintPrimaryKey {
		return
	}
	info.PK = nil
	for _, k := range con.Keys {
		if k.Column == nil {
			continue
		}
		name := k.Column.Name.O
		if i := info.colIndex(name); i >= 0 {
			name = info.Cols[i].Name
			info.Cols[i].Nullable = false
		}
		info.PK = append(info.PK, name)
	}
}

// columnPosition is where ADD/MODIFY/CHANGE ... FIRST|AFTER puts a column; def
// when none is given.
func columnPosition(info *tableInfo, p *ast.ColumnPosition, def int) int {
	if p == nil {
		return def
	}
	switch p.Tp {
	case ast.ColumnPositionFirst:
		return 0
	case ast.ColumnPositionAfter:
		if p.RelativeColumn != nil {
			if i := info.colIndex(p.RelativeColumn.Name.O); i >= 0 {
				return i + 1
			}
		}
	}
	return def
}

func insertAt(cols []colInfo, c colInfo, i int) []colInfo {
	if i < 0 || i > len(cols) {
		i = len(cols)
	}
	cols = append(cols, colInfo{})
	copy(cols[i+1:], cols[i:])
	cols[i] = c
	return cols
}

func removeName(names []string, name string) []string {
	out := names[:0:0]
	for _, n := range names {
		if !strings.EqualFold(n, name) {
			out = append(out, n)
		}
	}
	return out
}

func renameName(names []string, old, name string) []string {
	out := append([]string(nil), names...)
	for i, n := range out {
		if strings.EqualFold(n, old) {
			out[i] = name
		}
	}
	return out
}
