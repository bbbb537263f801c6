package mysql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/minidms/minidms/dms"
)

// snapshot is a REPEATABLE READ transaction opened WITH CONSISTENT SNAPSHOT
// on its own connection, and the binlog position matching it.
type snapshot struct {
	src *Source
	pos dms.Position

	mu     sync.Mutex // one call on the connection at a time
	cn     *conn
	broken error
	// where holds the pushed-down source filter of the tables Tables
	// returned, by definition: Load gets only the definition.
	where map[*dms.TableDef]string
}

// Snapshot opens a consistent read view. On MariaDB the binlog position comes
// from the snapshot itself (binlog_snapshot_file/position), without a global
// lock; on MySQL a FLUSH TABLES WITH READ LOCK is held just long enough to
// read the position and open the transaction (it needs the RELOAD
// privilege). With binary logging off the view works and Position is empty.
func (s *Source) Snapshot(ctx context.Context) (dms.Snapshot, error) {
	cn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{src: s, cn: cn}
	if err := sn.open(ctx); err != nil {
		cn.close()
		return nil, err
	}
	return sn, nil
}

func (sn *snapshot) open(ctx context.Context) error {
	cn := sn.cn
	// quoteLiteral escapes with backslashes, which NO_BACKSLASH_ESCAPES
	// would turn into literal text ending a string early.
	if _, err := cn.exec(ctx, "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')"); err != nil {
		return fmt.Errorf("mysql source %s: snapshot: %w", cn.addr, err)
	}
	if _, err := cn.exec(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return fmt.Errorf("mysql source %s: snapshot: %w", cn.addr, err)
	}
	var (
		file string
		pos  uint32
	)
	if sn.src.flavor(cn) == FlavorMariaDB {
		if _, err := cn.exec(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
			return fmt.Errorf("mysql source %s: start consistent snapshot: %w", cn.addr, err)
		}
		rows, err := cn.rows(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
		if err != nil {
			return fmt.Errorf("mysql source %s: read snapshot binlog position: %w", cn.addr, err)
		}
		for _, r := range rows {
			switch strings.ToLower(str(r[0])) {
			case "binlog_snapshot_file":
				file = str(r[1])
			case "binlog_snapshot_position":
				p, err := strconv.ParseUint(str(r[1]), 10, 32)
				if err != nil {
					return fmt.Errorf("mysql source %s: snapshot binlog position %q: %w", cn.addr, str(r[1]), err)
				}
				pos = uint32(p)
			}
		}
	} else {
		if _, err := cn.exec(ctx, "FLUSH TABLES WITH READ LOCK"); err != nil {
			return fmt.Errorf("mysql source %s: FLUSH TABLES WITH READ LOCK (needs the RELOAD privilege): %w", cn.addr, err)
		}
		f, p, statusErr := binlogStatus(ctx, cn)
		_, startErr := cn.exec(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT")
		_, unlockErr := cn.exec(ctx, "UNLOCK TABLES")
		if err := errors.Join(startErr, unlockErr); err != nil {
			return fmt.Errorf("mysql source %s: start consistent snapshot: %w", cn.addr, err)
		}
		if statusErr == nil {
			file, pos = f, p
		} else {
			sn.src.log.Warn("no binlog position for the snapshot", "addr", cn.addr, "err", statusErr)
		}
	}
	if file != "" {
		sn.pos = startPosition(file, pos)
	}
	sn.src.log.Debug("snapshot opened", "addr", cn.addr, "position", sn.pos)
	return nil
}

func (sn *snapshot) Position() dms.Position { return sn.pos }

func (sn *snapshot) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.broken != nil {
		return nil, sn.broken
	}
	infos, err := readTables(ctx, sn.cn, sel, nil)
	if err != nil {
		return nil, err
	}
	out, err := defs(infos)
	if err != nil {
		return nil, err
	}
	sn.where = map[*dms.TableDef]string{}
	if fs, ok := sel.(dms.FilterSelector); ok {
		for _, def := range out {
			w, err := loadFilter(fs, def)
			if err != nil {
				// The engine reports a filter it cannot compile; the load
				// then reads the whole table.
				sn.src.log.Warn("source filter not pushed down", "table", def.ID().String(), "err", err)
				continue
			}
			if w != "" {
				sn.where[def] = w
			}
		}
	}
	return out, nil
}

// Load streams the rows of table with SELECT over the text protocol, one row
// in memory at a time. The SELECT carries the table's source filter when
// Tables returned the definition and its selector had one.
func (sn *snapshot) Load(ctx context.Context, table *dms.TableDef, emit func(dms.Row) error) error {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.broken != nil {
		return sn.broken
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ds := make([]decoder, len(table.Columns))
	exprs := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		ds[i] = decoderFor(c)
		exprs[i] = ds[i].selectExpr()
	}
	if len(exprs) == 0 {
		return fmt.Errorf("mysql source: load %s: no columns", table.ID())
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + quoteTable(table.Schema, table.Table)
	if w := sn.where[table]; w != "" {
		q += " WHERE " + w
	}
	sn.src.log.Debug("full load", "table", table.ID().String(), "query", q)

	var emitErr error
	var result gomysql.Result
	stop := sn.cn.guard(ctx)
	err := sn.cn.c.ExecuteSelectStreaming(q, &result, func(vals []gomysql.FieldValue) error {
		if emitErr != nil {
			return nil // drain the rest so the connection stays usable
		}
		if len(vals) != len(ds) {
			emitErr = fmt.Errorf("mysql source: load %s: %d values for %d columns", table.ID(), len(vals), len(ds))
			return nil
		}
		row := make(dms.Row, len(ds))
		for i := range ds {
			v, err := ds[i].fromText(&vals[i])
			if err != nil {
				emitErr = fmt.Errorf("mysql source: load %s column %s: %w", table.ID(), ds[i].name, err)
				return nil
			}
			row[i] = v
		}
		if err := emit(row); err != nil {
			emitErr = err
		}
		return nil
	}, nil)
	if stop() {
		sn.broken = fmt.Errorf("mysql source: snapshot unusable after an interrupted load of %s", table.ID())
		return ctx.Err()
	}
	if err != nil {
		err = unwrapTrace(err)
		if mysqlCode(err) == 0 {
			sn.broken = fmt.Errorf("mysql source: snapshot connection lost: %w", err)
		}
		return fmt.Errorf("mysql source: load %s: %w", table.ID(), err)
	}
	return emitErr
}

// decoderFor builds the full-load decoder of a column from its dms.Column:
// the text protocol needs only the DMS type and whether a BYTES column is a
// BIT.
func decoderFor(c dms.Column) decoder {
	base := strings.ToLower(c.SourceType)
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	return decoder{name: c.Name, typ: c.Type, length: c.Length, scale: c.Scale, st: sqlType{Base: base}}
}

func (sn *snapshot) Close() error {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.cn == nil {
		return nil
	}
	if sn.broken == nil {
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		_, _ = sn.cn.exec(ctx, "ROLLBACK")
		cancel()
	}
	sn.cn.close()
	sn.cn = nil
	if sn.broken == nil {
		sn.broken = errors.New("mysql source: snapshot closed")
	}
	return nil
}
