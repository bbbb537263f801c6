// Package mapping parses and validates the two documents that configure a
// replication task: the table-mapping document (TableMappings) and the task
// settings document (ReplicationTaskSettings).
//
// # Table mappings
//
// ParseTableMappings reads a {"rules": [...]} document. Selection rules
// (rule-type "selection") decide which tables a task migrates:
//
//   - rule-action "include" and "exclude" take object-locator schema-name and
//     table-name patterns; "explicit" names exactly one object, literally
//     (an underscore is just an underscore; % is rejected).
//   - Patterns are SQL LIKE / T-SQL style and case-sensitive: % matches zero
//     or more characters, _ exactly one, [ab] one of a set, [a-d] one of a
//     range, so [_] and [%] match a literal underscore and percent sign. A [
//     without a closing ] is literal.
//   - A table is selected when some include or explicit rule matches it and
//     no exclude rule does, whatever the rules' order.
//   - object-locator table-type is "table" (the default), "view" or "all";
//     Selected considers the rules for tables, SelectedView those for views.
//   - load-order (a number or numeric string) orders the full load: higher
//     first. LoadOrder reports it; when several include rules select a
//     table, the highest wins.
//
// Patterns are compiled once, at parse time; Selected does not allocate.
//
// Filters on include rules, and the transformation, table-settings,
// object-mapping and post-processing rules, are parsed and kept (see Rule)
// but neither evaluated nor validated yet beyond their JSON shape, their
// rule-type and the uniqueness of their rule-id.
//
// # Task settings
//
// ParseTaskSettings merges a settings document into the full default
// document AWS uses (DefaultTaskSettings) and validates the result; Merge
// does the same starting from existing settings, for ModifyReplicationTask.
// TaskSettings.JSON returns the whole merged document, as
// DescribeReplicationTasks returns it, including AWS's duplicated lowercase
// ControlTablesSettings.historyTimeslotInMinutes. Sections and keys without
// a typed field round-trip unchanged.
//
// # Validation errors
//
// Validation errors are *Error values; AWS returns them as
// InvalidParameterValueException (HTTP 400) with Error() as the message.
// Where the messages come from:
//
// Observed on AWS (LocalStack's AWS-validated tests, or AWS consoles):
//
//	Invalid Table Mappings document. Invalid json …
//	Error in mapping rules. Rule with ruleId = 1 failed validation. object locator cannot be null
//	Error in mapping rules. At least one selection rule is required.
//	Invalid task settings JSON
//	Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create.
//
// For invalid JSON AWS appends its parser's (gson's) exception text; this
// package appends Go's description and the line and column instead, or
// "expected <type> at path $.rules[0]…" for valid JSON of the wrong shape.
//
// Matched against AWS snapshots by LocalStack's tests:
//
//	Valid Table mappings is required                  (no "rules" key, null, empty document)
//	Invalid table mappings document.                  (unknown or missing rule-type or selection rule-action)
//	Error in mapping rules. Duplicate ruleid 1        (rule-name uniqueness is not validated)
//
// AWS's wording unknown; this package's own, in the same style:
//
//	Invalid table mappings document.                                                    (unknown table-type)
//	Error in mapping rules. Rule with ruleId = 1 failed validation. schema name cannot be null or empty
//	Error in mapping rules. Rule with ruleId = 1 failed validation. table name cannot be null or empty
//	Error in mapping rules. Rule with ruleId = 1 failed validation. explicit selection rule cannot use wildcards
//	Error in mapping rules. Rule with ruleId = null failed validation. rule id cannot be null
//	Task Settings EnableLogContext cannot be enabled when EnableLogging is false.
//	Task Settings TargetTablePrepMode must be one of DO_NOTHING, DROP_AND_CREATE, TRUNCATE_BEFORE_LOAD.
//	Task Settings CommitRate must be between 1 and 50000.
//	Task Settings BeforeImageSettings ColumnFilter must be one of pk-only, non-lob, all.
//	Task Settings BeforeImageSettings FieldName must be set when EnableBeforeImage is true.
//
// A settings value of the wrong JSON type for a typed field (a string
// CommitRate, a number where a section belongs) is "Invalid task settings
// JSON".
//
// Inferred, not observed: a BeforeImageSettings object without ColumnFilter
// gets "pk-only" (the documented default); setting only the lowercase
// historyTimeslotInMinutes sets HistoryTimeslotInMinutes; a null value in a
// settings document leaves the default in place.
package mapping
