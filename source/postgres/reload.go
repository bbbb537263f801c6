package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/minidms/minidms/dms"
)

var _ dms.ReloadSnapshotter = (*Source)(nil)

// ReloadSnapshot opens a read view for reloading tables while the task's
// change stream runs, which holds the task's slot (so Snapshot cannot be
// used). On a replication connection it creates a temporary logical slot
// of a name of its own exporting its snapshot, imports the snapshot on the
// load connection before the replication connection sends anything else,
// and then drops the slot and closes that connection: the view keeps
// itself. The slot's consistent point is the view's Position, and Covers
// places a change of the task's stream against it. The task's slot, its
// publication and the DDL artifacts are left alone. It needs one free
// replication slot (and walsender) for that moment.
func (s *Source) ReloadSnapshot(ctx context.Context) (dms.CoveringSnapshot, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{src: s, conn: conn, cdc: true}
	if err := sn.openReload(ctx); err != nil {
		closeConn(conn)
		return nil, err
	}
	return sn, nil
}

// reloadSlotName is a temporary slot's name: the task's slot name (so an
// operator sees whose it is), "_reload_" and 16 random hex digits.
func (s *Source) reloadSlotName() (string, error) {
	slot, err := s.SlotName()
	if err != nil {
		return "", err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("postgres source: name the reload slot: %w", err)
	}
	return slot[:min(len(slot), 63-len("_reload_")-16)] + "_reload_" + hex.EncodeToString(b[:]), nil
}

// openReload creates the temporary slot, imports its snapshot and drops
// the slot, on every path (a slot a failed drop leaves still goes when
// its replication connection closes). On an error the caller closes the
// load connection, which ends its transaction.
func (sn *snapshot) openReload(ctx context.Context) error {
	s := sn.src
	name, err := s.reloadSlotName()
	if err != nil {
		return err
	}
	repl, err := s.connectReplication(ctx)
	if err != nil {
		return err
	}
	defer closePgConn(repl)
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, name, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: true, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "53400" { // configuration_limit_exceeded
			return fmt.Errorf("postgres source: create temporary replication slot %s to reload tables: %w (a reload needs one free replication slot: raise max_replication_slots, or drop unused slots)", name, err)
		}
		return fmt.Errorf("postgres source: create temporary replication slot %s to reload tables: %w", name, err)
	}
	// The slot goes once the snapshot is imported, or the import failed.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dialTimeout)
		defer cancel()
		if dropErr := pglogrepl.DropReplicationSlot(dctx, repl, name, pglogrepl.DropReplicationSlotOptions{}); dropErr != nil {
			// Closing the replication connection drops a temporary slot too.
			s.log.Warn("temporary replication slot not dropped; it goes with its connection", "slot", name, "err", dropErr)
		}
	}()
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return fmt.Errorf("postgres source: consistent point of temporary slot %s: %w", name, err)
	}
	tx, err := sn.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres source: begin reload snapshot: %w", err)
	}
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(res.SnapshotName)); err != nil {
		return fmt.Errorf("postgres source: import snapshot %s of temporary slot %s: %w", res.SnapshotName, name, err)
	}
	sn.tx = tx
	sn.point, sn.hasPoint = lsn, true
	sn.pos = pointPosition(lsn).pos()
	s.log.Debug("reload snapshot opened", "slot", name, "position", sn.pos)
	return nil
}

// Covers reports whether the change at pos is in the view: whether its
// transaction's commit record (the position's commit LSN, pgoutput's
// Begin.FinalLSN, which the stream delivers in order of) starts before
// the view's consistent point. The slot the view comes from would decode
// exactly the transactions committing at or after that point, and the
// snapshot it exports holds exactly the ones before it. It works after
// Close.
func (sn *snapshot) Covers(pos dms.Position) (bool, error) {
	sn.mu.Lock()
	at, ok := sn.point, sn.hasPoint
	sn.mu.Unlock()
	if !ok {
		return false, errors.New("postgres source: the snapshot has no position (not opened, or no logical replication)")
	}
	p, err := parsePosition(pos)
	if err != nil {
		return false, err
	}
	return p.Commit < at, nil
}
