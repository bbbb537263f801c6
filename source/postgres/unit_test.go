package postgres

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
)

func TestPositionRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   dms.Position
		want position
		text string
	}{
		{"00000002/7C007178.3.00000002/7C007178", position{Commit: 0x27C007178, Record: 3, Restart: 0x27C007178}, "00000002/7C007178.3.00000002/7C007178"},
		{"0/16B3748", position{Commit: 0x16B3748, Restart: 0x16B3748}, "00000000/016B3748.0.00000000/016B3748"},
		{"00000000/016B3748.0.00000000/016B3748", position{Commit: 0x16B3748, Restart: 0x16B3748}, "00000000/016B3748.0.00000000/016B3748"},
	} {
		p, err := parsePosition(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, p)
		require.Equal(t, tc.text, p.String())
	}
	for _, bad := range []dms.Position{"x", "0/1.2", "0/1.-1.0/1", "0/1.a.0/1", "0/1.1.zz", "mysql-bin.000001:4"} {
		_, err := parsePosition(bad)
		require.ErrorContains(t, err, "invalid position", bad)
	}
}

func TestDecodeValues(t *testing.T) {
	for _, tc := range []struct {
		kind  valueKind
		scale int
		in    string
		want  any
	}{
		{kindInt, 0, "-42", int64(-42)},
		{kindMoney, 0, "$0.05", "0.0500"},
		{kindMoney, 0, "-$1,234,567.89", "-1234567.8900"},
		{kindMoney, 0, "$12", "12.0000"},
		{kindReal4, 0, "1.1", float32(1.1)},
		{kindReal8, 0, "Infinity", math.Inf(1)},
		{kindBool, 0, "f", false},
		{kindBytes, 0, `\x00ff`, []byte{0, 0xff}},
		{kindDateTime, 6, "2024-01-02 03:04:05+00", "2024-01-02 03:04:05.000000"},
		{kindDateTime, 3, "2024-01-02 03:04:05.5", "2024-01-02 03:04:05.500"},
		{kindDateTime, 0, "2024-01-02 03:04:05", "2024-01-02 03:04:05"},
		{kindDateTime, 6, "2024-01-02 03:04:05.25+05:30", "2024-01-01 21:34:05.250000"},
		{kindDateTime, 6, "infinity", "infinity"},
		{kindDateTime, 6, "0044-03-15 12:00:00 BC", "0044-03-15 12:00:00 BC"},
		{kindTime, 6, "24:00:00", "24:00:00.000000"},
		{kindTime, 0, "10:11:12", "10:11:12"},
		{kindNumeric, 0, "NaN", "NaN"},
		{kindText, 0, "", ""},
	} {
		got, err := decoder{kind: tc.kind, scale: tc.scale}.decode([]byte(tc.in))
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, tc := range []struct {
		kind valueKind
		in   string
	}{{kindInt, "x"}, {kindBool, "yes"}, {kindBytes, "00ff"}, {kindMoney, "€1"}, {kindReal4, "1e99"}} {
		_, err := decoder{kind: tc.kind}.decode([]byte(tc.in))
		require.Error(t, err, tc.in)
	}
}

// TestAcknowledgeReleasesWAL: the slot's confirmed position moves only as
// far as what was acknowledged, so a resume from an acknowledged change
// still gets everything after it.
func TestAcknowledgeReleasesWAL(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY)")
	src := New(Config{DSN: srv.DSN})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	open := func(from dms.Position) *stream {
		cs, err := src.Changes(ctx, from, nil)
		require.NoError(t, err)
		st := cs.(*stream)
		st.statusEvery, st.nextStatus = 20*time.Millisecond, time.Now()
		return st
	}
	slot, err := src.SlotName()
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, srv.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	confirmed := func() pglogrepl.LSN {
		var lsn pglogrepl.LSN
		require.NoError(t, conn.QueryRow(ctx, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&lsn))
		return lsn
	}
	// waitConfirmed keeps the stream reading (it reports its position from
	// Next) until the slot's confirmed position satisfies ok.
	waitConfirmed := func(st *stream, ok func(pglogrepl.LSN) bool) pglogrepl.LSN {
		for {
			if l := confirmed(); ok(l) {
				return l
			}
			rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond)
			_, err := st.Next(rctx)
			rcancel()
			require.True(t, errors.Is(err, context.DeadlineExceeded), "no more changes expected, got %v", err)
			require.NoError(t, ctx.Err())
		}
	}

	st := open("")
	start := confirmed()
	dmstest.PostgresExec(t, srv, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)")
	c1, err := st.Next(ctx)
	require.NoError(t, err)
	c2, err := st.Next(ctx)
	require.NoError(t, err)
	p1, err := parsePosition(c1.Position)
	require.NoError(t, err)
	p2, err := parsePosition(c2.Position)
	require.NoError(t, err)
	require.Less(t, start, p1.Commit)

	require.NoError(t, st.Acknowledge(c1.Position))
	got := waitConfirmed(st, func(l pglogrepl.LSN) bool { return l != start })
	require.Greater(t, got, p1.Commit, "the last change of a transaction confirms the transaction's end")
	require.Less(t, got, p2.Commit, "nothing unacknowledged is confirmed")
	require.NoError(t, st.Close())

	st = open(c1.Position)
	again, err := st.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, c2.Data, again.Data, "the change after the acknowledged one is still there")
	require.Equal(t, c2.Position, again.Position)
	require.NoError(t, st.Acknowledge(again.Position))
	waitConfirmed(st, func(l pglogrepl.LSN) bool { return l > p2.Commit })
	require.NoError(t, st.Close())
}

// TestIdleStreamConfirmsWALEnd: an idle stream with nothing unacknowledged
// confirms the server's WAL end, which the heartbeat keeps moving.
func TestIdleStreamConfirmsWALEnd(t *testing.T) {
	srv := dmstest.Postgres(t)
	dmstest.PostgresExec(t, srv, "CREATE TABLE t (id int PRIMARY KEY)")
	src := New(Config{DSN: srv.DSN, HeartbeatEnable: true, HeartbeatFrequency: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := src.Changes(ctx, "", nil)
	require.NoError(t, err)
	defer cs.Close()
	st := cs.(*stream)
	st.statusEvery, st.nextStatus = 20*time.Millisecond, time.Now()
	slot, err := src.SlotName()
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, srv.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	p, err := parsePosition(st.StartPosition())
	require.NoError(t, err)
	for {
		var lsn pglogrepl.LSN
		require.NoError(t, conn.QueryRow(ctx, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&lsn))
		if lsn > p.Restart {
			break
		}
		rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err := st.Next(rctx)
		rcancel()
		require.True(t, errors.Is(err, context.DeadlineExceeded), "no change expected, got %v", err)
		require.NoError(t, ctx.Err(), "the confirmed position never moved past the start")
	}
}

func TestCheckSettings(t *testing.T) {
	ok := serverSettings{walLevel: "logical", role: "dms", maxSlots: 10, usedSlots: 3, repl: true, hasTrigger: true}
	off := false
	for _, tc := range []struct {
		name   string
		cfg    Config
		change func(*serverSettings)
		want   string
	}{
		{"ready", Config{}, func(*serverSettings) {}, ""},
		{"wal_level", Config{}, func(v *serverSettings) { v.walLevel = "replica" },
			"postgres source db: wal_level is replica: set wal_level = logical in postgresql.conf (RDS: rds.logical_replication = 1) and restart the server"},
		{"no REPLICATION", Config{}, func(v *serverSettings) { v.repl = false },
			`postgres source db: role "dms" lacks the REPLICATION attribute logical replication needs: ALTER ROLE "dms" WITH REPLICATION (RDS: GRANT rds_replication TO "dms")`},
		{"superuser without REPLICATION", Config{}, func(v *serverSettings) { v.repl, v.super = false, true }, ""},
		{"no free slot", Config{}, func(v *serverSettings) { v.usedSlots = 10 },
			"postgres source db: no free replication slot (max_replication_slots = 10, all in use): raise max_replication_slots (and max_wal_senders) and restart, or drop unused slots with pg_drop_replication_slot"},
		{"all slots used but ours exists", Config{}, func(v *serverSettings) { v.usedSlots, v.slotExists = 10, true }, ""},
		{"wal_sender_timeout", Config{}, func(v *serverSettings) { v.senderMs = 5000 },
			"postgres source db: wal_sender_timeout is 5000 ms: set it to 0 or at least 10s"},
		{"wal_sender_timeout 0", Config{}, func(v *serverSettings) { v.senderMs = 0 }, ""},
		{"no trigger, no superuser", Config{}, func(v *serverSettings) { v.hasTrigger = false },
			"postgres source db: capturing DDL needs the event trigger awsdms_intercept_ddl, which only a superuser can create: connect once as a superuser, or set CaptureDdls to false"},
		{"no trigger, DDL capture off", Config{CaptureDdls: &off}, func(v *serverSettings) { v.hasTrigger = false }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ok
			tc.change(&v)
			err := New(tc.cfg).checkSettings("db", v)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
			var nr noReplication
			require.Equal(t, tc.name == "wal_level" || tc.name == "no REPLICATION", errors.As(err, &nr), "rules out logical replication")
		})
	}
}

func TestSlotNames(t *testing.T) {
	src := New(Config{DSN: "postgres://u@h/My-Shop"})
	slot, err := src.SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_my_shop", slot)
	require.NoError(t, src.validate())
	require.ErrorContains(t, New(Config{SlotName: "Bad Name"}).validate(), `SlotName "Bad Name": a replication slot name has at most 63 of the characters a-z, 0-9 and _`)
	src = New(Config{Host: "db", Port: 6543, User: "u", Database: "d b", SlotName: "s1"})
	slot, err = src.SlotName()
	require.NoError(t, err)
	require.Equal(t, "s1", slot)
	pub, err := src.publication()
	require.NoError(t, err)
	require.Equal(t, "s1", pub)
	pc, err := src.pgConfig(true)
	require.NoError(t, err)
	require.Equal(t, "db", pc.Host)
	require.Equal(t, uint16(6543), pc.Port)
	require.Equal(t, "d b", pc.Database)
	require.Equal(t, "database", pc.RuntimeParams["replication"])
	require.Equal(t, "UTC", pc.RuntimeParams["TimeZone"])
}

func TestConnLost(t *testing.T) {
	require.True(t, dms.IsRecoverable(connLost(errors.New("read tcp: connection reset by peer"))))
	require.True(t, dms.IsRecoverable(connLost(&pgconn.PgError{Severity: "FATAL", Code: "57P01"})))
	require.False(t, dms.IsRecoverable(connLost(&pgconn.PgError{Severity: "ERROR", Code: "42704"})))
}
