package mapping

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// TaskSettings is a replication task's settings document
// (ReplicationTaskSettings): the user's settings merged into the full
// default document.
//
// The sections the engine may honour are typed fields, read from the merged
// document by their exact (case-sensitive) key names. Everything else (other
// sections, unknown keys) is kept as parsed and returned by JSON unchanged.
// Changing a typed field changes what JSON returns.
type TaskSettings struct {
	Logging                             Logging                           `json:"Logging"`
	StreamBufferSettings                StreamBufferSettings              `json:"StreamBufferSettings"`
	ErrorBehavior                       ErrorBehavior                     `json:"ErrorBehavior"`
	FullLoadSettings                    FullLoadSettings                  `json:"FullLoadSettings"`
	TargetMetadata                      TargetMetadata                    `json:"TargetMetadata"`
	BeforeImageSettings                 *BeforeImageSettings              `json:"BeforeImageSettings"` // nil when not set (JSON null)
	ControlTablesSettings               ControlTablesSettings             `json:"ControlTablesSettings"`
	FailTaskWhenCleanTaskResourceFailed bool                              `json:"FailTaskWhenCleanTaskResourceFailed"`
	ChangeProcessingTuning              ChangeProcessingTuning            `json:"ChangeProcessingTuning"`
	ChangeProcessingDdlHandlingPolicy   ChangeProcessingDdlHandlingPolicy `json:"ChangeProcessingDdlHandlingPolicy"`

	// doc is the merged document. It is never modified once the settings
	// are built, so copies of a TaskSettings may share it.
	doc map[string]any
}

// Logging configures task logging.
type Logging struct {
	EnableLogging    bool           `json:"EnableLogging"`
	EnableLogContext bool           `json:"EnableLogContext"` // requires EnableLogging
	LogComponents    []LogComponent `json:"LogComponents"`
	// CloudWatchLogGroup and CloudWatchLogStream are read-only: AWS fills
	// them in when logging is on (dms-tasks-<instance id> and
	// dms-task-<task resource id>) and rejects them on create. The API layer
	// sets them; JSON omits them while empty.
	CloudWatchLogGroup  string `json:"CloudWatchLogGroup,omitempty"`
	CloudWatchLogStream string `json:"CloudWatchLogStream,omitempty"`
}

// LogComponent is the log severity of one task component.
type LogComponent struct {
	ID       string `json:"Id"`
	Severity string `json:"Severity"`
}

// StreamBufferSettings sizes the task's stream buffers.
type StreamBufferSettings struct {
	StreamBufferCount        int `json:"StreamBufferCount"`
	CtrlStreamBufferSizeInMB int `json:"CtrlStreamBufferSizeInMB"`
	StreamBufferSizeInMB     int `json:"StreamBufferSizeInMB"`
}

// ErrorBehavior says how a task reacts to errors.
type ErrorBehavior struct {
	DataErrorPolicy                             string `json:"DataErrorPolicy"`
	DataTruncationErrorPolicy                   string `json:"DataTruncationErrorPolicy"`
	DataMaskingErrorPolicy                      string `json:"DataMaskingErrorPolicy"`
	DataErrorEscalationPolicy                   string `json:"DataErrorEscalationPolicy"`
	DataErrorEscalationCount                    int    `json:"DataErrorEscalationCount"`
	TableErrorPolicy                            string `json:"TableErrorPolicy"`
	TableErrorEscalationPolicy                  string `json:"TableErrorEscalationPolicy"`
	TableErrorEscalationCount                   int    `json:"TableErrorEscalationCount"`
	RecoverableErrorCount                       int    `json:"RecoverableErrorCount"` // -1: retry forever
	RecoverableErrorInterval                    int    `json:"RecoverableErrorInterval"`
	RecoverableErrorThrottling                  bool   `json:"RecoverableErrorThrottling"`
	RecoverableErrorThrottlingMax               int    `json:"RecoverableErrorThrottlingMax"`
	RecoverableErrorStopRetryAfterThrottlingMax bool   `json:"RecoverableErrorStopRetryAfterThrottlingMax"`
	ApplyErrorDeletePolicy                      string `json:"ApplyErrorDeletePolicy"`
	ApplyErrorInsertPolicy                      string `json:"ApplyErrorInsertPolicy"`
	ApplyErrorUpdatePolicy                      string `json:"ApplyErrorUpdatePolicy"`
	ApplyErrorEscalationPolicy                  string `json:"ApplyErrorEscalationPolicy"`
	ApplyErrorEscalationCount                   int    `json:"ApplyErrorEscalationCount"`
	ApplyErrorFailOnTruncationDdl               bool   `json:"ApplyErrorFailOnTruncationDdl"`
	FullLoadIgnoreConflicts                     bool   `json:"FullLoadIgnoreConflicts"`
	FailOnTransactionConsistencyBreached        bool   `json:"FailOnTransactionConsistencyBreached"`
	FailOnNoTablesCaptured                      bool   `json:"FailOnNoTablesCaptured"`
	EventErrorPolicy                            string `json:"EventErrorPolicy"`
}

// Target table preparation modes (FullLoadSettings.TargetTablePrepMode).
const (
	PrepDoNothing          = "DO_NOTHING"
	PrepDropAndCreate      = "DROP_AND_CREATE"
	PrepTruncateBeforeLoad = "TRUNCATE_BEFORE_LOAD"
)

// FullLoadSettings configures the full-load phase.
type FullLoadSettings struct {
	TargetTablePrepMode             string `json:"TargetTablePrepMode"` // DO_NOTHING, DROP_AND_CREATE or TRUNCATE_BEFORE_LOAD
	CreatePkAfterFullLoad           bool   `json:"CreatePkAfterFullLoad"`
	StopTaskCachedChangesApplied    bool   `json:"StopTaskCachedChangesApplied"`
	StopTaskCachedChangesNotApplied bool   `json:"StopTaskCachedChangesNotApplied"`
	MaxFullLoadSubTasks             int    `json:"MaxFullLoadSubTasks"`
	TransactionConsistencyTimeout   int    `json:"TransactionConsistencyTimeout"` // seconds
	CommitRate                      int    `json:"CommitRate"`                    // 1..50000
}

// TargetMetadata configures the target: schema, LOB handling, parallelism.
type TargetMetadata struct {
	TargetSchema                 string `json:"TargetSchema"`
	SupportLobs                  bool   `json:"SupportLobs"`
	FullLobMode                  bool   `json:"FullLobMode"`
	LobChunkSize                 int    `json:"LobChunkSize"`
	LimitedSizeLobMode           bool   `json:"LimitedSizeLobMode"`
	LobMaxSize                   int    `json:"LobMaxSize"`
	InlineLobMaxSize             int    `json:"InlineLobMaxSize"`
	LoadMaxFileSize              int    `json:"LoadMaxFileSize"`
	ParallelLoadThreads          int    `json:"ParallelLoadThreads"`
	ParallelLoadBufferSize       int    `json:"ParallelLoadBufferSize"`
	ParallelLoadQueuesPerThread  int    `json:"ParallelLoadQueuesPerThread"`
	ParallelApplyThreads         int    `json:"ParallelApplyThreads"`
	ParallelApplyBufferSize      int    `json:"ParallelApplyBufferSize"`
	ParallelApplyQueuesPerThread int    `json:"ParallelApplyQueuesPerThread"`
	BatchApplyEnabled            bool   `json:"BatchApplyEnabled"`
	TaskRecoveryTableEnabled     bool   `json:"TaskRecoveryTableEnabled"`
}

// Before-image column filters (BeforeImageSettings.ColumnFilter).
const (
	ColumnFilterPKOnly = "pk-only"
	ColumnFilterNonLOB = "non-lob"
	ColumnFilterAll    = "all"
)

// BeforeImageSettings adds the row's before image to update records.
type BeforeImageSettings struct {
	EnableBeforeImage bool   `json:"EnableBeforeImage"`
	FieldName         string `json:"FieldName"`    // required when EnableBeforeImage
	ColumnFilter      string `json:"ColumnFilter"` // pk-only (default), non-lob or all
}

// ControlTablesSettings configures the control tables on the target.
// HistoryTimeslotInMinutes is returned twice by JSON, also under the
// lowercase key historyTimeslotInMinutes, as AWS does.
type ControlTablesSettings struct {
	ControlSchema                 string `json:"ControlSchema"`
	HistoryTimeslotInMinutes      int    `json:"HistoryTimeslotInMinutes"`
	HistoryTableEnabled           bool   `json:"HistoryTableEnabled"`
	SuspendedTablesTableEnabled   bool   `json:"SuspendedTablesTableEnabled"`
	StatusTableEnabled            bool   `json:"StatusTableEnabled"`
	FullLoadExceptionTableEnabled bool   `json:"FullLoadExceptionTableEnabled"`
}

// ChangeProcessingTuning tunes change processing (CDC).
type ChangeProcessingTuning struct {
	BatchApplyPreserveTransaction bool `json:"BatchApplyPreserveTransaction"`
	BatchApplyTimeoutMin          int  `json:"BatchApplyTimeoutMin"`
	BatchApplyTimeoutMax          int  `json:"BatchApplyTimeoutMax"`
	BatchApplyMemoryLimit         int  `json:"BatchApplyMemoryLimit"`
	BatchSplitSize                int  `json:"BatchSplitSize"`
	MinTransactionSize            int  `json:"MinTransactionSize"`
	CommitTimeout                 int  `json:"CommitTimeout"`
	MemoryLimitTotal              int  `json:"MemoryLimitTotal"`
	MemoryKeepTime                int  `json:"MemoryKeepTime"`
	StatementCacheSize            int  `json:"StatementCacheSize"`
	RecoveryTimeout               int  `json:"RecoveryTimeout"`
}

// ChangeProcessingDdlHandlingPolicy says which source DDL is applied.
type ChangeProcessingDdlHandlingPolicy struct {
	HandleSourceTableDropped   bool `json:"HandleSourceTableDropped"`
	HandleSourceTableTruncated bool `json:"HandleSourceTableTruncated"`
	HandleSourceTableAltered   bool `json:"HandleSourceTableAltered"`
}

const (
	msgInvalidSettings = "Invalid task settings JSON"
	msgCloudWatch      = "Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create."
	maxCommitRate      = 50000
	historyTimeslotKey = "HistoryTimeslotInMinutes"
	historyTimeslotDup = "historyTimeslotInMinutes"
	controlTablesKey   = "ControlTablesSettings"
)

// DefaultTaskSettings returns the settings of a task created without a
// settings document.
func DefaultTaskSettings() *TaskSettings {
	s, err := fromDocument(defaultDocument())
	if err != nil {
		panic("mapping: default task settings: " + err.Error())
	}
	return s
}

// ParseTaskSettings validates a settings document as CreateReplicationTask
// does and merges it into the default document. An empty document (or
// JSON null) means the defaults. Validation errors are *Error values
// carrying the message AWS returns.
//
// Merging: objects merge key by key, recursively; any other value (arrays
// included) replaces the default; a null value leaves the default in place.
// Keys the default document lacks are kept.
func ParseTaskSettings(doc string) (*TaskSettings, error) {
	return merge(defaultDocument(), doc, true)
}

// Merge returns s with doc merged into it, as ModifyReplicationTask does;
// s is unchanged. It differs from ParseTaskSettings only in starting from s
// and in ignoring the read-only Logging.CloudWatchLogGroup and
// CloudWatchLogStream (as written back from a describe) instead of
// rejecting them.
func (s *TaskSettings) Merge(doc string) (*TaskSettings, error) {
	return merge(s.document(), doc, false)
}

// JSON returns the full settings document as DescribeReplicationTasks
// returns it: compact, keys sorted. A nil s yields the default document.
func (s *TaskSettings) JSON() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s.document()); err != nil {
		// The document holds only JSON-decoded values and typed fields.
		panic("mapping: encoding task settings: " + err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func merge(base map[string]any, doc string, create bool) (*TaskSettings, error) {
	if strings.TrimSpace(doc) == "" {
		return fromDocument(base)
	}
	var user map[string]any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&user); err != nil || strings.TrimSpace(doc[dec.InputOffset():]) != "" {
		return nil, &Error{Message: msgInvalidSettings}
	}
	if logging, ok := user["Logging"].(map[string]any); ok {
		for _, k := range []string{"CloudWatchLogGroup", "CloudWatchLogStream"} {
			if logging[k] == nil {
				continue
			}
			if create {
				return nil, &Error{Field: "Logging." + k, Message: msgCloudWatch}
			}
			delete(logging, k)
		}
	}
	// The lowercase duplicate is an alias: setting it alone sets the value.
	if cts, ok := user[controlTablesKey].(map[string]any); ok {
		if v := cts[historyTimeslotDup]; v != nil && cts[historyTimeslotKey] == nil {
			cts[historyTimeslotKey] = v
		}
		delete(cts, historyTimeslotDup)
	}
	if err := mergeInto(base, user, ""); err != nil {
		return nil, err
	}
	return fromDocument(base)
}

// mergeInto merges src into dst: see ParseTaskSettings.
func mergeInto(dst, src map[string]any, path string) error {
	for k, v := range src {
		if v == nil {
			continue
		}
		if d, ok := dst[k].(map[string]any); ok {
			s, ok := v.(map[string]any)
			if !ok {
				return &Error{Field: path + k, Message: msgInvalidSettings}
			}
			if err := mergeInto(d, s, path+k+"."); err != nil {
				return err
			}
			continue
		}
		dst[k] = v
	}
	return nil
}

// fromDocument builds settings on a merged document, which it takes over,
// and validates them.
func fromDocument(doc map[string]any) (*TaskSettings, error) {
	s := &TaskSettings{doc: doc}
	if err := decodeFields(doc, reflect.ValueOf(s).Elem(), ""); err != nil {
		return nil, err
	}
	if b := s.BeforeImageSettings; b != nil && b.ColumnFilter == "" {
		b.ColumnFilter = ColumnFilterPKOnly
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *TaskSettings) validate() error {
	if s.Logging.EnableLogContext && !s.Logging.EnableLogging {
		return &Error{Field: "Logging.EnableLogContext",
			Message: "Task Settings EnableLogContext cannot be enabled when EnableLogging is false."}
	}
	switch s.FullLoadSettings.TargetTablePrepMode {
	case PrepDoNothing, PrepDropAndCreate, PrepTruncateBeforeLoad:
	default:
		return &Error{Field: "FullLoadSettings.TargetTablePrepMode",
			Message: "Task Settings TargetTablePrepMode must be one of DO_NOTHING, DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD."}
	}
	if r := s.FullLoadSettings.CommitRate; r < 1 || r > maxCommitRate {
		return &Error{Field: "FullLoadSettings.CommitRate",
			Message: "Task Settings CommitRate must be between 1 and 50000."}
	}
	if b := s.BeforeImageSettings; b != nil {
		switch b.ColumnFilter {
		case ColumnFilterPKOnly, ColumnFilterNonLOB, ColumnFilterAll:
		default:
			return &Error{Field: "BeforeImageSettings.ColumnFilter",
				Message: "Task Settings BeforeImageSettings ColumnFilter must be one of pk-only, non-lob, all."}
		}
		if b.EnableBeforeImage && b.FieldName == "" {
			return &Error{Field: "BeforeImageSettings.FieldName",
				Message: "Task Settings BeforeImageSettings FieldName must be set when EnableBeforeImage is true."}
		}
	}
	return nil
}

// document returns a fresh copy of the merged document with the typed
// fields written over it.
func (s *TaskSettings) document() map[string]any {
	if s == nil {
		return defaultDocument()
	}
	var doc map[string]any
	if s.doc != nil {
		doc = cloneJSON(s.doc).(map[string]any)
	} else {
		doc = defaultDocument() // a TaskSettings built by hand
	}
	encodeFields(doc, reflect.ValueOf(s).Elem())
	if cts, ok := doc[controlTablesKey].(map[string]any); ok {
		cts[historyTimeslotDup] = cts[historyTimeslotKey]
	}
	return doc
}

func defaultDocument() map[string]any {
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(defaultTaskSettingsJSON))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		panic("mapping: default task settings document: " + err.Error())
	}
	return doc
}

// decodeFields sets each json-tagged field of the struct v from the key of
// the same name in obj, matched exactly (encoding/json would match keys
// case-insensitively). Absent and null keys leave the field zero.
func decodeFields(obj map[string]any, v reflect.Value, path string) error {
	t := v.Type()
	for i := range t.NumField() {
		name, _, ok := jsonName(t.Field(i))
		if !ok {
			continue
		}
		raw := obj[name]
		if raw == nil {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct {
			f.Set(reflect.New(f.Type().Elem()))
			f = f.Elem()
		}
		if f.Kind() == reflect.Struct {
			sub, ok := raw.(map[string]any)
			if !ok {
				return &Error{Field: path + name, Message: msgInvalidSettings}
			}
			if err := decodeFields(sub, f, path+name+"."); err != nil {
				return err
			}
			continue
		}
		b, err := json.Marshal(raw)
		if err == nil {
			err = json.Unmarshal(b, f.Addr().Interface())
		}
		if err != nil {
			return &Error{Field: path + name, Message: msgInvalidSettings}
		}
	}
	return nil
}

// encodeFields writes each json-tagged field of the struct v into obj under
// its exact key; see decodeFields.
func encodeFields(obj map[string]any, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		name, omitEmpty, ok := jsonName(t.Field(i))
		if !ok {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct {
			if f.IsNil() {
				obj[name] = nil
				continue
			}
			f = f.Elem()
		}
		switch {
		case f.Kind() == reflect.Struct:
			sub, ok := obj[name].(map[string]any)
			if !ok {
				sub = map[string]any{}
				obj[name] = sub
			}
			encodeFields(sub, f)
		case omitEmpty && f.IsZero():
			delete(obj, name)
		default:
			obj[name] = f.Interface()
		}
	}
}

func jsonName(f reflect.StructField) (name string, omitEmpty, ok bool) {
	tag, has := f.Tag.Lookup("json")
	if !has || !f.IsExported() {
		return "", false, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	return name, opts == "omitempty", name != "" && name != "-"
}

// cloneJSON deep-copies a decoded JSON value.
func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneJSON(e)
		}
		return s
	default:
		return v
	}
}
