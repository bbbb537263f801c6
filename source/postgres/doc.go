// Package postgres is a dms.Source for PostgreSQL: full load from the
// snapshot a logical replication slot exports when it is created, and
// change data capture from that slot with the built-in pgoutput plugin
// (protocol version 1), on pgx and pglogrepl.
//
//	src := postgres.New(postgres.Config{DSN: "postgres://dms:…@db:5432/app", SlotName: "task1"})
//	if err := src.Check(ctx); err != nil { … } // prerequisites, with the fix in the message
//	snap, _ := src.Snapshot(ctx)                // full load …
//	defs, _ := snap.Tables(ctx, selector)       // (creates the slot; see Snapshot)
//	stream, _ := src.Changes(ctx, snap.Position(), selector) // … then CDC, nothing lost or repeated
//
// The tests run against PostgreSQL 15.
//
// # Server set-up
//
// Check (which Changes runs first) requires wal_level = logical (RDS:
// rds.logical_replication = 1), a role with the REPLICATION attribute (or
// superuser, or RDS's rds_replication), a free replication slot unless the
// task's slot exists (max_replication_slots, max_wal_senders),
// wal_sender_timeout 0 or at least 10 s, and, with CaptureDdls, a superuser
// the first time (only a superuser may create an event trigger). Only the
// pgoutput plugin is supported: PluginName "test-decoding" (AWS's
// fallback) and "pglogical" are refused with an error. Tables with
// neither a primary key nor REPLICA IDENTITY FULL (or USING INDEX) get a
// warning, as AWS DMS warns, and are left out of the publication, so their
// changes are not captured (AWS captures their inserts only; leaving them
// out keeps their UPDATEs working, which PostgreSQL refuses on a table in a
// publication of updates without a replica identity). Their full load
// works. A full load alone needs no replication: without it, Snapshot opens
// a plain REPEATABLE READ view and Position is empty.
//
// Sessions run with DateStyle ISO, IntervalStyle postgres, TimeZone UTC,
// extra_float_digits 1, bytea_output hex and lc_monetary C, on both the
// full-load connection and the walsender, so a value prints, and decodes,
// identically in both paths. synchronous_commit is left as the server has
// it (keep it on: with it off, decoding lags commits).
//
// # Slot, publication, and what the source creates
//
// Each task has its own replication slot, Config.SlotName, default
// "minidms_<database>" (the engine does not tell a source its task id; two
// tasks on one database must set different names). The slot is created by
// the first Snapshot (full-load-and-cdc) or Changes (cdc) and reused on
// resume; a new full load drops and recreates it, since the old position
// belongs to the previous run. It stays after the task stops, as on AWS:
// DropSlot drops it, and the fakedms layer calls DropSlot when a task is
// deleted. A full-load-only task creates one too (its snapshot is the
// slot's); delete the task, or call DropSlot, to release it.
//
// The publication (Config.PublicationName, default the slot name) is
// created by the source when missing, FOR TABLE the selected tables that
// have a replica identity plus the DDL audit table, publishing insert,
// update and delete (not truncate). When it exists, selected tables it
// lacks are added; none are removed. A publication FOR ALL TABLES is used
// as it is. Publication membership is part of the catalogue the walsender
// decodes with, as of each change: a table added later has no changes
// before its addition in the stream. That is why Snapshot creates the slot
// only once it knows the selection, and why the DDL trigger adds a newly
// created table to the publications in the same transaction.
// DropSlot drops the publication too when the source named it.
//
// # Type map
//
//	smallint, integer, bigint (and serials)  INT2, INT4, INT8
//	numeric(p,s), p ≤ 38                     NUMERIC(p,s)
//	numeric(p,s), p > 38                     STRING(p+2)
//	numeric                                  NUMERIC(28,6), values keep every digit
//	real, double precision                   REAL4, REAL8
//	money                                    NUMERIC(38,4)
//	boolean                                  BOOLEAN (see below)
//	char(n), varchar(n)                      WSTRING(n)
//	varchar, bpchar without length, text     NCLOB
//	bytea                                    BLOB
//	timestamp(p), timestamptz(p)             DATETIME, Scale p (6 without p); timestamptz in UTC
//	date                                     DATE
//	time(p)                                  TIME, Scale p (6 without p)
//	interval                                 STRING(128)
//	enum types                               STRING(64)
//	uuid                                     STRING(36)
//	json, jsonb, arrays, hstore              NCLOB
//	xml                                      CLOB
//	domains                                  the type of their base type
//	anything else (timetz, inet, ranges, …)  NCLOB, the value as PostgreSQL prints it
//
// BOOLEAN: AWS DMS maps boolean to CHAR(5) holding "true"/"false" unless
// the endpoint sets MapBooleanAsBoolean; this source maps it to the DMS
// BOOLEAN type with a Go bool, so targets decide the rendering and nothing
// is lost. Generated columns are left out everywhere: pgoutput does not
// send them (PostgreSQL 15), so full load leaves them out too and both
// paths agree.
//
// # Values
//
// Every value is read as text, in full load as in the stream, and decoded
// by one function per type: integers to int64, real to float32 and double
// to float64 (NaN and ±Infinity included), numeric as PostgreSQL prints it
// (exact; NaN stays "NaN"), money to its NUMERIC(38,4) text ("-1234.5600"),
// bytea to bytes, boolean to bool. Timestamps and times carry exactly the
// column's number of fractional digits ("2024-01-02 03:04:05.678000" for a
// timestamp without precision); values the layout cannot hold (infinity,
// BC years) stay as PostgreSQL prints them. char(n) keeps its blank
// padding, as PostgreSQL returns it. Other types are their text form
// (interval "1 year 2 mons 3 days 04:05:06", jsonb normalised by the
// server, arrays "{1,2,3}", hstore `"k"=>"v"`).
//
// # Changes
//
// Inserts, updates and deletes of selected tables are delivered in commit
// order; rolled-back transactions never reach the stream. TransactionID is
// the xid, CommitTime the commit timestamp of the transaction (from the
// Begin message, in UTC), TransactionRecord counts the transaction's
// changes of selected tables (and its DDL control changes) from 1.
// TRUNCATE is not captured (as AWS documents).
//
// Old rows are what PostgreSQL sends: with the default replica identity a
// delete's Data holds the key columns and nil elsewhere, and an update has
// Before only when its key changed (the old key, nil elsewhere); with
// REPLICA IDENTITY FULL both are the complete old row.
//
// Unchanged TOASTed values: when an update leaves a large (TOASTed) column
// unchanged, pgoutput does not send it. With REPLICA IDENTITY FULL the old
// row holds it and the update's Data gets the real value. Otherwise no one
// has it, and the column is nil in Data (never "" or a stale value; a
// warning is logged once per table and stream). A target applying such an
// update as is would set the column to NULL: use REPLICA IDENTITY FULL on
// tables with large values. (The dms model has no "value not supplied"
// marker a target could use to leave the column alone.)
//
// # Positions
//
// Every change carries a Position in AWS DMS's PostgreSQL stream-position
// layout:
//
//	commitLSN.record.restartLSN
//	00000002/7C007178.3.00000002/7C007178
//
// commitLSN is where the change's transaction commits (the start of its
// commit record), record its TransactionRecord, restartLSN where decoding
// restarts to resume after it: the commit LSN again, so the transaction is
// decoded anew (the server skips transactions committed before the start
// point) and its first record changes are skipped. That resumes exactly
// after the change even inside a large transaction, as long as the
// selection is the same. Record 0 names a point between transactions:
// Snapshot.Position is the slot's consistent point in that form
// ("00000000/016B3748.0.00000000/016B3748"), and reading starts right
// there; a bare LSN ("0/16B3748") is accepted as such a point. An empty
// position starts a stream at the current end of WAL, creating the slot
// when it is missing.
//
// # Acknowledgement and WAL release
//
// The stream sends a standby status update every 10 s and whenever the
// server asks (keepalive with reply requested). The flush position it
// reports is never beyond what the task has safely: it starts at the
// position the stream was opened from, moves with Acknowledge (the stream
// value returned by Changes has an Acknowledge(dms.Position) error method,
// for the engine to call after a target accepted a batch: an acknowledged
// position confirms its commit LSN, or its transaction's end when it was
// the transaction's last change), and moves to the server's WAL end while
// the stream is idle between transactions with everything it delivered
// acknowledged. The engine does not call Acknowledge today, so a stream
// holds WAL from where it was opened until the task reopens it (every
// resume confirms its start point): a lost target write never loses a
// change on resume. HeartbeatEnable makes an idle stream write a
// non-transactional logical decoding message every HeartbeatFrequency
// (pg_logical_emit_message; no heartbeat table), so there is WAL for the
// walsender to pass and its keepalives, and with them the idle
// confirmation, advance on a quiet server.
//
// # Snapshot
//
// Snapshot connects and checks; the first Tables call, which knows the
// selection, makes sure of the DDL artifacts and the publication, creates
// the slot on a replication connection with CREATE_REPLICATION_SLOT …
// EXPORT_SNAPSHOT, and imports the snapshot on the load connection (BEGIN
// ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT)
// before the replication connection sends anything else (the export dies
// with its next command), then closes the replication connection. So
// Position is empty until Tables has run; the engine always calls Tables
// first. Load streams a SELECT of the table's columns row by row in text
// format (pgconn's ResultReader), one row in memory at a time. An error
// from emit stops emitting and the rest is drained; a cancelled context
// makes the snapshot unusable.
//
// # Reloading tables
//
// ReloadSnapshot (dms.ReloadSnapshotter) is the view the engine reloads
// tables from while the task streams, since the task's slot, which
// Snapshot creates, is held by the stream: it creates a temporary slot of
// its own (the task's slot name, "_reload_" and random hex) with
// CREATE_REPLICATION_SLOT … TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT,
// imports the snapshot as Snapshot does, then drops the temporary slot
// (which would go with its connection anyway), leaving the task's slot,
// publication and DDL artifacts alone. Tables and Load are Snapshot's.
// Reloading therefore needs one free replication slot and walsender for
// that moment, and, like any slot creation, waits for the transactions
// running then to end. Its Covers reports whether a change's transaction
// committed before the temporary slot's consistent point (its position's
// commit LSN is before it): exactly those are in the view.
//
// # Schema changes
//
// With CaptureDdls (default true) the source creates, in DdlArtifactsSchema
// (default public), the table awsdms_ddl_audit (AWS DMS's columns plus
// c_columns, the table's columns and primary key after the statement, as
// the function awsdms_table_shape describes them) and the SECURITY DEFINER
// function and event trigger awsdms_intercept_ddl on
// ddl_command_end for CREATE TABLE, ALTER TABLE and DROP TABLE (PostgreSQL
// reports no object for a drop there, so DROP TABLE records nothing; AWS
// emits nothing for it either). The audit table is in the publication;
// its rows are not delivered as data but become control changes, one per
// column touched, with Table the definition after the statement and
// Statement the statement text:
//
//	CREATE TABLE (selected table)     create-table
//	ALTER TABLE … ADD COLUMN          add-column
//	ALTER TABLE … DROP COLUMN         drop-column
//	ALTER TABLE … ALTER COLUMN TYPE   column-type-change
//	ALTER TABLE … RENAME COLUMN       rename-column (OldColumn → Column)
//
// Other ALTERs (defaults, constraints, nullability) emit nothing; RENAME
// TABLE emits nothing (as on AWS) and the table stays selected only if its
// new name is. The changes come from comparing the recorded columns with
// the columns before the statement, so no SQL is parsed: those are the
// stream's own definition of the table when it has one (from a Relation
// message or an earlier audit row), otherwise the table's previous audit
// row, since today's catalogue may already be past the statement (a
// resumed stream). For that, a stream or snapshot that selects a table the
// audit table has no row of yet records a BASELINE row with its columns.
// Rows are decoded with the columns of pgoutput's Relation messages, which
// describe the rows that follow them: each new shape is a new TableDef
// (nullability and primary key read from the catalogue), and a shape the
// audit row already described reuses that TableDef, so a control change
// and the rows after it share one definition; a TableDef handed out is
// never changed. One set of artifacts serves every task of a database;
// DropSlot leaves them. Rows of an audit table without c_columns (AWS's
// own trigger) are ignored. With CaptureDdls false nothing is created and
// no control change is emitted, while rows still decode with their own
// columns. Statements inside the trigger that fail (it never lets the
// user's statement fail) are logged by the server as warnings and not
// captured.
//
// # Streams
//
// Next runs on the caller's goroutine and is the only user of the stream's
// two connections (the walsender and one for catalogue reads and
// heartbeats); the stream starts no goroutine, and Close ends both
// connections. A lost connection ends the stream with a dms.Recoverable
// error: the engine reopens it at its checkpoint. Changes waits up to 10 s
// for a slot that a just-closed stream still holds.
package postgres
