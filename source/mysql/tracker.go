package mysql

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/minidms/minidms/dms"
)

// tracker holds the definition of every selected table as of the point the
// change stream has read to: seeded from information_schema when the stream
// starts, then changed by the DDL the stream reads, and corrected by the
// binlog's table maps, which describe each row with the columns of its own
// time.
type tracker struct {
	seq    uint64
	tables map[dms.TableID]*tracked
}

// tracked is one version of a table definition; def is handed out and never
// changed.
type tracked struct {
	info *tableInfo
	def  *dms.TableDef
	ver  uint64
}

func newTracker() *tracker {
	return &tracker{tables: map[dms.TableID]*tracked{}}
}

func (t *tracker) get(id dms.TableID) *tracked { return t.tables[id] }

// set installs a new version of the table; an unchanged definition keeps
// its version (and TableDef pointer).
func (t *tracker) set(info *tableInfo) (*tracked, error) {
	id := dms.TableID{Schema: info.Schema, Table: info.Table}
	if old := t.tables[id]; old != nil && reflect.DeepEqual(old.info, info) {
		return old, nil
	}
	def, err := info.def()
	if err != nil {
		return nil, err
	}
	t.seq++
	tr := &tracked{info: info, def: def, ver: t.seq}
	t.tables[id] = tr
	return tr, nil
}

func (t *tracker) drop(id dms.TableID) { delete(t.tables, id) }

// maxMappedTables bounds the table-id cache; table ids grow as the server
// reopens tables.
const maxMappedTables = 4096

// mapTable prepares the definition and decoders of a table map's table id.
// The definition is the tracked one when it agrees with the table map;
// otherwise the table map wins (it is the definition of the rows that follow)
// and replaces the tracked one.
func (st *stream) mapTable(raw []byte, e *replication.TableMapEvent) error {
	sig := ""
	if len(raw) > replication.EventHeaderSize {
		sig = string(raw[replication.EventHeaderSize:])
	}
	id := dms.TableID{Schema: string(e.Schema), Table: string(e.Table)}
	tr := st.tracker.get(id)
	if mt := st.maps[e.TableID]; mt != nil && tr != nil && mt.sig == sig && mt.ver == tr.ver {
		return nil
	}
	info, hasMeta, err := st.tableMapInfo(e)
	if err != nil {
		return err
	}
	switch {
	case tr != nil && compatible(tr.info, info, hasMeta):
	case hasMeta:
		if tr != nil {
			info.Collation = tr.info.Collation
			for i, c := range info.Cols {
				if j := tr.info.colIndex(c.Name); j >= 0 && sameColumn(tr.info.Cols[j], c, true) {
					info.Cols[i] = tr.info.Cols[j]
				}
			}
			st.log.Debug("table definition corrected from the binlog table map", "table", id, "file", st.file)
		}
		if tr, err = st.tracker.set(info); err != nil {
			return err
		}
	case tr != nil && len(tr.info.Cols) == len(info.Cols):
		// No column metadata (binlog_row_metadata=MINIMAL): trust the tracker.
	default:
		return fmt.Errorf("mysql source: table map of %s in %s has no column names and the table's definition is unknown: set binlog_row_metadata=FULL", id, st.file)
	}
	decs, err := newDecoders(tr.info)
	if err != nil {
		return err
	}
	if len(st.maps) >= maxMappedTables {
		clear(st.maps) // a cache: every rows event follows its table map
	}
	st.maps[e.TableID] = &mappedTable{sig: sig, ver: tr.ver, def: tr.def, decs: decs}
	return nil
}

// compatible reports whether the tracked definition describes the rows of a
// table map.
func compatible(tracked, fromMap *tableInfo, hasMeta bool) bool {
	if len(tracked.Cols) != len(fromMap.Cols) {
		return false
	}
	for i := range tracked.Cols {
		if !sameColumn(tracked.Cols[i], fromMap.Cols[i], hasMeta) {
			return false
		}
	}
	if hasMeta {
		return slices.EqualFunc(tracked.PK, fromMap.PK, strings.EqualFold)
	}
	return true
}

// sameColumn compares what a table map can tell about a column.
func sameColumn(a, b colInfo, hasMeta bool) bool {
	if a.Nullable != b.Nullable {
		return false
	}
	if !hasMeta {
		return true
	}
	if !strings.EqualFold(a.Name, b.Name) || a.Type.Unsigned != b.Type.Unsigned || !slices.Equal(a.Type.Elems, b.Type.Elems) {
		return false
	}
	ma, errA := mapType(a.Type)
	mb, errB := mapType(b.Type)
	return errA == nil && errB == nil && ma == mb
}

// tableMapInfo reads a table definition out of a table map event. hasMeta
// reports whether it carried the optional metadata of
// binlog_row_metadata=FULL (names, signedness, charsets, ENUM/SET values,
// primary key).
func (st *stream) tableMapInfo(e *replication.TableMapEvent) (*tableInfo, bool, error) {
	names := e.ColumnNameString()
	hasMeta := len(names) == int(e.ColumnCount)
	unsigned := e.UnsignedMap()
	colls := e.CollationMap()
	enums := e.EnumStrValueMap()
	sets := e.SetStrValueMap()
	info := &tableInfo{Schema: string(e.Schema), Table: string(e.Table), Cols: make([]colInfo, e.ColumnCount)}
	for i := range int(e.ColumnCount) {
		cs := st.charset(colls, i)
		var t sqlType
		meta := e.ColumnMeta[i]
		switch e.ColumnType[i] {
		case gomysql.MYSQL_TYPE_TINY:
			t.Base = "tinyint"
		case gomysql.MYSQL_TYPE_SHORT:
			t.Base = "smallint"
		case gomysql.MYSQL_TYPE_INT24:
			t.Base = "mediumint"
		case gomysql.MYSQL_TYPE_LONG:
			t.Base = "int"
		case gomysql.MYSQL_TYPE_LONGLONG:
			t.Base = "bigint"
		case gomysql.MYSQL_TYPE_NEWDECIMAL:
			t = sqlType{Base: "decimal", Precision: int(meta >> 8), Scale: int(meta & 0xff)}
		case gomysql.MYSQL_TYPE_FLOAT:
			t.Base = "float"
		case gomysql.MYSQL_TYPE_DOUBLE:
			t.Base = "double"
		case gomysql.MYSQL_TYPE_BIT:
			t = sqlType{Base: "bit", Length: int(meta>>8)*8 + int(meta&0xff)}
		case gomysql.MYSQL_TYPE_DATE, gomysql.MYSQL_TYPE_NEWDATE:
			t.Base = "date"
		case gomysql.MYSQL_TYPE_DATETIME:
			t.Base = "datetime"
		case gomysql.MYSQL_TYPE_DATETIME2:
			t = sqlType{Base: "datetime", Scale: int(meta)}
		case gomysql.MYSQL_TYPE_TIMESTAMP:
			t.Base = "timestamp"
		case gomysql.MYSQL_TYPE_TIMESTAMP2:
			t = sqlType{Base: "timestamp", Scale: int(meta)}
		case gomysql.MYSQL_TYPE_TIME:
			t.Base = "time"
		case gomysql.MYSQL_TYPE_TIME2:
			t = sqlType{Base: "time", Scale: int(meta)}
		case gomysql.MYSQL_TYPE_YEAR:
			t.Base = "year"
		case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING:
			if cs.binary {
				t = sqlType{Base: "varbinary", Length: int(meta)}
			} else {
				t = sqlType{Base: "varchar", Length: int(meta) / cs.maxLen}
			}
		case gomysql.MYSQL_TYPE_STRING:
			real, length := gomysql.MYSQL_TYPE_STRING, int(meta)
			if meta >= 256 {
				b0, b1 := byte(meta>>8), int(meta&0xff)
				if b0&0x30 != 0x30 {
					length = b1 | int((b0&0x30)^0x30)<<4
					real = b0 | 0x30
				} else {
					length = b1
					real = b0
				}
			}
			switch {
			case real == gomysql.MYSQL_TYPE_ENUM:
				t = sqlType{Base: "enum", Elems: enums[i]}
			case real == gomysql.MYSQL_TYPE_SET:
				t = sqlType{Base: "set", Elems: sets[i]}
			case cs.binary:
				t = sqlType{Base: "binary", Length: length}
			default:
				t = sqlType{Base: "char", Length: length / cs.maxLen}
			}
		case gomysql.MYSQL_TYPE_ENUM:
			t = sqlType{Base: "enum", Elems: enums[i]}
		case gomysql.MYSQL_TYPE_SET:
			t = sqlType{Base: "set", Elems: sets[i]}
		case gomysql.MYSQL_TYPE_BLOB:
			sizes := []string{"tiny", "", "medium", "long"}
			if meta < 1 || meta > 4 {
				return nil, false, fmt.Errorf("mysql source: table map of %s.%s: BLOB column %d with pack length %d", e.Schema, e.Table, i, meta)
			}
			if cs.binary {
				t.Base = sizes[meta-1] + "blob"
			} else {
				t.Base = sizes[meta-1] + "text"
			}
		case gomysql.MYSQL_TYPE_JSON:
			t.Base = "json"
		case gomysql.MYSQL_TYPE_GEOMETRY:
			t.Base = "geometry"
		default:
			return nil, false, fmt.Errorf("mysql source: table map of %s.%s: column %d has unsupported binlog type %d", e.Schema, e.Table, i, e.ColumnType[i])
		}
		t.Unsigned = unsigned[i]
		t = t.normalize()
		name := fmt.Sprintf("col%d", i+1)
		if hasMeta {
			name = names[i]
		}
		_, nullable := e.Nullable(i)
		info.Cols[i] = colInfo{Name: name, Type: t, Nullable: nullable}
	}
	if hasMeta {
		for _, k := range e.PrimaryKey {
			if int(k) < len(names) {
				info.PK = append(info.PK, names[k])
			}
		}
	}
	return info, hasMeta, nil
}

// charset returns the traits of column i's character set; binary when the
// column has none (a binary string), utf8mb4's when the collation is
// unknown.
func (st *stream) charset(colls map[int]uint64, i int) charsetInfo {
	id, ok := colls[i]
	if !ok {
		return charsetInfo{binary: colls != nil, maxLen: 1}
	}
	if id == 63 {
		return charsetInfo{binary: true, maxLen: 1}
	}
	if cs, ok := st.charsets[id]; ok && cs.maxLen > 0 {
		return cs
	}
	return charsetInfo{maxLen: 4}
}
