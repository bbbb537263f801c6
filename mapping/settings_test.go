package mapping_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

// defaultSettings is the document AWS returns for a task created without
// settings (behaviour reference §3c).
const defaultSettings = `{
  "Logging": {"EnableLogging": false, "EnableLogContext": false, "LogComponents": [
    {"Id": "TRANSFORMATION", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "SOURCE_UNLOAD", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "IO", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "TARGET_LOAD", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "PERFORMANCE", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "SORTER", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "REST_SERVER", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "VALIDATOR_EXT", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "TARGET_APPLY", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "TASK_MANAGER", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "TABLES_MANAGER", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "METADATA_MANAGER", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "FILE_FACTORY", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "COMMON", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "ADDONS", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "DATA_STRUCTURE", "Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "COMMUNICATION", "Severity": "LOGGER_SEVERITY_DEFAULT"},
    {"Id": "FILE_TRANSFER", "Severity": "LOGGER_SEVERITY_DEFAULT"}]},
  "StreamBufferSettings": {"StreamBufferCount": 3, "CtrlStreamBufferSizeInMB": 5, "StreamBufferSizeInMB": 8},
  "ErrorBehavior": {"FailOnNoTablesCaptured": true, "ApplyErrorUpdatePolicy": "LOG_ERROR", "FailOnTransactionConsistencyBreached": false,
    "RecoverableErrorThrottlingMax": 1800, "DataErrorEscalationPolicy": "SUSPEND_TABLE", "ApplyErrorEscalationCount": 0,
    "RecoverableErrorStopRetryAfterThrottlingMax": true, "RecoverableErrorThrottling": true, "ApplyErrorFailOnTruncationDdl": false,
    "DataMaskingErrorPolicy": "STOP_TASK", "DataTruncationErrorPolicy": "LOG_ERROR", "ApplyErrorInsertPolicy": "LOG_ERROR",
    "EventErrorPolicy": "IGNORE", "ApplyErrorEscalationPolicy": "LOG_ERROR", "RecoverableErrorCount": -1, "DataErrorEscalationCount": 0,
    "TableErrorEscalationPolicy": "STOP_TASK", "RecoverableErrorInterval": 5, "ApplyErrorDeletePolicy": "IGNORE_RECORD",
    "TableErrorEscalationCount": 0, "FullLoadIgnoreConflicts": true, "DataErrorPolicy": "LOG_ERROR", "TableErrorPolicy": "SUSPEND_TABLE"},
  "TTSettings": {"TTS3Settings": null, "TTRecordSettings": null, "EnableTT": false},
  "FullLoadSettings": {"CommitRate": 10000, "StopTaskCachedChangesApplied": false, "StopTaskCachedChangesNotApplied": false,
    "MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600, "CreatePkAfterFullLoad": false, "TargetTablePrepMode": "DROP_AND_CREATE"},
  "TargetMetadata": {"ParallelApplyBufferSize": 0, "ParallelApplyQueuesPerThread": 0, "ParallelApplyThreads": 0, "TargetSchema": "",
    "InlineLobMaxSize": 0, "ParallelLoadQueuesPerThread": 0, "SupportLobs": true, "LobChunkSize": 64, "TaskRecoveryTableEnabled": false,
    "ParallelLoadThreads": 0, "LobMaxSize": 32, "BatchApplyEnabled": false, "FullLobMode": false, "LimitedSizeLobMode": true,
    "LoadMaxFileSize": 0, "ParallelLoadBufferSize": 0},
  "BeforeImageSettings": null,
  "ControlTablesSettings": {"historyTimeslotInMinutes": 5, "HistoryTimeslotInMinutes": 5, "StatusTableEnabled": false,
    "SuspendedTablesTableEnabled": false, "HistoryTableEnabled": false, "ControlSchema": "", "FullLoadExceptionTableEnabled": false},
  "LoopbackPreventionSettings": null,
  "CharacterSetSettings": null,
  "FailTaskWhenCleanTaskResourceFailed": false,
  "ChangeProcessingTuning": {"StatementCacheSize": 50, "CommitTimeout": 1, "RecoveryTimeout": -1, "BatchApplyPreserveTransaction": true,
    "BatchApplyTimeoutMin": 1, "BatchSplitSize": 0, "BatchApplyTimeoutMax": 30, "MinTransactionSize": 1000, "MemoryKeepTime": 60,
    "BatchApplyMemoryLimit": 500, "MemoryLimitTotal": 1024},
  "ChangeProcessingDdlHandlingPolicy": {"HandleSourceTableDropped": true, "HandleSourceTableTruncated": true, "HandleSourceTableAltered": true},
  "PostProcessingRules": null
}`

// sections decodes a settings document into its top-level sections.
func sections(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	return m
}

// requireOnlyChanged checks that got is the default document with the named
// sections replaced by want's.
func requireOnlyChanged(t *testing.T, got string, want map[string]string) {
	t.Helper()
	g, d := sections(t, got), sections(t, defaultSettings)
	for name, section := range want {
		var w any
		require.NoError(t, json.Unmarshal([]byte(section), &w))
		require.Equal(t, w, g[name], name)
		delete(g, name)
		delete(d, name)
	}
	require.Equal(t, d, g)
}

func TestDefaultTaskSettings(t *testing.T) {
	s := mapping.DefaultTaskSettings()
	require.Equal(t, 10000, s.FullLoadSettings.CommitRate)
	require.Equal(t, "DROP_AND_CREATE", s.FullLoadSettings.TargetTablePrepMode)
	require.Equal(t, 8, s.FullLoadSettings.MaxFullLoadSubTasks)
	require.Equal(t, 600, s.FullLoadSettings.TransactionConsistencyTimeout)
	require.Equal(t, -1, s.ErrorBehavior.RecoverableErrorCount)
	require.Equal(t, 5, s.ErrorBehavior.RecoverableErrorInterval)
	require.True(t, s.ErrorBehavior.FailOnNoTablesCaptured)
	require.Equal(t, "SUSPEND_TABLE", s.ErrorBehavior.TableErrorPolicy)
	require.Nil(t, s.BeforeImageSettings)
	require.False(t, s.Logging.EnableLogging)
	require.Len(t, s.Logging.LogComponents, 19)
	require.Equal(t, mapping.LogComponent{ID: "TRANSFORMATION", Severity: "LOGGER_SEVERITY_DEFAULT"}, s.Logging.LogComponents[0])
	require.Equal(t, 5, s.ControlTablesSettings.HistoryTimeslotInMinutes)
	require.Equal(t, 64, s.TargetMetadata.LobChunkSize)
	require.True(t, s.TargetMetadata.LimitedSizeLobMode)
	require.Equal(t, 3, s.StreamBufferSettings.StreamBufferCount)
	require.Equal(t, -1, s.ChangeProcessingTuning.RecoveryTimeout)
	require.True(t, s.ChangeProcessingDdlHandlingPolicy.HandleSourceTableAltered)
	require.False(t, s.FailTaskWhenCleanTaskResourceFailed)

	require.JSONEq(t, defaultSettings, s.JSON())
	require.Contains(t, s.JSON(), `"historyTimeslotInMinutes":5`)
	require.Contains(t, s.JSON(), `"HistoryTimeslotInMinutes":5`)

	var nilSettings *mapping.TaskSettings
	require.JSONEq(t, defaultSettings, nilSettings.JSON())

	for _, doc := range []string{"", "  ", "{}", "null"} {
		p, err := mapping.ParseTaskSettings(doc)
		require.NoError(t, err, doc)
		require.Equal(t, s, p, doc)
		require.JSONEq(t, defaultSettings, p.JSON(), doc)
	}
}

func TestParseTaskSettingsMerge(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, s *mapping.TaskSettings)
		want  map[string]string // the sections that differ from the default
	}{
		{
			name: "one key of a section",
			doc:  `{"FullLoadSettings": {"TargetTablePrepMode": "TRUNCATE_BEFORE_LOAD"}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, mapping.FullLoadSettings{
					TargetTablePrepMode: "TRUNCATE_BEFORE_LOAD", MaxFullLoadSubTasks: 8,
					TransactionConsistencyTimeout: 600, CommitRate: 10000,
				}, s.FullLoadSettings)
			},
			want: map[string]string{"FullLoadSettings": `{"CommitRate": 10000, "StopTaskCachedChangesApplied": false,
				"StopTaskCachedChangesNotApplied": false, "MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600,
				"CreatePkAfterFullLoad": false, "TargetTablePrepMode": "TRUNCATE_BEFORE_LOAD"}`},
		},
		{
			name: "keys of two sections",
			doc:  `{"FullLoadSettings": {"CommitRate": 1000}, "ErrorBehavior": {"RecoverableErrorCount": 3, "RecoverableErrorInterval": 1}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 1000, s.FullLoadSettings.CommitRate)
				require.Equal(t, "DROP_AND_CREATE", s.FullLoadSettings.TargetTablePrepMode)
				require.Equal(t, 3, s.ErrorBehavior.RecoverableErrorCount)
				require.Equal(t, 1, s.ErrorBehavior.RecoverableErrorInterval)
				require.Equal(t, 1800, s.ErrorBehavior.RecoverableErrorThrottlingMax)
			},
			want: map[string]string{
				"FullLoadSettings": `{"CommitRate": 1000, "StopTaskCachedChangesApplied": false, "StopTaskCachedChangesNotApplied": false,
					"MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600, "CreatePkAfterFullLoad": false,
					"TargetTablePrepMode": "DROP_AND_CREATE"}`,
				"ErrorBehavior": `{"FailOnNoTablesCaptured": true, "ApplyErrorUpdatePolicy": "LOG_ERROR", "FailOnTransactionConsistencyBreached": false,
					"RecoverableErrorThrottlingMax": 1800, "DataErrorEscalationPolicy": "SUSPEND_TABLE", "ApplyErrorEscalationCount": 0,
					"RecoverableErrorStopRetryAfterThrottlingMax": true, "RecoverableErrorThrottling": true, "ApplyErrorFailOnTruncationDdl": false,
					"DataMaskingErrorPolicy": "STOP_TASK", "DataTruncationErrorPolicy": "LOG_ERROR", "ApplyErrorInsertPolicy": "LOG_ERROR",
					"EventErrorPolicy": "IGNORE", "ApplyErrorEscalationPolicy": "LOG_ERROR", "RecoverableErrorCount": 3, "DataErrorEscalationCount": 0,
					"TableErrorEscalationPolicy": "STOP_TASK", "RecoverableErrorInterval": 1, "ApplyErrorDeletePolicy": "IGNORE_RECORD",
					"TableErrorEscalationCount": 0, "FullLoadIgnoreConflicts": true, "DataErrorPolicy": "LOG_ERROR", "TableErrorPolicy": "SUSPEND_TABLE"}`,
			},
		},
		{
			name: "before image, as LocalStack's tests set it",
			doc:  `{"BeforeImageSettings": {"EnableBeforeImage": true, "FieldName": "custom-field", "ColumnFilter": "all"}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, &mapping.BeforeImageSettings{EnableBeforeImage: true, FieldName: "custom-field", ColumnFilter: "all"},
					s.BeforeImageSettings)
			},
			want: map[string]string{"BeforeImageSettings": `{"EnableBeforeImage": true, "FieldName": "custom-field", "ColumnFilter": "all"}`},
		},
		{
			name: "before image disabled, ColumnFilter defaults to pk-only",
			doc:  `{"BeforeImageSettings": {"EnableBeforeImage": false}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, &mapping.BeforeImageSettings{ColumnFilter: "pk-only"}, s.BeforeImageSettings)
			},
			want: map[string]string{"BeforeImageSettings": `{"EnableBeforeImage": false, "FieldName": "", "ColumnFilter": "pk-only"}`},
		},
		{
			name: "unknown section round-trips",
			doc:  `{"ValidationSettings": {"EnableValidation": true, "ThreadCount": 5, "ValidationMode": "ROW_LEVEL", "PartitionSize": 10000.5}}`,
			want: map[string]string{"ValidationSettings": `{"EnableValidation": true, "ThreadCount": 5, "ValidationMode": "ROW_LEVEL", "PartitionSize": 10000.5}`},
		},
		{
			name: "untyped section merges too",
			doc:  `{"TTSettings": {"EnableTT": true, "TTRecordSettings": {"EnableRawData": true}}}`,
			want: map[string]string{"TTSettings": `{"TTS3Settings": null, "TTRecordSettings": {"EnableRawData": true}, "EnableTT": true}`},
		},
		{
			name: "unknown key in a typed section round-trips; keys are case-sensitive",
			doc:  `{"FullLoadSettings": {"commitrate": 5, "NewFullLoadKnob": "x"}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 10000, s.FullLoadSettings.CommitRate)
			},
			want: map[string]string{"FullLoadSettings": `{"CommitRate": 10000, "StopTaskCachedChangesApplied": false,
				"StopTaskCachedChangesNotApplied": false, "MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600,
				"CreatePkAfterFullLoad": false, "TargetTablePrepMode": "DROP_AND_CREATE", "commitrate": 5, "NewFullLoadKnob": "x"}`},
		},
		{
			name: "arrays replace",
			doc:  `{"Logging": {"EnableLogging": true, "EnableLogContext": true, "LogComponents": [{"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DETAILED_DEBUG"}]}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, mapping.Logging{
					EnableLogging: true, EnableLogContext: true,
					LogComponents: []mapping.LogComponent{{ID: "SOURCE_CAPTURE", Severity: "LOGGER_SEVERITY_DETAILED_DEBUG"}},
				}, s.Logging)
			},
			want: map[string]string{"Logging": `{"EnableLogging": true, "EnableLogContext": true,
				"LogComponents": [{"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DETAILED_DEBUG"}]}`},
		},
		{
			name: "null leaves the default",
			doc:  `{"FullLoadSettings": {"CommitRate": null}, "ErrorBehavior": null}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 10000, s.FullLoadSettings.CommitRate)
				require.Equal(t, -1, s.ErrorBehavior.RecoverableErrorCount)
			},
			want: map[string]string{},
		},
		{
			name: "HistoryTimeslotInMinutes sets both keys",
			doc:  `{"ControlTablesSettings": {"HistoryTimeslotInMinutes": 15, "HistoryTableEnabled": true}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 15, s.ControlTablesSettings.HistoryTimeslotInMinutes)
			},
			want: map[string]string{"ControlTablesSettings": `{"historyTimeslotInMinutes": 15, "HistoryTimeslotInMinutes": 15,
				"StatusTableEnabled": false, "SuspendedTablesTableEnabled": false, "HistoryTableEnabled": true, "ControlSchema": "",
				"FullLoadExceptionTableEnabled": false}`},
		},
		{
			name: "lowercase historyTimeslotInMinutes alone sets both keys",
			doc:  `{"ControlTablesSettings": {"historyTimeslotInMinutes": 10}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 10, s.ControlTablesSettings.HistoryTimeslotInMinutes)
			},
			want: map[string]string{"ControlTablesSettings": `{"historyTimeslotInMinutes": 10, "HistoryTimeslotInMinutes": 10,
				"StatusTableEnabled": false, "SuspendedTablesTableEnabled": false, "HistoryTableEnabled": false, "ControlSchema": "",
				"FullLoadExceptionTableEnabled": false}`},
		},
		{
			name: "CommitRate bounds are inclusive",
			doc:  `{"FullLoadSettings": {"CommitRate": 50000}, "TargetMetadata": {"BatchApplyEnabled": true}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 50000, s.FullLoadSettings.CommitRate)
				require.True(t, s.TargetMetadata.BatchApplyEnabled)
			},
			want: map[string]string{
				"FullLoadSettings": `{"CommitRate": 50000, "StopTaskCachedChangesApplied": false, "StopTaskCachedChangesNotApplied": false,
					"MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600, "CreatePkAfterFullLoad": false,
					"TargetTablePrepMode": "DROP_AND_CREATE"}`,
				"TargetMetadata": `{"ParallelApplyBufferSize": 0, "ParallelApplyQueuesPerThread": 0, "ParallelApplyThreads": 0, "TargetSchema": "",
					"InlineLobMaxSize": 0, "ParallelLoadQueuesPerThread": 0, "SupportLobs": true, "LobChunkSize": 64, "TaskRecoveryTableEnabled": false,
					"ParallelLoadThreads": 0, "LobMaxSize": 32, "BatchApplyEnabled": true, "FullLobMode": false, "LimitedSizeLobMode": true,
					"LoadMaxFileSize": 0, "ParallelLoadBufferSize": 0}`,
			},
		},
		{
			name: "CommitRate 1",
			doc:  `{"FullLoadSettings": {"CommitRate": 1}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.Equal(t, 1, s.FullLoadSettings.CommitRate)
			},
			want: map[string]string{"FullLoadSettings": `{"CommitRate": 1, "StopTaskCachedChangesApplied": false,
				"StopTaskCachedChangesNotApplied": false, "MaxFullLoadSubTasks": 8, "TransactionConsistencyTimeout": 600,
				"CreatePkAfterFullLoad": false, "TargetTablePrepMode": "DROP_AND_CREATE"}`},
		},
		{
			name: "top-level scalar and HTML characters",
			doc:  `{"FailTaskWhenCleanTaskResourceFailed": true, "TargetMetadata": {"TargetSchema": "a<b>&c"}}`,
			check: func(t *testing.T, s *mapping.TaskSettings) {
				require.True(t, s.FailTaskWhenCleanTaskResourceFailed)
				require.Contains(t, s.JSON(), `"TargetSchema":"a<b>&c"`)
			},
			want: map[string]string{
				"FailTaskWhenCleanTaskResourceFailed": `true`,
				"TargetMetadata": `{"ParallelApplyBufferSize": 0, "ParallelApplyQueuesPerThread": 0, "ParallelApplyThreads": 0, "TargetSchema": "a<b>&c",
					"InlineLobMaxSize": 0, "ParallelLoadQueuesPerThread": 0, "SupportLobs": true, "LobChunkSize": 64, "TaskRecoveryTableEnabled": false,
					"ParallelLoadThreads": 0, "LobMaxSize": 32, "BatchApplyEnabled": false, "FullLobMode": false, "LimitedSizeLobMode": true,
					"LoadMaxFileSize": 0, "ParallelLoadBufferSize": 0}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mapping.ParseTaskSettings(tt.doc)
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, s)
			}
			requireOnlyChanged(t, s.JSON(), tt.want)
			// The output parses back to the same settings.
			again, err := mapping.ParseTaskSettings(s.JSON())
			require.NoError(t, err)
			require.Equal(t, s.JSON(), again.JSON())
		})
	}
}

func TestParseTaskSettingsErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *mapping.Error
	}{
		{"syntax", `{"FullLoadSettings": `, &mapping.Error{Message: "Invalid task settings JSON"}},
		{"trailing data", `{} {}`, &mapping.Error{Message: "Invalid task settings JSON"}},
		{"trailing brace", `{}}`, &mapping.Error{Message: "Invalid task settings JSON"}},
		{"array", `[]`, &mapping.Error{Message: "Invalid task settings JSON"}},
		{"string", `"settings"`, &mapping.Error{Message: "Invalid task settings JSON"}},
		{"section not an object", `{"FullLoadSettings": 5}`,
			&mapping.Error{Field: "FullLoadSettings", Message: "Invalid task settings JSON"}},
		{"untyped section not an object", `{"TTSettings": [true]}`,
			&mapping.Error{Field: "TTSettings", Message: "Invalid task settings JSON"}},
		{"before image not an object", `{"BeforeImageSettings": "on"}`,
			&mapping.Error{Field: "BeforeImageSettings", Message: "Invalid task settings JSON"}},
		{"CommitRate string", `{"FullLoadSettings": {"CommitRate": "5000"}}`,
			&mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Invalid task settings JSON"}},
		{"CommitRate fraction", `{"FullLoadSettings": {"CommitRate": 1.5}}`,
			&mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Invalid task settings JSON"}},
		{"bool as string", `{"Logging": {"EnableLogging": "true"}}`,
			&mapping.Error{Field: "Logging.EnableLogging", Message: "Invalid task settings JSON"}},
		{"LogComponents object", `{"Logging": {"LogComponents": {}}}`,
			&mapping.Error{Field: "Logging.LogComponents", Message: "Invalid task settings JSON"}},
		{"CloudWatchLogGroup", `{"Logging": {"EnableLogging": true, "CloudWatchLogGroup": "dms-tasks-x"}}`,
			&mapping.Error{Field: "Logging.CloudWatchLogGroup",
				Message: "Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create."}},
		{"CloudWatchLogStream", `{"Logging": {"EnableLogging": true, "CloudWatchLogStream": ""}}`,
			&mapping.Error{Field: "Logging.CloudWatchLogStream",
				Message: "Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create."}},
		{"EnableLogContext alone", `{"Logging": {"EnableLogContext": true}}`,
			&mapping.Error{Field: "Logging.EnableLogContext",
				Message: "Task Settings EnableLogContext cannot be enabled when EnableLogging is false."}},
		{"EnableLogContext with logging off", `{"Logging": {"EnableLogging": false, "EnableLogContext": true}}`,
			&mapping.Error{Field: "Logging.EnableLogContext",
				Message: "Task Settings EnableLogContext cannot be enabled when EnableLogging is false."}},
		{"TargetTablePrepMode unknown", `{"FullLoadSettings": {"TargetTablePrepMode": "APPEND"}}`,
			&mapping.Error{Field: "FullLoadSettings.TargetTablePrepMode",
				Message: "Task Settings TargetTablePrepMode must be one of DO_NOTHING, DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD."}},
		{"TargetTablePrepMode lowercase", `{"FullLoadSettings": {"TargetTablePrepMode": "drop_and_create"}}`,
			&mapping.Error{Field: "FullLoadSettings.TargetTablePrepMode",
				Message: "Task Settings TargetTablePrepMode must be one of DO_NOTHING, DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD."}},
		{"TargetTablePrepMode empty", `{"FullLoadSettings": {"TargetTablePrepMode": ""}}`,
			&mapping.Error{Field: "FullLoadSettings.TargetTablePrepMode",
				Message: "Task Settings TargetTablePrepMode must be one of DO_NOTHING, DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD."}},
		{"CommitRate above 50000", `{"FullLoadSettings": {"CommitRate": 50001}}`,
			&mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Task Settings CommitRate must be between 1 and 50000."}},
		{"CommitRate 0", `{"FullLoadSettings": {"CommitRate": 0}}`,
			&mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Task Settings CommitRate must be between 1 and 50000."}},
		{"CommitRate negative", `{"FullLoadSettings": {"CommitRate": -5}}`,
			&mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Task Settings CommitRate must be between 1 and 50000."}},
		{"before image without FieldName", `{"BeforeImageSettings": {"EnableBeforeImage": true}}`,
			&mapping.Error{Field: "BeforeImageSettings.FieldName",
				Message: "Task Settings BeforeImageSettings FieldName must be set when EnableBeforeImage is true."}},
		{"before image with empty FieldName", `{"BeforeImageSettings": {"EnableBeforeImage": true, "FieldName": "", "ColumnFilter": "all"}}`,
			&mapping.Error{Field: "BeforeImageSettings.FieldName",
				Message: "Task Settings BeforeImageSettings FieldName must be set when EnableBeforeImage is true."}},
		{"ColumnFilter unknown", `{"BeforeImageSettings": {"EnableBeforeImage": true, "FieldName": "bi", "ColumnFilter": "everything"}}`,
			&mapping.Error{Field: "BeforeImageSettings.ColumnFilter",
				Message: "Task Settings BeforeImageSettings ColumnFilter must be one of pk-only, non-lob, all."}},
		{"ColumnFilter checked when disabled", `{"BeforeImageSettings": {"ColumnFilter": "PK-ONLY"}}`,
			&mapping.Error{Field: "BeforeImageSettings.ColumnFilter",
				Message: "Task Settings BeforeImageSettings ColumnFilter must be one of pk-only, non-lob, all."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mapping.ParseTaskSettings(tt.doc)
			require.Nil(t, s)
			require.Equal(t, tt.want, err)
			require.Equal(t, tt.want.Message, err.Error())
		})
	}
}

func TestTaskSettingsTypedFieldsWin(t *testing.T) {
	s, err := mapping.ParseTaskSettings(`{"ValidationSettings": {"EnableValidation": true}}`)
	require.NoError(t, err)
	s.FullLoadSettings.CommitRate = 42
	s.ControlTablesSettings.HistoryTimeslotInMinutes = 7
	s.Logging.EnableLogging = true
	s.Logging.CloudWatchLogGroup = "dms-tasks-rep1"
	s.Logging.CloudWatchLogStream = "dms-task-TASK1"
	s.BeforeImageSettings = &mapping.BeforeImageSettings{EnableBeforeImage: true, FieldName: "bi", ColumnFilter: "non-lob"}

	got := sections(t, s.JSON())
	require.Equal(t, 42.0, got["FullLoadSettings"].(map[string]any)["CommitRate"])
	require.Equal(t, map[string]any{"EnableValidation": true}, got["ValidationSettings"])
	require.Equal(t, map[string]any{"EnableBeforeImage": true, "FieldName": "bi", "ColumnFilter": "non-lob"}, got["BeforeImageSettings"])
	cts := got["ControlTablesSettings"].(map[string]any)
	require.Equal(t, 7.0, cts["HistoryTimeslotInMinutes"])
	require.Equal(t, 7.0, cts["historyTimeslotInMinutes"])
	logging := got["Logging"].(map[string]any)
	require.Equal(t, true, logging["EnableLogging"])
	require.Equal(t, "dms-tasks-rep1", logging["CloudWatchLogGroup"])
	require.Equal(t, "dms-task-TASK1", logging["CloudWatchLogStream"])

	// A TaskSettings built by hand: untyped sections come from the default
	// document, typed fields are what was set.
	byHand := &mapping.TaskSettings{FullLoadSettings: mapping.FullLoadSettings{TargetTablePrepMode: "DO_NOTHING", CommitRate: 7}}
	got = sections(t, byHand.JSON())
	require.Equal(t, map[string]any{"TTS3Settings": nil, "TTRecordSettings": nil, "EnableTT": false}, got["TTSettings"])
	require.Equal(t, map[string]any{
		"CommitRate": 7.0, "StopTaskCachedChangesApplied": false, "StopTaskCachedChangesNotApplied": false,
		"MaxFullLoadSubTasks": 0.0, "TransactionConsistencyTimeout": 0.0, "CreatePkAfterFullLoad": false,
		"TargetTablePrepMode": "DO_NOTHING",
	}, got["FullLoadSettings"])
	require.Nil(t, got["BeforeImageSettings"])
	require.NotContains(t, got["Logging"], "CloudWatchLogGroup")
}

func TestTaskSettingsMerge(t *testing.T) {
	base, err := mapping.ParseTaskSettings(`{"FullLoadSettings": {"CommitRate": 5000}, "ValidationSettings": {"EnableValidation": true}}`)
	require.NoError(t, err)
	baseJSON := base.JSON()

	s, err := base.Merge(`{"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
		"Logging": {"EnableLogging": true, "CloudWatchLogGroup": "ignored", "CloudWatchLogStream": "ignored"}}`)
	require.NoError(t, err)
	require.Equal(t, mapping.FullLoadSettings{
		TargetTablePrepMode: "DO_NOTHING", MaxFullLoadSubTasks: 8, TransactionConsistencyTimeout: 600, CommitRate: 5000,
	}, s.FullLoadSettings)
	require.True(t, s.Logging.EnableLogging)
	require.Empty(t, s.Logging.CloudWatchLogGroup)
	require.Empty(t, s.Logging.CloudWatchLogStream)
	require.Equal(t, map[string]any{"EnableValidation": true}, sections(t, s.JSON())["ValidationSettings"])

	// The receiver is unchanged.
	require.Equal(t, baseJSON, base.JSON())
	require.Equal(t, "DROP_AND_CREATE", base.FullLoadSettings.TargetTablePrepMode)

	// Read-only values already set survive a merge.
	s.Logging.CloudWatchLogGroup = "dms-tasks-rep1"
	again, err := s.Merge(`{"Logging": {"CloudWatchLogGroup": "other"}}`)
	require.NoError(t, err)
	require.Equal(t, "dms-tasks-rep1", again.Logging.CloudWatchLogGroup)

	// Merge validates the result.
	_, err = s.Merge(`{"FullLoadSettings": {"CommitRate": 60000}}`)
	require.Equal(t, &mapping.Error{Field: "FullLoadSettings.CommitRate", Message: "Task Settings CommitRate must be between 1 and 50000."}, err)
	_, err = s.Merge(`{"Logging": {"EnableLogging": false, "EnableLogContext": true}}`)
	require.Equal(t, &mapping.Error{Field: "Logging.EnableLogContext",
		Message: "Task Settings EnableLogContext cannot be enabled when EnableLogging is false."}, err)

	// An empty document changes nothing.
	same, err := base.Merge("")
	require.NoError(t, err)
	require.Equal(t, baseJSON, same.JSON())
}

func TestTaskSettingsConcurrentUse(t *testing.T) {
	s, err := mapping.ParseTaskSettings(`{"ValidationSettings": {"EnableValidation": true}}`)
	require.NoError(t, err)
	want := s.JSON()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if s.JSON() != want {
					t.Error("JSON changed")
				}
				if _, err := s.Merge(`{"FullLoadSettings": {"CommitRate": 3}}`); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
