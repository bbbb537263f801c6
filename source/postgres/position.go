package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pglogrepl"

	"github.com/minidms/minidms/dms"
)

// position is a parsed stream position, in AWS DMS's PostgreSQL
// stream-position layout:
//
//	commitLSN.record.restartLSN
//	00000002/7C007178.3.00000002/7C007178
//
// For a change, commitLSN is where its transaction's commit record starts
// (pgoutput's Begin.FinalLSN), record its TransactionRecord, and restartLSN
// the LSN decoding restarts from to resume after it: the commit LSN again,
// since the transaction is read anew and its first record changes skipped.
// Record 0 names a point between transactions (Snapshot.Position, the
// consistent point of the slot): decoding restarts right there.
type position struct {
	Commit  pglogrepl.LSN
	Record  int
	Restart pglogrepl.LSN
}

func (p position) String() string {
	return formatLSN(p.Commit) + "." + strconv.Itoa(p.Record) + "." + formatLSN(p.Restart)
}

func (p position) pos() dms.Position { return dms.Position(p.String()) }

// pointPosition is the position "between transactions, at lsn".
func pointPosition(lsn pglogrepl.LSN) position {
	return position{Commit: lsn, Restart: lsn}
}

// formatLSN prints an LSN as AWS does: both halves zero-padded to 8 hex
// digits.
func formatLSN(l pglogrepl.LSN) string {
	return fmt.Sprintf("%08X/%08X", uint32(l>>32), uint32(l))
}

// parsePosition reads the layout above; a bare LSN ("0/16B3748") is a
// point between transactions.
func parsePosition(s dms.Position) (position, error) {
	bad := func(err error) (position, error) {
		return position{}, fmt.Errorf("postgres source: invalid position %q (want commitLSN.record.restartLSN, e.g. 00000002/7C007178.3.00000002/7C007178): %w", s, err)
	}
	parts := strings.Split(string(s), ".")
	switch len(parts) {
	case 1:
		l, err := pglogrepl.ParseLSN(parts[0])
		if err != nil {
			return bad(err)
		}
		return pointPosition(l), nil
	case 3:
	default:
		return bad(fmt.Errorf("%d fields", len(parts)))
	}
	var p position
	var err error
	if p.Commit, err = pglogrepl.ParseLSN(parts[0]); err != nil {
		return bad(err)
	}
	if p.Record, err = strconv.Atoi(parts[1]); err != nil || p.Record < 0 {
		return bad(fmt.Errorf("record %q", parts[1]))
	}
	if p.Restart, err = pglogrepl.ParseLSN(parts[2]); err != nil {
		return bad(err)
	}
	return p, nil
}
