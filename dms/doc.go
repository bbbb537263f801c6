// Package dms is minidms's replication engine: it runs AWS DMS-style
// replication tasks (full-load, cdc, full-load-and-cdc) from a Source to a
// Target, keeping per-table statistics and a checkpoint as AWS DMS does.
//
// Data flows one way: a Source reads a database (source/mysql,
// source/postgres, source/s3, or your own), the engine applies the task's
// table mapping, batches, counts and checkpoints, and a Target writes
// (target/kinesis, target/memory, or your own). Sources and targets meet
// only through the small interfaces in this package and the Change and
// TableDef model.
//
// # Task lifecycle
//
// A new task is "ready". Start makes it "starting" at once and "running"
// when its goroutine begins; a full-load task ends "stopped" with
// "Stop Reason FULL_LOAD_ONLY_FINISHED"; Stop makes it "stopping" and then
// "stopped" with "Stop Reason NORMAL"; an error makes it "failed" with the
// error as LastFailureMessage. The strings are the DMS API's, so a task never
// goes back to "ready" (the AWS SDK waiters rely on that).
//
// # What the engine emits
//
// A full load first sends, for every selected table, a drop-table and then
// a create-table control change (TargetTablePrepMode DROP_AND_CREATE, the
// default; TRUNCATE_BEFORE_LOAD sends only the create-table changes and
// DO_NOTHING neither), then each table's rows as load changes in batches of
// FullLoadSettings.CommitRate. A CDC task starting afresh sends a
// create-table change for the awsdms_apply_exceptions control table and one
// for each selected table, then the source's changes. A full-load-and-cdc
// task sends the awsdms_apply_exceptions create-table, the full load, and
// then every change committed after the load's snapshot: AWS DMS caches
// changes made during the load and applies them afterwards; minidms reads
// the same changes back from the source's log after the load, which gives
// the same records with bounded memory.
//
// # Delivery guarantees
//
// The checkpoint moves only when the target has accepted a batch. Stop
// writes everything already read before the task stops, so stopping and
// resuming (resume-processing) delivers each change exactly once. A crash or
// a failed write may repeat the changes after the checkpoint (at least once,
// as AWS DMS).
//
// A source that loses its connection in CDC (server restart, network)
// returns an error marked with Recoverable; the task stays running and
// reopens the stream at its checkpoint, waiting ErrorBehavior's
// RecoverableErrorInterval (doubling with RecoverableErrorThrottling, up to
// RecoverableErrorThrottlingMax) between attempts, and fails with the reason
// once RecoverableErrorCount attempts in a row did not reconnect (-1, the
// default: never). The changes read before the loss are written first, so a
// recovery neither loses nor repeats a change. Streams that hold source
// resources until delivery (a PostgreSQL slot's WAL) are told each
// delivered position (Acknowledger).
//
// A resumed full-load task reloads every table it had not finished. A
// resumed full-load-and-cdc task whose load had not finished reloads every
// table: its new snapshot is later than the one the finished tables came
// from, and CDC continues from the new one. Errors in the full-load phase
// are not retried: the task fails, and resume-processing reloads.
//
// Task.ReloadTables reloads tables while CDC runs, as the DMS API's
// ReloadTables: between two batches of changes the engine opens a new
// snapshot, writes the table's drop-table and create-table (as
// TargetTablePrepMode says) and its rows, and then holds back the table's
// changes that the snapshot already holds, which the stream may still
// deliver, so the reload neither loses nor repeats a change. It needs
// snapshots that can place a change (CoveringSnapshot: source/mysql's and
// source/postgres's); on other sources the request is logged and the
// tables stay as they are.
package dms
