package mysql

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
)

func TestSnapshotCovers(t *testing.T) {
	var _ dms.CoveringSnapshot = (*snapshot)(nil)
	sn := &snapshot{pos: startPosition("mysql-bin.000010", 1000)}
	for _, tc := range []struct {
		pos  dms.Position
		want bool
	}{
		{"mysql-bin.000010:1200:0:1250:77:mysql-bin.000010:900", true},      // its transaction began before
		{"mysql-bin.000010:1200:0:1250:78:mysql-bin.000010:1000", false},    // began at the snapshot
		{"mysql-bin.000010:1400:2:1450:79:mysql-bin.000010:1300", false},    // after
		{"mysql-bin.000009:99999:0:100050:70:mysql-bin.000009:99000", true}, // an earlier file
		{"mysql-bin.000011:4:0:120:80:mysql-bin.000011:4", false},
		{"mysql-bin.000010:999", true},                              // the short form
		{"mysql-bin.1000000:4:0:120:81:mysql-bin.1000000:4", false}, // seven digits sort after six
	} {
		got, err := sn.Covers(tc.pos)
		require.NoError(t, err, tc.pos)
		require.Equal(t, tc.want, got, tc.pos)
	}
	_, err := sn.Covers("nonsense")
	require.Error(t, err)
	_, err = (&snapshot{}).Covers("mysql-bin.000010:999")
	require.EqualError(t, err, "mysql source: the snapshot has no binlog position (binary logging off?)")
}
