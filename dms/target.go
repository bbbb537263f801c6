package dms

import (
	"context"

	"github.com/minidms/minidms/mapping"
)

// Target is where a task writes its changes: Kinesis, the memory target, or
// a user's own.
type Target interface {
	// Write delivers changes in order and returns once the target holds them
	// all; the engine checkpoints only what Write accepted. A task writes from
	// a single goroutine, but several tasks may share one Target.
	Write(ctx context.Context, task TaskInfo, changes []Change) error
}

// TaskInfo tells a target which task a batch comes from and how the task is
// configured, for what the record format depends on (the control records'
// partition key, before images).
type TaskInfo struct {
	// ID is the task's resource id: the last segment of its ARN.
	ID       string
	Settings *mapping.TaskSettings
}
