package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/minidms/minidms/dms"
)

// Covers reports whether the change at pos is in the snapshot: whether its
// transaction began in the binary log before the snapshot's position (a
// transaction's events are written together, at its commit, so one that
// began before the position committed before the view). The engine asks
// it of the changes it reads after reloading a table from this snapshot.
func (sn *snapshot) Covers(pos dms.Position) (bool, error) {
	if sn.pos == "" {
		return false, fmt.Errorf("mysql source: the snapshot has no binlog position (binary logging off?)")
	}
	at, err := parsePosition(sn.pos)
	if err != nil {
		return false, err
	}
	p, err := parsePosition(pos)
	if err != nil {
		return false, err
	}
	file, offset := p.TxnFile, p.TxnStartPos
	if file == "" {
		file, offset = p.File, p.EventPos
	}
	if c := compareBinlogFiles(file, at.File); c != 0 {
		return c < 0, nil
	}
	return offset < at.EventPos, nil
}

// compareBinlogFiles orders binary log names by their numeric extension
// (mysql-bin.000009 before mysql-bin.000010, and before mysql-bin.1000000
// once the counter outgrows six digits), by name when they have none.
func compareBinlogFiles(a, b string) int {
	na, okA := binlogNumber(a)
	nb, okB := binlogNumber(b)
	switch {
	case okA && okB && na != nb:
		if na < nb {
			return -1
		}
		return 1
	case okA && okB:
		return 0
	}
	return strings.Compare(a, b)
}

func binlogNumber(name string) (uint64, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(name[i+1:], 10, 64)
	return n, err == nil
}
