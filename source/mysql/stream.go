package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/pingcap/tidb/pkg/parser"

	"github.com/minidms/minidms/dms"
)

// stream is a dms.ChangeStream reading the binlog with go-mysql's
// BinlogSyncer. Next runs on the caller's goroutine; the only other
// goroutine is the syncer's reader, which Close stops.
type stream struct {
	src    *Source
	sel    dms.TableSelector
	log    *slog.Logger
	flavor string

	syncer *replication.BinlogSyncer
	bs     *replication.BinlogStreamer

	// selection, shared with the syncer's decoder goroutine
	selMu    sync.Mutex
	selCache map[dms.TableID]bool

	charsets map[uint64]charsetInfo
	tracker  *tracker
	parser   *parser.Parser
	maps     map[uint64]*mappedTable // by binlog table id

	startPos dms.Position // where reading began
	file     string       // binlog file being read
	txn      txnState     // the transaction being read
	skip     *position    // resume: changes up to and including this were delivered
	pending  []dms.Change // queued changes; pending[head:] are undelivered
	head     int
	err      error

	closeOnce sync.Once
}

type txnState struct {
	open bool
	// explicit is set for a multi-statement transaction, which ends at its
	// XID or COMMIT; otherwise a statement (DDL) ends it.
	explicit bool
	file     string
	start    uint32
	id       uint64
	records  int
	commit   time.Time
}

// mappedTable is the definition a binlog table id decodes with.
type mappedTable struct {
	sig  string // the table map event's body
	ver  uint64 // tracker version it was built from
	def  *dms.TableDef
	decs []decoder
}

type charsetInfo struct {
	binary bool
	maxLen int
}

// Changes streams the changes committed after from. It runs Check first.
// An empty from starts at the current end of the binary log.
func (s *Source) Changes(ctx context.Context, from dms.Position, sel dms.TableSelector) (dms.ChangeStream, error) {
	cn, err := s.connect(ctx)
	if err != nil {
		return nil, dms.Recoverable(err)
	}
	defer cn.close()
	if err := s.check(ctx, cn); err != nil {
		return nil, err
	}
	st := &stream{
		src:      s,
		sel:      sel,
		log:      s.log,
		flavor:   s.flavor(cn),
		selCache: map[dms.TableID]bool{},
		parser:   parser.New(),
		maps:     map[uint64]*mappedTable{},
		tracker:  newTracker(),
	}

	var start position
	if from == "" {
		file, pos, err := binlogStatus(ctx, cn)
		if err != nil {
			return nil, fmt.Errorf("mysql source %s: read binary log status: %w", cn.addr, err)
		}
		start = position{File: file, EventPos: pos}
	} else {
		p, err := parsePosition(from)
		if err != nil {
			return nil, err
		}
		if p.TxnID == 0 {
			start = position{File: p.File, EventPos: p.EventPos}
		} else {
			start = position{File: p.TxnFile, EventPos: p.TxnStartPos}
			st.skip = &p
		}
	}
	files, err := binlogFiles(ctx, cn)
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: list binary logs: %w", cn.addr, err)
	}
	if !slices.Contains(files, start.File) {
		return nil, fmt.Errorf("mysql source %s: binary log %s is no longer on the server (purged?): the change stream cannot resume from %q; raise binlog retention and start again from a full load", cn.addr, start.File, from)
	}
	if st.charsets, err = readCharsets(ctx, cn); err != nil {
		return nil, fmt.Errorf("mysql source %s: read character sets: %w", cn.addr, err)
	}
	infos, err := readTables(ctx, cn, sel, nil)
	if err != nil {
		return nil, err
	}
	for _, t := range infos {
		if _, err := st.tracker.set(t); err != nil {
			return nil, err
		}
	}

	if err := st.start(start); err != nil {
		return nil, err
	}
	st.startPos = from
	if st.startPos == "" {
		st.startPos = startPosition(start.File, start.EventPos)
	}
	s.log.Debug("change stream started", "addr", cn.addr, "flavor", st.flavor, "file", start.File, "pos", start.EventPos, "resume", from)
	return st, nil
}

func (st *stream) start(at position) error {
	s := st.src
	host, port, err := s.hostPort()
	if err != nil {
		return err
	}
	id := s.cfg.ServerID
	if id == 0 {
		id = randomServerID()
	}
	st.syncer = replication.NewBinlogSyncer(replication.BinlogSyncerConfig{
		ServerID:                id,
		Flavor:                  st.flavor,
		Host:                    host,
		Port:                    port,
		User:                    s.cfg.User,
		Password:                s.cfg.Password,
		Charset:                 "utf8mb4",
		ParseTime:               false,
		TimestampStringLocation: time.UTC,
		UseDecimal:              false,
		RenderJSONAsMySQLText:   true,
		DisableRetrySync:        true,
		EventCacheCount:         256,
		Logger:                  st.log.With("component", "go-mysql"),
		Dialer:                  (&net.Dialer{Timeout: dialTimeout}).DialContext,
		RowsEventDecodeFunc:     st.decodeRows,
	})
	st.file = at.File
	st.bs, err = st.syncer.StartSync(gomysql.Position{Name: at.File, Pos: at.EventPos})
	if err != nil {
		st.syncer.Close()
		err = unwrapTrace(err)
		if c := mysqlCode(err); c == erSpecificAccessDenied || c == erAccessDenied {
			return fmt.Errorf("mysql source %s: binlog dump refused: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO %q: %w", s.addr(), s.cfg.User, err)
		}
		return dms.Recoverable(fmt.Errorf("mysql source %s: start binlog dump at %s:%d: %w", s.addr(), at.File, at.EventPos, err))
	}
	return nil
}

// StartPosition is where the stream began reading: the engine checkpoints
// it, so a stream opened "from now" and lost before its first change
// reopens there.
func (st *stream) StartPosition() dms.Position { return st.startPos }

// decodeRows is the syncer's rows-event decoder: rows of unselected tables
// are left undecoded.
func (st *stream) decodeRows(e *replication.RowsEvent, data []byte) error {
	pos, err := e.DecodeHeader(data)
	if err != nil {
		return err
	}
	if !st.selected(string(e.Table.Schema), string(e.Table.Table)) {
		return nil
	}
	return e.DecodeData(pos, data)
}

func (st *stream) selected(schema, table string) bool {
	if isSystemSchema(schema) {
		return false
	}
	if st.sel == nil {
		return true
	}
	id := dms.TableID{Schema: schema, Table: table}
	st.selMu.Lock()
	defer st.selMu.Unlock()
	ok, hit := st.selCache[id]
	if !hit {
		ok = st.sel.Selected(schema, table)
		st.selCache[id] = ok
	}
	return ok
}

// Next returns the next change.
func (st *stream) Next(ctx context.Context) (dms.Change, error) {
	for st.head == len(st.pending) {
		st.pending, st.head = st.pending[:0], 0
		if st.err != nil {
			return dms.Change{}, st.err
		}
		ev, err := st.bs.GetEvent(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return dms.Change{}, ctxErr
			}
			err = unwrapTrace(err)
			if errors.Is(err, replication.ErrSyncClosed) || errors.Is(err, replication.ErrNeedSyncAgain) {
				st.err = errors.New("mysql source: change stream closed")
			} else {
				// A lost connection (server restart, network): the engine
				// reopens the stream at its checkpoint.
				st.err = dms.Recoverable(fmt.Errorf("mysql source %s: binlog stream in %s: %w", st.src.addr(), st.file, err))
			}
			return dms.Change{}, st.err
		}
		if err := st.handle(ctx, ev); err != nil {
			st.err = err
			return dms.Change{}, err
		}
	}
	c := st.pending[st.head]
	st.pending[st.head] = dms.Change{}
	st.head++
	return c, nil
}

// Close stops the syncer and its goroutine.
func (st *stream) Close() error {
	st.closeOnce.Do(func() {
		if st.syncer != nil {
			st.syncer.Close()
		}
	})
	return nil
}

func (st *stream) handle(ctx context.Context, ev *replication.BinlogEvent) error {
	h := ev.Header
	var evStart, evEnd uint32
	if h.LogPos > 0 && h.LogPos >= h.EventSize {
		evEnd = h.LogPos
		evStart = h.LogPos - h.EventSize
	}
	at := eventTime(ev)
	switch e := ev.Event.(type) {
	case *replication.RotateEvent:
		st.file = string(e.NextLogName)
	case *replication.MariadbGTIDEvent:
		// MariaDB writes the GTID event at commit, so its time is the commit
		// time; without FL_STANDALONE the group ends with XID or COMMIT.
		st.begin(evStart, at, !e.IsStandalone())
	case *replication.GTIDEvent:
		st.begin(evStart, at, false)
	case *replication.QueryEvent:
		return st.handleQuery(ctx, evStart, evEnd, at, e)
	case *replication.TableMapEvent:
		if st.selected(string(e.Schema), string(e.Table)) {
			return st.mapTable(ev.RawData, e)
		}
	case *replication.RowsEvent:
		return st.handleRows(evStart, evEnd, at, e)
	case *replication.XIDEvent:
		st.txn.open = false
	case *replication.TransactionPayloadEvent:
		return fmt.Errorf("mysql source %s: compressed binlog transaction in %s at %d: binlog transaction compression is not supported: set binlog_transaction_compression=OFF", st.src.addr(), st.file, evStart)
	}
	return nil
}

// eventTime is the time of an event, in UTC with second precision: its
// header's timestamp, or MySQL 8's immediate_commit_timestamp of a GTID
// event. It is the commit time of the transaction the event opens (begin,
// ensureTxn), and PositionAt compares the same time.
func eventTime(ev *replication.BinlogEvent) time.Time {
	if e, ok := ev.Event.(*replication.GTIDEvent); ok && e.ImmediateCommitTimestamp > 0 {
		return time.UnixMicro(int64(e.ImmediateCommitTimestamp)).UTC().Truncate(time.Second)
	}
	return time.Unix(int64(ev.Header.Timestamp), 0).UTC()
}

// begin opens a transaction starting at pos in the current file.
func (st *stream) begin(pos uint32, commit time.Time, explicit bool) {
	st.txn = txnState{
		open:     true,
		explicit: explicit,
		file:     st.file,
		start:    pos,
		id:       transactionID(st.file, pos),
		commit:   commit,
	}
}

// ensureTxn opens a transaction at pos when the binlog had no GTID or BEGIN
// event before it.
func (st *stream) ensureTxn(pos uint32, at time.Time) {
	if !st.txn.open {
		st.begin(pos, at, false)
	}
}

func (st *stream) handleQuery(ctx context.Context, evStart, evEnd uint32, at time.Time, e *replication.QueryEvent) error {
	q := strings.TrimSpace(string(e.Query))
	word := strings.ToUpper(firstWord(q))
	switch word {
	case "BEGIN":
		if st.txn.open {
			st.txn.explicit = true
		} else {
			st.begin(evStart, at, true)
		}
		return nil
	case "COMMIT":
		st.txn.open = false
		return nil
	case "ROLLBACK":
		// A ROLLBACK event ends a group of non-transactional changes (which
		// did happen); ROLLBACK TO SAVEPOINT ends nothing. Neither is data.
		if !strings.HasPrefix(strings.ToUpper(q), "ROLLBACK TO") {
			st.txn.open = false
		}
		return nil
	case "SAVEPOINT", "XA", "RELEASE":
		return nil
	}
	st.ensureTxn(evStart, at)
	err := st.handleDDL(ctx, evStart, evEnd, string(e.Schema), q)
	if !st.txn.explicit {
		st.txn.open = false
	}
	return err
}

func firstWord(q string) string {
	q = strings.TrimLeft(q, " \t\r\n(")
	for i, r := range q {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ';' || r == '(' || r == '/' {
			return q[:i]
		}
	}
	return q
}

// admit counts the change at (current file, evStart, idx) in its
// transaction and reports whether to deliver it: false when a resume already
// delivered it.
func (st *stream) admit(evStart uint32, idx int) bool {
	st.txn.records++
	return !st.skipping(evStart, idx)
}

// emit queues an admitted change at (current file, evStart, idx).
func (st *stream) emit(c dms.Change, evStart, evEnd uint32, idx int) {
	c.TransactionID = st.txn.id
	c.TransactionRecord = st.txn.records
	c.CommitTime = st.txn.commit
	c.Position = dms.Position(position{
		File: st.file, EventPos: evStart, RowIndex: idx, NextPos: evEnd,
		TxnID: st.txn.id, TxnFile: st.txn.file, TxnStartPos: st.txn.start,
	}.String())
	st.pending = append(st.pending, c)
}

// skipping reports whether the change at (current file, evStart, idx) was
// delivered before the resume point; the first later change ends skipping.
func (st *stream) skipping(evStart uint32, idx int) bool {
	if st.skip == nil {
		return false
	}
	if !less(st.skip.File, st.skip.EventPos, st.skip.RowIndex, st.file, evStart, idx) {
		return true
	}
	st.skip = nil
	return false
}

func (st *stream) handleRows(evStart, evEnd uint32, at time.Time, e *replication.RowsEvent) error {
	if e.Table == nil || !st.selected(string(e.Table.Schema), string(e.Table.Table)) {
		return nil
	}
	mt := st.maps[e.TableID]
	if mt == nil {
		return fmt.Errorf("mysql source: rows event for %s.%s in %s at %d without its table map", e.Table.Schema, e.Table.Table, st.file, evStart)
	}
	st.ensureTxn(evStart, at)
	decode := func(vals []any) (dms.Row, error) {
		r, err := decodeRow(mt.decs, vals)
		if err != nil {
			return nil, fmt.Errorf("mysql source: decode row of %s in %s at %d: %w", mt.def.ID(), st.file, evStart, err)
		}
		return r, nil
	}
	switch e.Type() {
	case replication.EnumRowsEventTypeInsert, replication.EnumRowsEventTypeDelete:
		op := dms.OpInsert
		if e.Type() == replication.EnumRowsEventTypeDelete {
			op = dms.OpDelete
		}
		for i, vals := range e.Rows {
			if !st.admit(evStart, i) {
				continue
			}
			row, err := decode(vals)
			if err != nil {
				return err
			}
			st.emit(dms.Change{Op: op, Table: mt.def, Data: row}, evStart, evEnd, i)
		}
	case replication.EnumRowsEventTypeUpdate:
		for i := 0; i+1 < len(e.Rows); i += 2 {
			if !st.admit(evStart, i/2) {
				continue
			}
			before, err := decode(e.Rows[i])
			if err != nil {
				return err
			}
			after, err := decode(e.Rows[i+1])
			if err != nil {
				return err
			}
			st.emit(dms.Change{Op: dms.OpUpdate, Table: mt.def, Data: after, Before: before}, evStart, evEnd, i/2)
		}
	}
	return nil
}

// readCharsets maps collation ids to their character set's traits.
func readCharsets(ctx context.Context, cn *conn) (map[uint64]charsetInfo, error) {
	rows, err := cn.rows(ctx, "SELECT c.ID, c.CHARACTER_SET_NAME, s.MAXLEN FROM information_schema.COLLATIONS c"+
		" JOIN information_schema.CHARACTER_SETS s ON s.CHARACTER_SET_NAME = c.CHARACTER_SET_NAME")
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]charsetInfo, len(rows))
	for _, r := range rows {
		id, err := strconv.ParseUint(str(r[0]), 10, 64)
		if err != nil {
			continue
		}
		out[id] = charsetInfo{binary: str(r[1]) == "binary", maxLen: int(atoi64(str(r[2])))}
	}
	return out, nil
}
