package dms

import "time"

// Status is a replication task's status, spelled as the DMS API spells it.
type Status string

// Task statuses.
const (
	StatusReady    Status = "ready"
	StatusStarting Status = "starting"
	StatusRunning  Status = "running"
	StatusStopping Status = "stopping"
	StatusStopped  Status = "stopped"
	StatusFailed   Status = "failed"
)

// Stop reasons, exactly as DMS reports them in StopReason.
const (
	StopReasonNormal              = "Stop Reason NORMAL"
	StopReasonFullLoadOnlyDone    = "Stop Reason FULL_LOAD_ONLY_FINISHED"
	StopReasonRecoverableError    = "Stop Reason RECOVERABLE_ERROR"
	StopReasonFatalError          = "Stop Reason FATAL_ERROR"
	StopReasonStoppedAfterLoad    = "Stop Reason STOPPED_AFTER_FULL_LOAD"
	StopReasonStoppedAfterCached  = "Stop Reason STOPPED_AFTER_CACHED_EVENTS"
	StopReasonStoppedAtServerTime = "Stop Reason STOPPED_AT_SERVER_TIME"
	StopReasonStoppedAtCommitTime = "Stop Reason STOPPED_AT_COMMIT_TIME"
)

// Table states, exactly as DMS reports them in TableStatistics.TableState.
const (
	TableStateNotExist   = "Table does not exist"
	TableStateBeforeLoad = "Before load"
	TableStateFullLoad   = "Full load"
	TableStateCompleted  = "Table completed"
	TableStateCancelled  = "Table cancelled"
	TableStateError      = "Table error"
	TableStateReloading  = "Table is being reloaded"
)

// TaskStatus is a point-in-time view of a task.
type TaskStatus struct {
	Status             Status
	StopReason         string
	LastFailureMessage string
	Stats              TaskStats
	// Checkpoint is the source position of the last change the target
	// accepted; resume-processing continues right after it.
	Checkpoint Position
	// StartDate is when the task was last started.
	StartDate time.Time
}

// TaskStats mirrors the DMS ReplicationTaskStats shape.
type TaskStats struct {
	FullLoadProgressPercent int
	ElapsedTimeMillis       int64
	TablesLoaded            int
	TablesLoading           int
	TablesQueued            int
	TablesErrored           int
	FreshStartDate          time.Time
	StartDate               time.Time
	StopDate                time.Time
	FullLoadStartDate       time.Time
	FullLoadFinishDate      time.Time
}

// TableStatistics mirrors the DMS TableStatistics shape for one table.
type TableStatistics struct {
	SchemaName        string
	TableName         string
	Inserts           int64
	Deletes           int64
	Updates           int64
	Ddls              int64
	AppliedInserts    int64
	AppliedDeletes    int64
	AppliedUpdates    int64
	AppliedDdls       int64
	FullLoadRows      int64
	FullLoadErrorRows int64
	FullLoadStartTime time.Time
	FullLoadEndTime   time.Time
	FullLoadReloaded  bool
	LastUpdateTime    time.Time
	TableState        string
	ValidationState   string
}
