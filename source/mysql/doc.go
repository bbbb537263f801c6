// Package mysql is a dms.Source for MySQL and MariaDB: full load from a
// consistent snapshot and change data capture from the binary log, built on
// go-mysql's client and replication packages (not its canal package, which
// shells out to mysqldump and decodes old rows with today's schema).
//
//	src := mysql.New(mysql.Config{Addr: "127.0.0.1:3306", User: "dms", Password: "…"})
//	if err := src.Check(ctx); err != nil { … } // CDC prerequisites, with the fix in the message
//	snap, _ := src.Snapshot(ctx)                // full load …
//	stream, _ := src.Changes(ctx, snap.Position(), selector) // … then CDC, nothing lost or repeated
//
// The tests run against MariaDB 10.11 (what Debian ships). The MySQL paths
// (FLUSH TABLES WITH READ LOCK snapshot, SHOW BINARY LOG STATUS, MySQL 8 GTID
// commit timestamps, binary JSON) follow the MySQL documentation but are not
// exercised by the tests.
//
// # Server set-up
//
// Check (which Changes runs first) requires binary logging (--log-bin,
// --server-id), binlog_format=ROW, binlog_row_image=FULL, no binlog
// transaction compression, no partial JSON updates, and a user with
// REPLICATION CLIENT (MariaDB: BINLOG MONITOR) and REPLICATION SLAVE.
// binlog_row_metadata=FULL (MySQL 8.0.1+, MariaDB 10.5+) is strongly advised:
// with it every row is decoded with the column names, signedness, character
// sets, ENUM/SET values and primary key the binlog's table map carries for
// that row; without it (only a warning) rows are decoded with the tracked
// schema. binlog_checksum may be NONE or CRC32. Full load alone needs only
// SELECT (plus RELOAD on MySQL, for the read lock). Only TCP addresses are
// supported.
//
// # Type map
//
// One function maps a column type to its DMS type, whether the type comes
// from information_schema (Tables, full load), from a DDL statement parsed
// with the TiDB parser, or from a binlog table map:
//
//	TINYINT, SMALLINT              INT1, INT2 (UNSIGNED: UINT1, UINT2)
//	MEDIUMINT, INT                 INT4 (UNSIGNED: UINT4)
//	BIGINT                         INT8 (UNSIGNED: UINT8)
//	DECIMAL(p,s)                   NUMERIC(p,s)
//	FLOAT, DOUBLE                  REAL4, REAL8
//	BIT(1)                         BOOLEAN
//	BIT(n), n > 1                  BYTES(ceil(n/8))
//	DATE                           DATE
//	DATETIME(n), TIMESTAMP(n)      DATETIME, Scale n
//	TIME(n)                        TIME, Scale n (AWS documents STRING; see below)
//	YEAR                           INT2
//	CHAR(n), VARCHAR(n)            WSTRING(n)
//	TINYTEXT, TEXT                 WSTRING(255), WSTRING(65535)
//	MEDIUMTEXT, LONGTEXT           NCLOB
//	BINARY(n), VARBINARY(n)        BYTES(n)
//	TINYBLOB, BLOB                 BYTES(255), BYTES(65535)
//	MEDIUMBLOB, LONGBLOB           BLOB
//	ENUM, SET                      WSTRING(longest value; SET: all values joined by commas)
//	JSON (MySQL)                   CLOB
//	JSON (MariaDB)                 NCLOB: MariaDB's JSON is a LONGTEXT alias; neither
//	                               information_schema nor the binlog tell it apart
//	                               from LONGTEXT, so both paths agree on NCLOB
//	spatial types                  BLOB (the stored form: 4-byte SRID, then WKB)
//
// Other types (MariaDB's INET4, INET6, UUID, MySQL's VECTOR) are not
// supported: a selected table holding one fails with an error naming it.
//
// # Values
//
// Values follow the dms.Row table, and a row has identical values whether
// it comes from full load (text protocol) or from the binlog: DECIMAL is its
// exact text; FLOAT is read widened to DOUBLE during full load (the text
// protocol prints FLOAT with 6 digits) so the float32 is exact; TIMESTAMP is
// rendered in UTC (the session time_zone is +00:00 and the binlog decoder
// uses UTC); DATETIME is kept as stored; DATETIME and TIME always carry the
// column's number of fractional digits; TIME keeps MySQL's range
// ("-838:59:59"); zero dates stay "0000-00-00"; ENUM and SET become their
// text; BIT(1) becomes a bool and BIT(n) its big-endian bytes; BINARY(n) is
// padded with zero bytes to n (the binlog drops them, SELECT returns them);
// CHAR loses its trailing spaces (as SELECT does without
// PAD_CHAR_TO_FULL_LENGTH); YEAR is an int64. On MySQL, JSON arrives in the
// binlog in binary form and is rendered as MySQL renders JSON text.
//
// # Transactions and positions
//
// Only committed transactions reach the binlog (InnoDB writes a transaction
// at commit), so rolled-back work produces nothing; a ROLLBACK event that
// closes non-transactional (MyISAM) changes is not data, and those changes,
// which did happen, are delivered. TransactionID is derived from where the
// transaction starts in the binlog (its GTID or BEGIN event): the file's
// sequence number in the high 32 bits and the offset in the low 32, the
// shape of the ids AWS DMS reports for MySQL. TransactionRecord counts the
// transaction's changes of selected tables from 1. CommitTime, in UTC with
// second precision, is the time of MariaDB's GTID event (written at commit)
// or of MySQL 8's immediate_commit_timestamp, else of the first event read.
// XA transactions are not treated specially: their changes are delivered
// when the binlog has them, at XA PREPARE.
//
// Every change carries a Position in AWS DMS's MySQL stream-position layout:
//
//	file:eventPos:rowIndex:nextPos:txnID:txnFile:txnStartPos
//	mysql-bin.000002:1118568:1:1118622:8591052968:mysql-bin.000002:1118376
//
// file and eventPos locate the binlog event holding the change, rowIndex the
// change within it (the row of a rows event, the column of a DDL statement),
// nextPos the end of the event, txnID the TransactionID, and txnFile and
// txnStartPos the start of the transaction. Changes resumes from such a
// position by reading the transaction again from its start and skipping the
// changes up to and including the position's, so the next change arrives
// exactly once even when the position is in the middle of a transaction. A
// position with txnID 0, as Snapshot.Position returns, names a point between
// transactions: reading starts right there. The short form "file:pos" is
// accepted too; an empty position means the current end of the binlog.
// Positions are file/offset based, never GTID based (AWS DMS does not use
// GTIDs either); on MariaDB the GTID event only marks where a transaction
// starts. A position in a binlog file the server has purged is an error.
//
// # Start time
//
// PositionAt (dms.TimePositioner, for a task's CdcStartTime) finds the
// between-transactions position of the first transaction in binlog order
// whose time, truncated to the second as binlog times are, is at or after
// the time asked for: the time the stream reports as that transaction's
// CommitTime, so Changes from the answer delivers it first and the first
// change has CommitTime >= the time. A time later than every transaction
// gives the current end of the binary log; a time before the oldest binary
// log on the server was created gives that log's start (file:4), everything
// the server still has. The binary logs are told apart by their creation
// times (each one's format description event, found by binary search with
// short binlog dumps), and the log from the newest one created before the
// time is read forward, across rotations, to the end the log had when the
// call began: a scan of up to one file (max_binlog_size) plus what follows,
// about half a second per 250 MB on a local MariaDB.
//
// # Snapshot
//
// MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT, then the
// binlog_snapshot_file/position status variables, which match the snapshot
// without a global lock. MySQL: FLUSH TABLES WITH READ LOCK, SHOW MASTER
// STATUS (SHOW BINARY LOG STATUS on 8.4), START TRANSACTION WITH CONSISTENT
// SNAPSHOT, UNLOCK TABLES. Load streams a SELECT of the table's columns one
// row at a time (go-mysql's ExecuteSelectStreaming). An error from emit
// stops emitting, the rest of the result is drained and the snapshot stays
// usable; a cancelled context makes the snapshot unusable.
//
// When the selector given to Snapshot.Tables has source filters
// (dms.FilterSelector, as the mapping package's table mappings do), Load
// puts the filter of each table Tables returned into its SELECT's WHERE,
// so the rows the filter drops never leave the server. Identifiers are
// quoted as identifiers and values as string literals (numbers as the
// mapping package validated them), and the snapshot's session clears
// NO_BACKSLASH_ESCAPES so the literals' escapes hold. Text, date and time
// columns are compared as the bytes of their utf8mb4 text and binary
// columns byte by byte, as the engine compares them, not by collation: the
// server then sends the rows the engine keeps (it filters them again), at
// the cost of not using an index on such a column. FLOAT and DOUBLE
// columns are the exception: the server compares them with the literal
// rounded to a double, the engine exactly, so noteq and notbetween of a
// value within a rounding step may drop a row the engine would keep. The query
// is logged at debug level ("full load"). A filter the mapping cannot
// compile for a table is not pushed down; the engine reports it.
//
// # Schema changes
//
// The stream keeps the definition of every selected table: read from
// information_schema when the stream starts, changed by the DDL statements
// it reads (parsed with the TiDB parser and typed with the same type map),
// and corrected by the binlog's table maps, which are authoritative for the
// rows that follow them (so a stream resumed from before a schema change
// decodes old rows with old columns). A TableDef is shared by all changes
// until the definition changes. The control changes emitted, one per
// affected column, with Table the definition after the statement and
// Statement its text:
//
//	CREATE TABLE                   create-table
//	ALTER TABLE … ADD COLUMN       add-column
//	ALTER TABLE … DROP COLUMN      drop-column
//	ALTER TABLE … MODIFY COLUMN    column-type-change
//	ALTER TABLE … CHANGE COLUMN    change-columns (OldColumn → Column)
//	ALTER TABLE … RENAME COLUMN    rename-column (OldColumn → Column)
//
// RENAME TABLE, DROP TABLE, default, index and charset changes emit nothing,
// as on AWS, but keep the tracked definitions up to date. A CREATE or ALTER
// TABLE the parser cannot read (spatial types, some MariaDB syntax) is
// logged and the table re-read from information_schema; the difference to
// the tracked definition is emitted (create-table, add-column, drop-column,
// column-type-change). That re-read sees the schema of now, not of the
// statement's time.
//
// # Streams
//
// Rows of unselected tables are not decoded (a RowsEventDecodeFunc reads
// only the event header). Next runs on the caller's goroutine; the syncer's
// reader goroutine is stopped by Close. A lost connection ends the stream
// with an error (go-mysql's own reconnect, which restarts mid-transaction
// without its table maps, is off): open a new stream from the last Position
// delivered. Each stream registers with a random replica server id unless
// Config.ServerID is set (two streams with the same id evict each other).
package mysql
