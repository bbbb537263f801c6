package dms

import (
	"context"

	"github.com/minidms/minidms/mapping"
)

// TableSelector decides which source tables a task replicates. The mapping
// package's table mappings implement it; sources use it to skip unselected
// tables before decoding them.
type TableSelector interface {
	Selected(schema, table string) bool
}

// FilterSelector is a TableSelector with source filters (selection rules'
// filters); the mapping package's table mappings implement it. The engine
// passes the task's selector to Snapshot.Tables, so a source may check for
// this interface there and push a table's filter into the query of its
// Load (RowFilter.SQL renders it), sparing the rows the filter drops the
// trip from the server. The engine filters every loaded row again, so a
// source that does not push filters down, or pushes down only some, stays
// correct.
type FilterSelector interface {
	TableSelector
	// Filter returns the filter of a table, nil when it has none; t is the
	// table in the mapping package's terms.
	Filter(t *mapping.Table) (*mapping.RowFilter, error)
}

var _ FilterSelector = (*mapping.TableMappings)(nil)

// Source is a database the engine replicates from. Implementations must be
// safe for one Snapshot and one ChangeStream in use at the same time, each
// from its own goroutine.
type Source interface {
	// Snapshot opens a consistent read view of the source. The changes that
	// follow the view start right after Snapshot.Position.
	Snapshot(ctx context.Context) (Snapshot, error)
	// Changes streams every change committed after from, in commit order.
	// An empty from means "from now". from is a Position that an earlier
	// Change or Snapshot of this source handed out.
	Changes(ctx context.Context, from Position, sel TableSelector) (ChangeStream, error)
	// Tables returns the current definitions of the selected tables.
	Tables(ctx context.Context, sel TableSelector) ([]*TableDef, error)
}

// Snapshot is a consistent read view of a source, used for full load.
type Snapshot interface {
	// Position is where the change stream continues after this view: reading
	// changes from it neither misses nor repeats a change relative to the
	// rows the view returns.
	Position() Position
	// Tables returns the selected tables as the view sees them.
	Tables(ctx context.Context, sel TableSelector) ([]*TableDef, error)
	// Load streams every row of table to emit, without holding the table in
	// memory. emit may keep the Row; an error from emit stops the load and is
	// returned.
	Load(ctx context.Context, table *TableDef, emit func(Row) error) error
	// Close releases the view.
	Close() error
}

// ChangeStream delivers a source's changes in commit order.
type ChangeStream interface {
	// Next blocks until the next change, or until ctx is done.
	Next(ctx context.Context) (Change, error)
	// Close stops the stream and releases its connection.
	Close() error
}

// Acknowledger is implemented by change streams that hold source resources
// until delivery is confirmed (a PostgreSQL slot keeps its WAL). After each
// batch the target accepts, the engine acknowledges the batch's last
// position, from the writing goroutine: Acknowledge must be safe to call
// while Next runs.
type Acknowledger interface {
	Acknowledge(pos Position) error
}
