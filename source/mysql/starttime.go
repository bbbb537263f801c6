package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/minidms/minidms/dms"
)

var _ dms.TimePositioner = (*Source)(nil)

// PositionAt returns the position from which Changes delivers the
// transactions committed at or after at, for a task's CdcStartTime.
//
// Binlog event times have one-second resolution, so at is truncated to the
// second and compared with the time the change stream reports as a
// transaction's CommitTime (MariaDB's GTID event, MySQL 8's
// immediate_commit_timestamp, else the BEGIN event or, for a statement
// without one, its first event). The answer is the between-transactions
// position (txnID 0) at the start of the first transaction in binlog order
// whose time is at or after at: Changes from it delivers that transaction
// first, so the first change delivered has CommitTime >= at. Transactions
// after it are delivered in binlog order even when one of them carries an
// earlier time (commit order and statement times can disagree by a second).
//
// When no transaction in the log is that late, the answer is the current
// end of the binary log (where Changes from "" would start); when at is
// before the oldest binary log still on the server was created, it is the
// start of that log ("file:4" in the 7-field form): everything the server
// still has.
//
// The binary logs are found by their creation times (the time of each
// file's format description event, read with a short binlog dump), by
// binary search; the scan then starts in the newest log created before
// at's second and reads forward, across later logs if needed, up to the end
// of the log as it was when the call began, so it never waits for new
// events. Each binlog dump registers with its own random replica server id
// (Config.ServerID is not used: it would evict a running stream) and is
// closed before PositionAt returns. ctx bounds every connection.
func (s *Source) PositionAt(ctx context.Context, at time.Time) (dms.Position, error) {
	at = time.Unix(at.Unix(), 0).UTC() // Unix floors: at truncated to the second
	// An error that ctx ending caused says so (errors.Is ctx.Err()).
	withCtx := func(err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			return fmt.Errorf("%w: %w", ctxErr, err)
		}
		return err
	}
	cn, err := s.connect(ctx)
	if err != nil {
		return "", withCtx(err)
	}
	pos, what, err := s.positionAt(ctx, cn, at)
	cn.close()
	if err != nil {
		return "", fmt.Errorf("mysql source %s: find the binlog position of %s: %s: %w", cn.addr, at.Format(time.RFC3339), what, withCtx(err))
	}
	s.log.Debug("binlog position of a time", "addr", cn.addr, "at", at, "position", pos)
	return pos, nil
}

// positionAt does PositionAt's work; what names the step that failed.
func (s *Source) positionAt(ctx context.Context, cn *conn, at time.Time) (_ dms.Position, what string, _ error) {
	flavor := s.flavor(cn)
	endFile, endPos, err := binlogStatus(ctx, cn)
	if err != nil {
		return "", "read binary log status", err
	}
	all, err := binlogFiles(ctx, cn)
	if err != nil {
		return "", "list binary logs", err
	}
	// Logs created after the status was read are past the end we stop at.
	var files []string
	for _, f := range all {
		if !less(endFile, 0, 0, f, 0, 0) {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		files = []string{endFile}
	}

	// Dumps stop when PositionAt returns, whatever ctx does later.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := dumper{s: s, flavor: flavor, ctx: ctx}

	// The first log created at or after at's second; the logs before it were
	// all written before that second (an event is written before the next
	// log is created), so the first transaction that late is in the log
	// before it or later.
	created := make(map[int]int64, 8)
	createdAt := func(i int) (int64, error) {
		if t, ok := created[i]; ok {
			return t, nil
		}
		t, err := d.created(files[i])
		if err != nil {
			return 0, err
		}
		created[i] = t
		return t, nil
	}
	lo, hi := 0, len(files)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		t, err := createdAt(mid)
		if err != nil {
			return "", "read the creation time of binary log " + files[mid], err
		}
		if t >= at.Unix() {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	first := lo - 1
	if lo == 0 {
		t, err := createdAt(0)
		if err != nil {
			return "", "read the creation time of binary log " + files[0], err
		}
		if t > at.Unix() {
			return startPosition(files[0], 4), "", nil
		}
		first = 0
	}
	pos, err := d.scan(files[first], at.Unix(), endFile, endPos)
	if err != nil {
		return "", fmt.Sprintf("read binary logs from %s up to %s:%d", files[first], endFile, endPos), err
	}
	return pos, "", nil
}

// dumper opens the short binlog dumps PositionAt reads with.
type dumper struct {
	s      *Source
	flavor string
	ctx    context.Context
}

// open starts a binlog dump at file:4 with a random server id. The caller
// closes the syncer.
func (d dumper) open(file string) (*replication.BinlogSyncer, *replication.BinlogStreamer, error) {
	host, port, err := d.s.hostPort()
	if err != nil {
		return nil, nil, err
	}
	syncer := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{
		ServerID:                randomServerID(),
		Flavor:                  d.flavor,
		Host:                    host,
		Port:                    port,
		User:                    d.s.cfg.User,
		Password:                d.s.cfg.Password,
		Charset:                 "utf8mb4",
		TimestampStringLocation: time.UTC,
		DisableRetrySync:        true,
		EventCacheCount:         64,
		Logger:                  d.s.log.With("component", "go-mysql"),
		Dialer:                  d.dial,
		// Only the header: the scan needs rows events' places, not rows.
		RowsEventDecodeFunc: func(e *replication.RowsEvent, data []byte) error {
			_, err := e.DecodeHeader(data)
			return err
		},
	})
	bs, err := syncer.StartSync(gomysql.Position{Name: file, Pos: 4})
	if err != nil {
		syncer.Close()
		return nil, nil, fmt.Errorf("start binlog dump at %s:4: %w", file, unwrapTrace(err))
	}
	return syncer, bs, nil
}

// dial connects the syncer's connections so that d.ctx ending interrupts
// their I/O: go-mysql's StartSync takes no context.
func (d dumper) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(d.ctx, cancel)()
	c, err := (&net.Dialer{Timeout: dialTimeout}).DialContext(ctx, network, addr)
	if err != nil {
		if ctxErr := d.ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	context.AfterFunc(d.ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// next reads the next event of a dump.
func (d dumper) next(bs *replication.BinlogStreamer) (*replication.BinlogEvent, error) {
	ev, err := bs.GetEvent(d.ctx)
	if err != nil {
		if ctxErr := d.ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, unwrapTrace(err)
	}
	return ev, nil
}

// created reads when a binary log was created: the time of its format
// description event, which a dump from file:4 sends after a fake rotate.
func (d dumper) created(file string) (int64, error) {
	syncer, bs, err := d.open(file)
	if err != nil {
		return 0, err
	}
	defer syncer.Close()
	for range 8 {
		ev, err := d.next(bs)
		if err != nil {
			return 0, fmt.Errorf("binlog dump of %s: %w", file, err)
		}
		if _, ok := ev.Event.(*replication.FormatDescriptionEvent); ok {
			return int64(ev.Header.Timestamp), nil
		}
	}
	return 0, fmt.Errorf("binlog dump of %s: no format description event at its start", file)
}

// scan reads from file:4 to the first transaction whose time is at or after
// at (Unix seconds) and returns the position of its start; it stops at
// endFile:endPos and returns that when none is. Transactions start where
// the change stream's handle opens them (begin, ensureTxn), with the same
// time (eventTime).
func (d dumper) scan(file string, at int64, endFile string, endPos uint32) (dms.Position, error) {
	syncer, bs, err := d.open(file)
	if err != nil {
		return "", err
	}
	defer syncer.Close()
	end := startPosition(endFile, endPos)
	var open, explicit bool
	for {
		ev, err := d.next(bs)
		if err != nil {
			return "", fmt.Errorf("binlog dump in %s: %w", file, err)
		}
		h := ev.Header
		var evStart, evEnd uint32
		if h.LogPos > 0 && h.LogPos >= h.EventSize {
			evEnd = h.LogPos
			evStart = h.LogPos - h.EventSize
		}
		if evEnd > 0 && !less(file, evStart, 0, endFile, endPos, 0) {
			return end, nil // at or past the end the call began with
		}
		// begin opens a transaction at evStart; it is the answer when late
		// enough.
		begin := func(expl bool) bool {
			open, explicit = true, expl
			return eventTime(ev).Unix() >= at
		}
		found := false
		switch e := ev.Event.(type) {
		case *replication.RotateEvent:
			file = string(e.NextLogName)
			if less(endFile, endPos, 0, file, 4, 0) {
				return end, nil
			}
			continue // its place is in the file before
		case *replication.MariadbGTIDEvent:
			found = begin(!e.IsStandalone())
		case *replication.GTIDEvent:
			found = begin(false)
		case *replication.QueryEvent:
			q := strings.TrimSpace(string(e.Query))
			switch strings.ToUpper(firstWord(q)) {
			case "BEGIN":
				if open {
					explicit = true
				} else {
					found = begin(true)
				}
			case "COMMIT":
				open = false
			case "ROLLBACK":
				if !strings.HasPrefix(strings.ToUpper(q), "ROLLBACK TO") {
					open = false
				}
			case "SAVEPOINT", "XA", "RELEASE":
			default:
				if !open {
					found = begin(false)
				}
				if !explicit {
					open = false
				}
			}
		case *replication.RowsEvent:
			// The stream opens a transaction at a rows event only for a
			// selected table; rows events always follow a GTID or BEGIN
			// event in practice.
			if !open {
				found = begin(false)
			}
		case *replication.XIDEvent:
			open = false
		}
		if found {
			return startPosition(file, evStart), nil
		}
		if file == endFile && evEnd >= endPos {
			return end, nil
		}
	}
}
