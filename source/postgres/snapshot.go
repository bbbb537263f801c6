package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/minidms/minidms/dms"
)

// snapshot is a REPEATABLE READ transaction that imported the snapshot the
// task's replication slot exported when it was created (Snapshot), or a
// temporary slot did (ReloadSnapshot).
type snapshot struct {
	src *Source
	// cdc is false when the server cannot do logical replication: the view
	// is then a plain REPEATABLE READ transaction without a position.
	cdc bool

	mu     sync.Mutex // one call on the connection at a time
	conn   *pgx.Conn
	tx     pgx.Tx
	pos    dms.Position
	broken error
	// point is the consistent point the view was exported at (hasPoint
	// false until the view has one), for Covers.
	point    pglogrepl.LSN
	hasPoint bool
}

// Snapshot connects and checks the server; the read view itself is opened
// by the first Tables call, which knows the selection: the publication must
// list the selected tables before the slot is created, or changes committed
// between the slot's consistent point and their addition would be lost.
// Position is therefore empty until Tables has run (the engine always calls
// Tables first). Without logical replication (wal_level, REPLICATION
// attribute) the view still works, for a full load only, and Position stays
// empty; other Check failures (no free slot, …) are errors, since a
// position-less view would make a later CDC start "from now" and miss the
// changes made during the load.
func (s *Source) Snapshot(ctx context.Context) (dms.Snapshot, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{src: s, conn: conn, cdc: true}
	if err := s.check(ctx, conn); err != nil {
		var nr noReplication
		if !errors.As(err, &nr) {
			closeConn(conn)
			return nil, err
		}
		s.log.Warn("no change data capture position for the full load", "err", err)
		sn.cdc = false
	}
	return sn, nil
}

// open creates the slot, exporting its snapshot, and imports the snapshot
// before the replication connection sends anything else (the export lives
// only until then).
func (sn *snapshot) open(ctx context.Context, sel dms.TableSelector) error {
	s := sn.src
	if !sn.cdc {
		tx, err := sn.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return fmt.Errorf("postgres source: begin snapshot: %w", err)
		}
		sn.tx = tx
		return nil
	}
	tables, err := s.readTables(ctx, sn.conn, sel)
	if err != nil {
		return err
	}
	if s.captureDdls() {
		if err := s.ensureArtifacts(ctx, sn.conn); err != nil {
			return err
		}
		if err := s.recordBaselines(ctx, sn.conn, tables); err != nil {
			return err
		}
	}
	if err := s.ensurePublication(ctx, sn.conn, tables); err != nil {
		return err
	}
	slot, err := s.SlotName()
	if err != nil {
		return err
	}
	exists, err := waitSlotInactive(ctx, sn.conn, slot, slotWait)
	if err != nil {
		return err
	}
	repl, err := s.connectReplication(ctx)
	if err != nil {
		return err
	}
	defer closePgConn(repl)
	if exists {
		// A fresh full load starts a fresh stream: the old slot's position
		// belongs to a previous run.
		if err := pglogrepl.DropReplicationSlot(ctx, repl, slot, pglogrepl.DropReplicationSlotOptions{}); err != nil {
			return fmt.Errorf("postgres source: drop old replication slot %s: %w", slot, err)
		}
		s.log.Info("old replication slot dropped for a new full load", "slot", slot)
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return fmt.Errorf("postgres source: create replication slot %s: %w", slot, err)
	}
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return fmt.Errorf("postgres source: consistent point of slot %s: %w", slot, err)
	}
	tx, err := sn.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres source: begin snapshot: %w", err)
	}
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(res.SnapshotName)); err != nil {
		_ = tx.Rollback(ctx)
		return fmt.Errorf("postgres source: import snapshot %s of slot %s: %w", res.SnapshotName, slot, err)
	}
	sn.tx = tx
	sn.point, sn.hasPoint = lsn, true
	sn.pos = pointPosition(lsn).pos()
	s.log.Debug("snapshot opened", "slot", slot, "position", sn.pos)
	return nil
}

// slotWait bounds how long opening a stream or a snapshot waits for the
// slot.
const slotWait = 10 * time.Second

// waitSlotInactive reports whether the slot exists, waiting up to limit
// for a stream that just closed to release it: the server ends its
// walsender shortly after the client goes.
func waitSlotInactive(ctx context.Context, q querier, slot string, limit time.Duration) (bool, error) {
	deadline := time.After(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var active bool
		err := q.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("postgres source: read replication slot %s: %w", slot, err)
		case !active:
			return true, nil
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-deadline:
			return true, fmt.Errorf("postgres source: replication slot %s is in use by a running change stream (stop the task first; two tasks with one SlotName?)", slot)
		case <-tick.C:
		}
	}
}

func (sn *snapshot) Position() dms.Position {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.pos
}

func (sn *snapshot) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.broken != nil {
		return nil, sn.broken
	}
	if sn.tx == nil {
		if err := sn.open(ctx, sel); err != nil {
			return nil, err
		}
	}
	tables, err := sn.src.readTables(ctx, sn.tx, sel)
	if err != nil {
		return nil, err
	}
	out := make([]*dms.TableDef, len(tables))
	for i, t := range tables {
		out[i] = t.def
	}
	return out, nil
}

// Load streams the rows of table as text, one row in memory at a time.
func (sn *snapshot) Load(ctx context.Context, table *dms.TableDef, emit func(dms.Row) error) error {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	switch {
	case sn.broken != nil:
		return sn.broken
	case sn.tx == nil:
		return errors.New("postgres source: Load before Tables: the snapshot opens with the first Tables call")
	case len(table.Columns) == 0:
		return fmt.Errorf("postgres source: load %s: no columns", table.ID())
	}
	cols := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		cols[i] = pgx.Identifier{c.Name}.Sanitize()
	}
	// The decoders come from the snapshot's own catalogue, which is what
	// the rows are.
	v, err := sn.version(ctx, table)
	if err != nil {
		return err
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + pgx.Identifier{table.Schema, table.Table}.Sanitize()
	rr := sn.tx.Conn().PgConn().ExecParams(ctx, q, nil, nil, nil, nil)
	var emitErr error
	for rr.NextRow() {
		if emitErr != nil {
			continue // drain the rest so the transaction stays usable
		}
		vals := rr.Values()
		row := make(dms.Row, len(v.decs))
		for i, d := range v.decs {
			if vals[i] == nil {
				continue
			}
			x, err := d.decode(vals[i])
			if err != nil {
				emitErr = fmt.Errorf("postgres source: load %s column %s: %w", table.ID(), d.name, err)
				break
			}
			row[i] = x
		}
		if emitErr == nil {
			emitErr = emit(row)
		}
	}
	if _, err := rr.Close(); err != nil {
		if ctx.Err() != nil {
			sn.broken = fmt.Errorf("postgres source: snapshot unusable after an interrupted load of %s", table.ID())
			return ctx.Err()
		}
		sn.broken = fmt.Errorf("postgres source: snapshot failed loading %s: %w", table.ID(), err)
		return fmt.Errorf("postgres source: load %s: %w", table.ID(), err)
	}
	return emitErr
}

// version returns the decoders for table's columns.
func (sn *snapshot) version(ctx context.Context, table *dms.TableDef) (*version, error) {
	var oid uint32
	if err := sn.tx.QueryRow(ctx, "SELECT $1::regclass::oid", pgx.Identifier{table.Schema, table.Table}.Sanitize()).Scan(&oid); err != nil {
		return nil, fmt.Errorf("postgres source: load %s: %w", table.ID(), err)
	}
	cols, pk, err := catalogColumns(ctx, sn.tx, oid)
	if err != nil {
		return nil, fmt.Errorf("postgres source: load %s: read columns: %w", table.ID(), err)
	}
	v, err := buildVersion(ctx, newResolver(sn.tx), table.Schema, table.Table, cols, pk)
	if err != nil {
		return nil, err
	}
	if len(v.decs) != len(table.Columns) {
		return nil, fmt.Errorf("postgres source: load %s: the snapshot has %d columns, the definition %d", table.ID(), len(v.decs), len(table.Columns))
	}
	return v, nil
}

func (sn *snapshot) Close() error {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.conn == nil {
		return nil
	}
	if sn.tx != nil && sn.broken == nil {
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		_ = sn.tx.Rollback(ctx)
		cancel()
	}
	closeConn(sn.conn)
	sn.conn = nil
	if sn.broken == nil {
		sn.broken = errors.New("postgres source: snapshot closed")
	}
	return nil
}
