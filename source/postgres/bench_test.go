package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

const benchTable = "CREATE TABLE bench (id bigint PRIMARY KEY, n int, s varchar(64), d numeric(12,2), ts timestamp(6), f double precision, b boolean, t text, dt date, by bytea)"

func benchRows(from, to int) string {
	return fmt.Sprintf(`INSERT INTO bench SELECT i, i %% 1000, 'name ' || i, i / 100.0, '2024-01-01'::timestamp + i * interval '1 second',
		i / 7.0, i %% 2 = 0, repeat('x', 100), '2024-01-01'::date + i %% 1000, '\x0102030405060708'
		FROM generate_series(%d, %d) i`, from, to-1)
}

// BenchmarkFullLoad measures Snapshot.Load: rows per second, every value
// decoded.
func BenchmarkFullLoad(b *testing.B) {
	const rows = 200_000
	srv := dmstest.Postgres(b)
	dmstest.PostgresExec(b, srv, benchTable, benchRows(0, rows))
	ctx := context.Background()
	src := newSource(srv)
	var elapsed time.Duration
	for b.Loop() {
		sn, err := src.Snapshot(ctx)
		require.NoError(b, err)
		defs, err := sn.Tables(ctx, schemaSel("public"))
		require.NoError(b, err)
		start := time.Now()
		n := 0
		require.NoError(b, sn.Load(ctx, defs[0], func(dms.Row) error { n++; return nil }))
		elapsed += time.Since(start)
		require.Equal(b, rows, n)
		require.NoError(b, sn.Close())
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkChanges measures the change stream: changes per second, every
// value decoded.
func BenchmarkChanges(b *testing.B) {
	const changes = 100_000
	srv := dmstest.Postgres(b)
	dmstest.PostgresExec(b, srv, benchTable)
	ctx := context.Background()
	src := newSource(srv)
	cs, err := src.Changes(ctx, "", schemaSel("public"))
	require.NoError(b, err)
	defer cs.Close()
	from := 0
	var elapsed time.Duration
	for b.Loop() {
		dmstest.PostgresExec(b, srv, benchRows(from, from+changes))
		from += changes
		start := time.Now()
		for range changes {
			_, err := cs.Next(ctx)
			require.NoError(b, err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(changes*b.N)/elapsed.Seconds(), "changes/s")
}
