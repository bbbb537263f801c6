package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/minidms/minidms/dms"
)

// position is a parsed stream position, in AWS DMS's MySQL stream-position
// layout:
//
//	file:eventPos:rowIndex:nextPos:txnID:txnFile:txnStartPos
//
// file/eventPos is where the binlog event of the change starts, rowIndex the
// 0-based index of the change within that event (the row of a rows event,
// the column of a DDL), nextPos where the event ends, txnID the change's
// TransactionID and txnFile/txnStartPos where its transaction starts. A
// position with txnID 0 names a point between transactions: reading starts
// right at file/eventPos.
type position struct {
	File        string
	EventPos    uint32
	RowIndex    int
	NextPos     uint32
	TxnID       uint64
	TxnFile     string
	TxnStartPos uint32
}

// String builds the position without fmt: CDC makes one per change.
func (p position) String() string {
	b := make([]byte, 0, len(p.File)+len(p.TxnFile)+48)
	b = append(b, p.File...)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(p.EventPos), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p.RowIndex), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(p.NextPos), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, p.TxnID, 10)
	b = append(b, ':')
	b = append(b, p.TxnFile...)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(p.TxnStartPos), 10)
	return string(b)
}

// startPosition is the position "start right at file/pos".
func startPosition(file string, pos uint32) dms.Position {
	return dms.Position(position{File: file, EventPos: pos, NextPos: pos, TxnFile: file, TxnStartPos: pos}.String())
}

// parsePosition reads the 7-field layout, or the short form "file:pos".
func parsePosition(s dms.Position) (position, error) {
	parts := strings.Split(string(s), ":")
	bad := func(err error) (position, error) {
		return position{}, fmt.Errorf("mysql source: invalid position %q (want file:eventPos:rowIndex:nextPos:txnID:txnFile:txnStartPos): %w", s, err)
	}
	u32 := func(x string) (uint32, error) {
		n, err := strconv.ParseUint(x, 10, 32)
		return uint32(n), err
	}
	switch len(parts) {
	case 2:
		pos, err := u32(parts[1])
		if err != nil || parts[0] == "" {
			return bad(fmt.Errorf("bad file or offset"))
		}
		return position{File: parts[0], EventPos: pos, NextPos: pos, TxnFile: parts[0], TxnStartPos: pos}, nil
	case 7:
	default:
		return bad(fmt.Errorf("%d fields", len(parts)))
	}
	var p position
	var err error
	p.File, p.TxnFile = parts[0], parts[5]
	if p.File == "" || p.TxnFile == "" {
		return bad(fmt.Errorf("empty file name"))
	}
	if p.EventPos, err = u32(parts[1]); err != nil {
		return bad(err)
	}
	if p.RowIndex, err = strconv.Atoi(parts[2]); err != nil {
		return bad(err)
	}
	if p.NextPos, err = u32(parts[3]); err != nil {
		return bad(err)
	}
	if p.TxnID, err = strconv.ParseUint(parts[4], 10, 64); err != nil {
		return bad(err)
	}
	if p.TxnStartPos, err = u32(parts[6]); err != nil {
		return bad(err)
	}
	return p, nil
}

// fileSeq is the numeric extension of a binlog file name
// ("mysql-bin.000042" → 42).
func fileSeq(file string) uint64 {
	i := strings.LastIndexByte(file, '.')
	n, err := strconv.ParseUint(file[i+1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// transactionID derives a transaction's id from where it starts in the
// binlog: the file's sequence number in the high 32 bits, the offset in the
// low 32 — the shape of the ids AWS DMS reports for MySQL sources.
func transactionID(file string, startPos uint32) uint64 {
	return fileSeq(file)<<32 | uint64(startPos)
}

// less orders two places in the binlog: file, event offset, row index.
func less(aFile string, aPos uint32, aRow int, bFile string, bPos uint32, bRow int) bool {
	if aFile != bFile {
		as, bs := fileSeq(aFile), fileSeq(bFile)
		if as != bs {
			return as < bs
		}
		return aFile < bFile
	}
	if aPos != bPos {
		return aPos < bPos
	}
	return aRow < bRow
}
