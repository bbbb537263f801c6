package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/minidms/minidms/dms"
)

// statusInterval is how often the stream reports its position to the
// server, well inside the default wal_sender_timeout of 60 s.
const statusInterval = 10 * time.Second

// stream is a dms.ChangeStream decoding pgoutput (protocol version 1) from
// the task's replication slot. Next runs on the caller's goroutine and is
// the only user of both connections; it starts no goroutine.
type stream struct {
	src  *Source
	sel  dms.TableSelector
	log  *slog.Logger
	slot string

	repl *pgconn.PgConn
	side *pgx.Conn // catalogue reads and heartbeats
	res  *resolver

	rels    map[uint32]*relState // by relation OID, from Relation messages
	tracked map[uint32]*version  // latest definition of each selected table
	// own marks the tracked definitions that come from the stream itself
	// (a Relation message or an audit row) rather than today's catalogue.
	own    map[uint32]bool
	warned map[uint32]bool // tables warned about unchanged TOAST values

	txn     txnState
	skip    *position // resume: changes up to and including this were delivered
	pending []dms.Change
	head    int
	err     error

	startPos                  dms.Position // where reading began
	statusEvery               time.Duration
	nextStatus, nextHeartbeat time.Time

	ackMu     sync.Mutex
	ack       pglogrepl.LSN // the flush position reported to the server
	delivered dms.Position  // the last position Next handed out
	unacked   bool          // delivered has not been acknowledged
	lastTxn   committed     // the last transaction read to its commit

	closeOnce sync.Once
}

type txnState struct {
	open    bool
	xid     uint32
	commit  pglogrepl.LSN
	time    time.Time
	records int
}

type committed struct {
	commit, end pglogrepl.LSN
	records     int
}

// relState is a relation as its latest Relation message describes it.
type relState struct {
	schema, table string
	audit         bool // the DDL audit table
	selected      bool
	cols          []colSpec
	v             *version
}

// Changes streams the changes committed after from. It runs Check first,
// makes sure the publication lists the selected tables (and the DDL audit
// table), and creates the slot when from is empty and the slot does not
// exist yet. An empty from means from now.
func (s *Source) Changes(ctx context.Context, from dms.Position, sel dms.TableSelector) (dms.ChangeStream, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	var start position
	if from != "" {
		p, err := parsePosition(from)
		if err != nil {
			return nil, err
		}
		start = p
	}
	slot, err := s.SlotName()
	if err != nil {
		return nil, err
	}
	pub, err := s.publication()
	if err != nil {
		return nil, err
	}
	side, err := s.connect(ctx)
	if err != nil {
		return nil, dms.Recoverable(err)
	}
	st := &stream{
		src: s, sel: sel, log: s.log, slot: slot, side: side, res: newResolver(side), statusEvery: statusInterval,
		rels: map[uint32]*relState{}, tracked: map[uint32]*version{}, own: map[uint32]bool{}, warned: map[uint32]bool{},
	}
	if err := st.open(ctx, from, start, pub); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func (st *stream) open(ctx context.Context, from dms.Position, start position, pub string) error {
	s := st.src
	if err := s.check(ctx, st.side); err != nil {
		return err
	}
	tables, err := s.readTables(ctx, st.side, st.sel)
	if err != nil {
		return err
	}
	for _, t := range tables {
		st.tracked[t.oid] = t.version
	}
	if s.captureDdls() {
		if err := s.ensureArtifacts(ctx, st.side); err != nil {
			return err
		}
		if err := s.recordBaselines(ctx, st.side, tables); err != nil {
			return err
		}
	}
	if err := s.ensurePublication(ctx, st.side, tables); err != nil {
		return err
	}
	exists, err := waitSlotInactive(ctx, st.side, st.slot, slotWait)
	if err != nil {
		return err
	}
	if st.repl, err = s.connectReplication(ctx); err != nil {
		return dms.Recoverable(err)
	}
	var lsn pglogrepl.LSN
	switch {
	case from != "" && !exists:
		return fmt.Errorf("postgres source: replication slot %s does not exist, so the change stream cannot resume from %s: start the task afresh (start-replication)", st.slot, from)
	case from != "":
		lsn = start.Restart
		if start.Record > 0 {
			lsn = start.Commit
			st.skip = &start
		}
	case !exists:
		res, err := pglogrepl.CreateReplicationSlot(ctx, st.repl, st.slot, "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "NOEXPORT_SNAPSHOT"})
		if err != nil {
			return fmt.Errorf("postgres source: create replication slot %s: %w", st.slot, err)
		}
		if lsn, err = pglogrepl.ParseLSN(res.ConsistentPoint); err != nil {
			return fmt.Errorf("postgres source: consistent point of slot %s: %w", st.slot, err)
		}
	default:
		sys, err := pglogrepl.IdentifySystem(ctx, st.repl)
		if err != nil {
			return fmt.Errorf("postgres source: identify system: %w", err)
		}
		lsn = sys.XLogPos
	}
	st.ack = lsn
	st.startPos = from
	if from == "" {
		st.startPos = pointPosition(lsn).pos()
	}
	err = pglogrepl.StartReplication(ctx, st.repl, st.slot, lsn, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names " + quoteLiteral(pgx.Identifier{pub}.Sanitize())},
	})
	if err != nil {
		return fmt.Errorf("postgres source: start replication from slot %s at %s: %w", st.slot, formatLSN(lsn), err)
	}
	now := time.Now()
	st.nextStatus = now.Add(st.statusEvery)
	st.nextHeartbeat = now.Add(s.heartbeatFrequency())
	st.log.Debug("change stream started", "slot", st.slot, "publication", pub, "lsn", formatLSN(lsn), "resume", from)
	return nil
}

// Next returns the next change.
func (st *stream) Next(ctx context.Context) (dms.Change, error) {
	for st.head == len(st.pending) {
		st.pending, st.head = st.pending[:0], 0
		if st.err != nil {
			return dms.Change{}, st.err
		}
		if err := st.receive(ctx); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return dms.Change{}, ctxErr
			}
			st.err = err
			return dms.Change{}, err
		}
	}
	c := st.pending[st.head]
	st.pending[st.head] = dms.Change{}
	st.head++
	st.ackMu.Lock()
	st.delivered, st.unacked = c.Position, true
	st.ackMu.Unlock()
	return c, nil
}

// StartPosition is where the stream began reading: the engine checkpoints
// it, so a stream opened "from now" and lost before its first change
// reopens there.
func (st *stream) StartPosition() dms.Position { return st.startPos }

// Acknowledge tells the stream that every change up to and including pos
// is safely delivered, so the server may release the WAL before it: the
// stream reports it as its flush position. Until it is called, the
// position the stream was opened from is reported, so WAL is kept for
// anything handed out but not acknowledged. Safe for use from another
// goroutine than Next's.
func (st *stream) Acknowledge(pos dms.Position) error {
	p, err := parsePosition(pos)
	if err != nil {
		return err
	}
	st.ackMu.Lock()
	defer st.ackMu.Unlock()
	lsn := p.Restart
	if p.Record > 0 && p.Commit == st.lastTxn.commit && p.Record == st.lastTxn.records {
		lsn = st.lastTxn.end // the whole transaction is delivered
	}
	st.ack = max(st.ack, lsn)
	if pos == st.delivered {
		st.unacked = false
	}
	return nil
}

// receive reads one message from the server and handles it, sending the
// status update and heartbeat when they are due.
func (st *stream) receive(ctx context.Context) error {
	now := time.Now()
	if !now.Before(st.nextStatus) {
		if err := st.sendStatus(ctx); err != nil {
			return err
		}
		st.nextStatus = now.Add(st.statusEvery)
	}
	// Work on the side connection must not be cut short by a Next whose
	// context ends: an interrupted query leaves the connection unusable.
	sideCtx, sideCancel := context.WithTimeout(context.WithoutCancel(ctx), dialTimeout)
	defer sideCancel()
	deadline := st.nextStatus
	if st.src.cfg.HeartbeatEnable {
		if !now.Before(st.nextHeartbeat) {
			if _, err := st.side.Exec(sideCtx, "SELECT pg_logical_emit_message(false, 'awsdms_heartbeat', '')"); err != nil {
				return connLost(fmt.Errorf("postgres source: write heartbeat: %w", err))
			}
			st.nextHeartbeat = now.Add(st.src.heartbeatFrequency())
		}
		if st.nextHeartbeat.Before(deadline) {
			deadline = st.nextHeartbeat
		}
	}
	rctx, cancel := context.WithDeadline(ctx, deadline)
	msg, err := st.repl.ReceiveMessage(rctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && pgconn.Timeout(err) {
			return nil
		}
		return connLost(fmt.Errorf("postgres source: replication stream of slot %s: %w", st.slot, err))
	}
	switch m := msg.(type) {
	case *pgproto3.CopyData:
		if len(m.Data) == 0 {
			return nil
		}
		switch m.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
			if err != nil {
				return fmt.Errorf("postgres source: keepalive: %w", err)
			}
			st.idle(ka.ServerWALEnd)
			if ka.ReplyRequested {
				st.nextStatus = time.Time{}
			}
		case pglogrepl.XLogDataByteID:
			x, err := pglogrepl.ParseXLogData(m.Data[1:])
			if err != nil {
				return fmt.Errorf("postgres source: WAL data: %w", err)
			}
			return st.handle(sideCtx, x)
		}
	case *pgproto3.ErrorResponse:
		return fmt.Errorf("postgres source: replication stream of slot %s: %w", st.slot, pgconn.ErrorResponseToPgError(m))
	case *pgproto3.CopyDone:
		return fmt.Errorf("postgres source: the server ended the replication stream of slot %s", st.slot)
	}
	return nil
}

// connLost marks an error of a lost connection (server restart, network,
// a terminated backend) as dms.Recoverable, so the engine reopens the
// stream at its checkpoint; an ordinary SQL error stays fatal.
func connLost(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Severity != "FATAL" && pe.Severity != "PANIC" {
		return err
	}
	return dms.Recoverable(err)
}

// idle moves the flush position to the server's WAL end when the stream
// is between transactions and everything it delivered is acknowledged:
// nothing selected lies before that point that the task does not have.
func (st *stream) idle(walEnd pglogrepl.LSN) {
	if st.txn.open {
		return
	}
	st.ackMu.Lock()
	defer st.ackMu.Unlock()
	if !st.unacked {
		st.ack = max(st.ack, walEnd)
	}
}

func (st *stream) sendStatus(ctx context.Context) error {
	st.ackMu.Lock()
	ack := st.ack
	st.ackMu.Unlock()
	if err := pglogrepl.SendStandbyStatusUpdate(ctx, st.repl, pglogrepl.StandbyStatusUpdate{WALWritePosition: ack}); err != nil {
		return connLost(fmt.Errorf("postgres source: send status update for slot %s: %w", st.slot, err))
	}
	return nil
}

func (st *stream) handle(ctx context.Context, x pglogrepl.XLogData) error {
	msg, err := pglogrepl.Parse(x.WALData)
	if err != nil {
		return fmt.Errorf("postgres source: decode pgoutput message at %s: %w", formatLSN(x.WALStart), err)
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		return st.relation(ctx, m)
	case *pglogrepl.BeginMessage:
		st.txn = txnState{open: true, xid: m.Xid, commit: m.FinalLSN, time: m.CommitTime.UTC()}
		if st.skip != nil && st.skip.Commit != m.FinalLSN {
			st.skip = nil // the transaction resumed in had nothing left for this stream
		}
	case *pglogrepl.CommitMessage:
		st.txn.open = false
		st.ackMu.Lock()
		st.lastTxn = committed{commit: m.CommitLSN, end: m.TransactionEndLSN, records: st.txn.records}
		st.ackMu.Unlock()
		st.skip = nil
	case *pglogrepl.InsertMessage:
		rs, err := st.rel(m.RelationID)
		if err != nil {
			return err
		}
		if rs.audit {
			return st.handleAudit(ctx, rs, m.Tuple)
		}
		if !rs.selected {
			return nil
		}
		row, _, err := st.decode(rs, m.Tuple)
		if err != nil {
			return err
		}
		st.emit(dms.Change{Op: dms.OpInsert, Table: rs.v.def, Data: row})
	case *pglogrepl.UpdateMessage:
		rs, err := st.rel(m.RelationID)
		if err != nil || !rs.selected {
			return err
		}
		return st.update(rs, m)
	case *pglogrepl.DeleteMessage:
		rs, err := st.rel(m.RelationID)
		if err != nil || !rs.selected {
			return err
		}
		row, _, err := st.decode(rs, m.OldTuple)
		if err != nil {
			return err
		}
		st.emit(dms.Change{Op: dms.OpDelete, Table: rs.v.def, Data: row})
	case *pglogrepl.TruncateMessage:
		// AWS DMS does not capture TRUNCATE; the publication does not publish
		// it either, but one created by the user may.
		st.log.Debug("TRUNCATE not captured", "relations", m.RelationIDs)
	}
	return nil
}

func (st *stream) update(rs *relState, m *pglogrepl.UpdateMessage) error {
	row, unchanged, err := st.decode(rs, m.NewTuple)
	if err != nil {
		return err
	}
	var before dms.Row
	if m.OldTuple != nil {
		if before, _, err = st.decode(rs, m.OldTuple); err != nil {
			return err
		}
	}
	for i, u := range unchanged {
		if !u {
			continue
		}
		if m.OldTupleType == pglogrepl.UpdateMessageTupleTypeOld {
			row[i] = before[i] // REPLICA IDENTITY FULL: the old row has it
			continue
		}
		// PostgreSQL did not send the value (an unchanged TOASTed column)
		// and nothing else holds it: it stays nil.
		if id := m.RelationID; !st.warned[id] {
			st.warned[id] = true
			st.log.Warn("update without the value of an unchanged TOASTed column: it is delivered as nil; ALTER TABLE … REPLICA IDENTITY FULL to get it",
				"table", rs.v.def.ID().String(), "column", rs.v.def.Columns[i].Name)
		}
	}
	st.emit(dms.Change{Op: dms.OpUpdate, Table: rs.v.def, Data: row, Before: before})
	return nil
}

func (st *stream) rel(id uint32) (*relState, error) {
	rs := st.rels[id]
	if rs == nil {
		return nil, fmt.Errorf("postgres source: change of relation %d before its Relation message", id)
	}
	return rs, nil
}

// decode turns a tuple into a row; unchanged marks the columns PostgreSQL
// left out as unchanged TOAST values, which decode to nil.
func (st *stream) decode(rs *relState, t *pglogrepl.TupleData) (dms.Row, []bool, error) {
	decs := rs.v.decs
	if t == nil || len(t.Columns) != len(decs) {
		n := 0
		if t != nil {
			n = len(t.Columns)
		}
		return nil, nil, fmt.Errorf("postgres source: tuple of %s has %d columns for %d", rs.v.def.ID(), n, len(decs))
	}
	row := make(dms.Row, len(decs))
	unchanged := make([]bool, len(decs))
	for i, c := range t.Columns {
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
		case pglogrepl.TupleDataTypeToast:
			unchanged[i] = true
		case pglogrepl.TupleDataTypeText:
			v, err := decs[i].decode(c.Data)
			if err != nil {
				return nil, nil, fmt.Errorf("postgres source: %s column %s: %w", rs.v.def.ID(), decs[i].name, err)
			}
			row[i] = v
		default:
			return nil, nil, fmt.Errorf("postgres source: %s column %s: tuple data type %q not supported", rs.v.def.ID(), decs[i].name, c.DataType)
		}
	}
	return row, unchanged, nil
}

// relation installs the definition a Relation message describes. Its
// columns are authoritative for the rows that follow; a definition equal
// to the tracked one keeps the tracked TableDef, otherwise a new one is
// built, with nullability and primary key from the catalogue (pgoutput
// does not send them).
func (st *stream) relation(ctx context.Context, m *pglogrepl.RelationMessage) error {
	rs := &relState{
		schema: m.Namespace,
		table:  m.RelationName,
		cols:   make([]colSpec, len(m.Columns)),
	}
	for i, c := range m.Columns {
		rs.cols[i] = colSpec{Name: c.Name, Type: c.DataType, Typmod: c.TypeModifier}
	}
	st.rels[m.RelationID] = rs
	rs.audit = st.src.captureDdls() && rs.schema == st.src.artifactsSchema() && rs.table == auditTable
	rs.selected = st.src.selected(st.sel, rs.schema, rs.table)
	if !rs.selected {
		return nil
	}
	st.own[m.RelationID] = true
	shape := shapeOf(rs.cols)
	if v := st.tracked[m.RelationID]; v != nil && v.shape == shape && v.def.Schema == rs.schema && v.def.Table == rs.table {
		rs.v = v
		return nil
	}
	cat, pk, err := catalogColumns(ctx, st.side, m.RelationID)
	if err != nil {
		return fmt.Errorf("postgres source: read columns of %s.%s: %w", rs.schema, rs.table, err)
	}
	for i := range rs.cols {
		for _, c := range cat {
			if c.Name == rs.cols[i].Name {
				rs.cols[i].NotNull = c.NotNull
			}
		}
	}
	v, err := buildVersion(ctx, st.res, rs.schema, rs.table, rs.cols, pk)
	if err != nil {
		return err
	}
	st.tracked[m.RelationID] = v
	rs.v = v
	return nil
}

// emit numbers a change within its transaction and queues it, unless a
// resume already delivered it.
func (st *stream) emit(c dms.Change) {
	st.txn.records++
	if s := st.skip; s != nil && s.Commit == st.txn.commit && st.txn.records <= s.Record {
		return
	}
	c.TransactionID = uint64(st.txn.xid)
	c.TransactionRecord = st.txn.records
	c.CommitTime = st.txn.time
	c.Position = position{Commit: st.txn.commit, Record: st.txn.records, Restart: st.txn.commit}.pos()
	st.pending = append(st.pending, c)
}

// Close ends the replication session and the catalogue connection.
func (st *stream) Close() error {
	st.closeOnce.Do(func() {
		if st.repl != nil {
			closePgConn(st.repl)
		}
		closeConn(st.side)
	})
	return nil
}
