package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/examples/internal/testenv"
	"github.com/minidms/minidms/source/postgres"
)

// The bench's PostgreSQL database, kept between runs like the MariaDB ones.
const pgDB = "minidms_bench"

// pgTableDDL is tableDDL in PostgreSQL's types.
const pgTableDDL = `(id BIGINT PRIMARY KEY, qty INT, name VARCHAR(64), amount NUMERIC(12,2), created TIMESTAMP(6),
	ratio DOUBLE PRECISION, flag SMALLINT, note TEXT, day DATE, hash BYTEA)`

func pgScenarios() []scenario {
	return []scenario{
		{name: "pg-fullload", target: "≥ 0.8× baseline", unit: "rows/s", prepare: preparePGLoad, minidms: "pg-fullload-memory", baseline: "pg-fullload-raw"},
		{name: "pg-cdc", target: "≥ 0.8× baseline", unit: "changes/s", prepare: preparePGCDC, minidms: "pg-cdc-memory", baseline: "pg-cdc-raw"},
	}
}

func pgMeasurements() map[string]measurement {
	return map[string]measurement{
		"pg-fullload-memory": pgFullLoad,
		"pg-fullload-raw":    pgFullLoadRaw,
		"pg-cdc-memory":      pgCDC,
		"pg-cdc-raw":         pgCDCRaw,
	}
}

// pgDSN is the bench database's connection string; replication adds
// replication=database.
func pgDSN(replication bool) (string, error) {
	cfg, err := pgconn.ParseConfig(testenv.PostgresDSN())
	if err != nil {
		return "", fmt.Errorf("MINIDMS_POSTGRES_DSN: %w", err)
	}
	dsn := fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, pgDB)
	if replication {
		dsn += "&replication=database"
	}
	return dsn, nil
}

func pgConnect(ctx context.Context) (*pgx.Conn, error) {
	admin, err := pgx.Connect(ctx, testenv.PostgresDSN())
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", pgDB).Scan(&exists); err != nil {
		admin.Close(ctx)
		return nil, err
	}
	if !exists {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgDB); err != nil {
			admin.Close(ctx)
			return nil, err
		}
	}
	admin.Close(ctx)
	dsn, err := pgDSN(false)
	if err != nil {
		return nil, err
	}
	return pgx.Connect(ctx, dsn)
}

func pgSource(slot string) (*postgres.Source, error) {
	dsn, err := pgDSN(false)
	if err != nil {
		return nil, err
	}
	off := false
	return postgres.New(postgres.Config{DSN: dsn, SlotName: slot, PublicationName: "bench_pub", CaptureDdls: &off}), nil
}

func preparePGLoad(ctx context.Context, o options) (string, string, error) {
	c, err := pgConnect(ctx)
	if err != nil {
		return "", "", err
	}
	defer c.Close(ctx)
	table := tableName(o.rows)
	var have int64
	if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&have); err == nil && have == int64(o.rows) {
		return fmt.Sprintf("%d rows × 10 columns", o.rows), table, nil
	}
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + table,
		"CREATE TABLE " + table + " " + pgTableDDL,
		fmt.Sprintf(`INSERT INTO %s SELECT g, g %% 1000, 'customer name ' || g, g / 100.0,
			TIMESTAMP '2024-01-01' + g * INTERVAL '1 second' + (g %% 1000000) * INTERVAL '1 microsecond',
			g / 7.0, g %% 2, repeat('lorem ipsum ', 8), DATE '2024-01-01' + (g %% 365)::int, decode(md5(g::text), 'hex')
			FROM generate_series(1, %d) g`, table, o.rows),
		"VACUUM ANALYZE " + table,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return "", "", fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return fmt.Sprintf("%d rows × 10 columns", o.rows), table, nil
}

func pgFullLoad(ctx context.Context, o options, table string) (measure, error) {
	rows := int64(o.rows)
	src, err := pgSource("bench_load")
	if err != nil {
		return measure{}, err
	}
	defer func() { _ = src.DropSlot(context.Background()) }()
	sel, err := selectTable("public", table)
	if err != nil {
		return measure{}, err
	}
	sink := newSink(rows)
	secs, err := runTask(ctx, dms.TaskConfig{ID: "BENCHPGLOAD", Source: src, Target: sink, Mapping: sel, MigrationType: dms.FullLoad}, nil)
	return measure{Units: rows, Seconds: secs}, err
}

// pgFullLoadRaw is the baseline: pgx streaming the same SELECT, every
// value decoded to a Go value.
func pgFullLoadRaw(ctx context.Context, o options, table string) (measure, error) {
	c, err := pgConnect(ctx)
	if err != nil {
		return measure{}, err
	}
	defer c.Close(ctx)
	var n int64
	secs, err := timed(func() error {
		rows, err := c.Query(ctx, "SELECT * FROM "+table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	})
	return measure{Units: n, Seconds: secs}, err
}

// preparePGCDC makes two slots at one point, then the changes: the engine
// reads them through one slot, the baseline through the other.
func preparePGCDC(ctx context.Context, o options) (string, string, error) {
	c, err := pgConnect(ctx)
	if err != nil {
		return "", "", err
	}
	defer c.Close(ctx)
	for _, q := range []string{
		"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('bench_a', 'bench_b') AND database = current_database()",
		"DROP TABLE IF EXISTS changes",
		"CREATE TABLE changes " + pgTableDDL,
		"DROP PUBLICATION IF EXISTS bench_pub",
		"CREATE PUBLICATION bench_pub FOR TABLE changes",
		"SELECT pg_create_logical_replication_slot('bench_a', 'pgoutput')",
		"SELECT pg_create_logical_replication_slot('bench_b', 'pgoutput')",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return "", "", fmt.Errorf("%.60s: %w", q, err)
		}
	}
	var start string
	if err := c.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&start); err != nil {
		return "", "", err
	}
	n, err := writePGChanges(ctx, c, o.changes)
	if err != nil {
		return "", "", err
	}
	return fmt.Sprintf("%d row changes in transactions of 1–100 rows, read from the WAL", n), fmt.Sprintf("%s/%d", start, n), nil
}

// writePGChanges makes the same mix as writeChanges.
func writePGChanges(ctx context.Context, c *pgx.Conn, n int) (int64, error) {
	var done int64
	err := generateChanges(n, func(op string, ids []int64) (int64, error) {
		var q string
		switch op {
		case "insert":
			vals := make([]string, len(ids))
			for i, id := range ids {
				vals[i] = fmt.Sprintf("(%d,%d,'customer name %d',%d.25,'2024-01-01 00:00:00.123456',%d.5,1,'lorem ipsum dolor sit amet','2024-01-01',decode(md5('%d'),'hex'))", id, id%1000, id, id, id, id)
			}
			q = "INSERT INTO changes VALUES " + strings.Join(vals, ",")
		case "update":
			q = "UPDATE changes SET qty = qty + 1 WHERE id IN (" + joinIDs(ids) + ")"
		default:
			q = "DELETE FROM changes WHERE id IN (" + joinIDs(ids) + ")"
		}
		tag, err := c.Exec(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("%.60s: %w", q, err)
		}
		done += tag.RowsAffected()
		return tag.RowsAffected(), nil
	})
	return done, err
}

func pgCDC(ctx context.Context, o options, arg string) (measure, error) {
	d, err := parseCDCData(arg)
	if err != nil {
		return measure{}, err
	}
	src, err := pgSource("bench_a")
	if err != nil {
		return measure{}, err
	}
	sel, err := selectTable("public", "changes")
	if err != nil {
		return measure{}, err
	}
	sink := newSink(d.changes)
	secs, err := runTask(ctx, dms.TaskConfig{ID: "BENCHPGCDC", Source: src, Target: sink, Mapping: sel,
		MigrationType: dms.CDC, CdcStartPosition: dms.Position(d.start)}, sink.done)
	return measure{Units: d.changes, Seconds: secs}, err
}

// pgCDCRaw is the baseline: a bare pglogrepl loop over the same WAL
// through the second slot, every tuple's values decoded to text.
func pgCDCRaw(ctx context.Context, o options, arg string) (measure, error) {
	d, err := parseCDCData(arg)
	if err != nil {
		return measure{}, err
	}
	start, err := pglogrepl.ParseLSN(d.start)
	if err != nil {
		return measure{}, err
	}
	dsn, err := pgDSN(true)
	if err != nil {
		return measure{}, err
	}
	conn, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return measure{}, err
	}
	defer conn.Close(context.Background())
	var n int64
	secs, err := timed(func() error {
		if err := pglogrepl.StartReplication(ctx, conn, "bench_b", start, pglogrepl.StartReplicationOptions{
			PluginArgs: []string{"proto_version '1'", "publication_names 'bench_pub'"},
		}); err != nil {
			return err
		}
		relations := map[uint32]*pglogrepl.RelationMessage{}
		var vals []string
		decode := func(rel *pglogrepl.RelationMessage, tuple *pglogrepl.TupleData) {
			if tuple == nil {
				return
			}
			vals = vals[:0]
			for _, col := range tuple.Columns {
				vals = append(vals, string(col.Data))
			}
		}
		for n < d.changes {
			msg, err := conn.ReceiveMessage(ctx)
			if err != nil {
				return err
			}
			cd, ok := msg.(*pgproto3.CopyData)
			if !ok || len(cd.Data) == 0 {
				continue
			}
			switch cd.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
				if err != nil {
					return err
				}
				if ka.ReplyRequested {
					if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: start}); err != nil {
						return err
					}
				}
			case pglogrepl.XLogDataByteID:
				xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
				if err != nil {
					return err
				}
				lm, err := pglogrepl.Parse(xld.WALData)
				if err != nil {
					return err
				}
				switch m := lm.(type) {
				case *pglogrepl.RelationMessage:
					relations[m.RelationID] = m
				case *pglogrepl.InsertMessage:
					decode(relations[m.RelationID], m.Tuple)
					n++
				case *pglogrepl.UpdateMessage:
					decode(relations[m.RelationID], m.OldTuple)
					decode(relations[m.RelationID], m.NewTuple)
					n++
				case *pglogrepl.DeleteMessage:
					decode(relations[m.RelationID], m.OldTuple)
					n++
				}
			}
		}
		return nil
	})
	return measure{Units: n, Seconds: secs}, err
}
