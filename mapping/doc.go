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
// post-processing rules are kept (see Rule) but not evaluated.
//
// # Filters
//
// Include (and explicit) rules may carry source filters; Filter compiles
// those of the rules selecting a table into a RowFilter, which evaluates
// rows given as a column accessor, and renders them as a SQL condition
// (RowFilter.SQL) for a source to push into its full-load query. Filter
// takes the whole Table, not only its names, because values compare by the
// column's type.
//
//   - Operators: eq, noteq, gte, lte and its alias ste, between and
//     notbetween (start-value, end-value), null, notnull. The conditions of
//     one filter are OR-ed, separate filters AND-ed. As in SQL, a
//     comparison with NULL never holds (noteq and notbetween included).
//   - Values are strings compared by the column's DMS type: numbers
//     (INT*, UINT*, NUMERIC, REAL*, BOOLEAN) numerically and exactly, so a
//     number column's filter value must be a number; BYTES and BLOB byte by
//     byte; everything else, dates and times included, as text, the way
//     SQLite compares its text dates ("2024-01-02" < "2024-01-10").
//   - Validated as AWS documents: only include rules filter, on exact
//     schema and table names, filter-type "source", at most one negative
//     condition (noteq, notbetween, notnull) per filter. A filter column the
//     table lacks is reported when the table is met (Filter's error), since
//     the document alone cannot know.
//   - Several include rules may select one table: a row passes when any of
//     them passes it, so a rule without filters passes everything.
//   - The engine evaluates an update's after image and a delete's deleted
//     row, as DMS does; a PostgreSQL delete without the filter column in its
//     replica identity has NULL there and is dropped, which is the
//     limitation AWS documents.
//
// # Transformations
//
// Plan compiles the transformation rules that apply to one source table
// (described neutrally by Table: DMS type names, lengths, key) into the
// target's schema and table names, columns and primary key, plus a row
// function. Every rule-action is supported for schema, table and column
// targets: rename, convert-lowercase, convert-uppercase, add-prefix,
// remove-prefix, replace-prefix, add-suffix, remove-suffix,
// replace-suffix, remove-column, include-column, add-column (value, data-type,
// optional expression), change-data-type, define-primary-key and
// add-before-image-columns. table-tablespace and index-tablespace rules are
// validated and have no effect: stream targets have no tablespaces.
//
// Choices where AWS documents no precise behaviour:
//
//   - AWS allows one transformation action per object. minidms keeps one
//     action per kind and object: name (rename, case, prefix, suffix),
//     presence (remove-column, include-column), data type, primary key and
//     before-image columns; of several rules of one kind matching an object,
//     the lowest numeric rule-id wins (non-numeric ids after, in document
//     order). Documents that follow AWS's rule behave as on AWS.
//   - Names are matched by the source names (object-locator patterns as in
//     selection rules, column-name included) and rules do not chain: a
//     table rule matches the source table name, not the renamed one.
//   - include-column: once any include-column rule matches a table, only
//     the columns some include-column rule names are kept.
//   - A removed key column leaves the key; define-primary-key replaces the
//     key, its columns named by target name or else by source name.
//   - Column order: kept source columns in source order, then add-column
//     columns in precedence order, then before-image columns
//     (column-prefix, default "BI_", + target name + column-suffix) of the
//     columns column-filter picks (pk-only, the default; non-lob; all) and
//     column-name narrows. Before-image columns hold the before image of
//     updates and NULL otherwise.
//   - Values convert to the new data-type strictly: text that is not a
//     number fails as an int; reals truncate toward zero into ints; numeric
//     keeps its scale ("5.00"); text types are cut to their length, as DMS
//     truncates. A failed conversion is an error (the engine fails the task
//     with it) rather than a silently wrong value. data-type precision of
//     datetime and time is their fractional digits (Column.Scale).
//   - Plan fails on what would make an invalid table: two columns with one
//     name, an empty name, an expression or key naming a missing column.
//
// # Expressions
//
// add-column expressions use the SQLite subset DMS documents, parsed by a
// small hand-written Pratt parser and evaluated with SQLite's semantics
// (storage classes NULL, integer, real, text, blob; column affinity in
// comparisons; integer arithmetic that turns real on overflow; division by
// zero is NULL; three-valued logic). No maintained pure-Go library
// evaluates SQLite expressions without bringing a whole database engine, so
// ParseExpression and Expression.Eval are this package's own.
//
//   - Columns are $name (source names); headers $AR_H_OPERATION
//     (INSERT, UPDATE, DELETE; INSERT for full load), $AR_H_TIMESTAMP,
//     $AR_H_COMMIT_TIMESTAMP ("2006-01-02 15:04:05.000000", UTC),
//     $AR_H_TRANSACTION_ID, $AR_H_STREAM_POSITION, $AR_H_CHANGE_SEQ (Qlik's
//     layout; "" in full load) and $AR_M_SOURCE_SCHEMA,
//     $AR_M_SOURCE_TABLE_NAME. Other headers are rejected at parse time.
//   - Operators: || * / % + - & | << >> < <= > >= = == != <> IS [NOT]
//     [NOT] LIKE, [NOT] BETWEEN, [NOT] IN (…), NOT, AND, OR, unary - + ~,
//     CASE (simple and searched), CAST(x AS type).
//   - Functions: lower, upper, trim, ltrim, rtrim, substr, substring,
//     replace, length, instr, round, abs, coalesce, ifnull, nullif, iif,
//     max, min (scalar), hex, typeof, hash_sha256 (lowercase hex),
//     operation_indicator(d, u, i), date, time, datetime, julianday,
//     strftime. Date functions take SQLite's text layouts, Julian day
//     numbers and 'unixepoch'; every time is UTC ('localtime' and 'utc'
//     change nothing) and 'now' is the change's timestamp, so one change
//     always computes one value. random, randomblob and replaceChars are
//     not supported (an unknown function is a parse error).
//   - Limits keep hostile input bounded: 64 KiB of source, nesting 100
//     deep, 1 MiB per text result.
//
// # Table settings and object mapping
//
// table-settings rules (exact names only: a % is rejected) are validated
// and exposed by TableSettings: parallel-load (partitions-auto,
// subpartitions-auto, partitions-list with partitions, ranges with columns
// and one boundary value per column, none) and lob-settings (mode limited,
// unlimited or none; bulk-max-size). The engine does not yet split a table's
// load by them.
//
// object-mapping rules (map-record-to-record, map-record-to-document) are
// validated and exposed by ObjectMapping for stream targets:
// partition-key-type (attribute-name with partition-key-name, primary-key,
// schema-table, transaction-id) or a constant partition-key.value,
// exclude-columns, attribute-mappings whose ${column} templates
// Attribute.Render fills, and target-table-name.
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
// What the engine (package dms) honours: FullLoadSettings.TargetTablePrepMode
// (its drop-table and create-table control records) and CommitRate (load
// batch size); ErrorBehavior.FailOnNoTablesCaptured (false: a task whose
// mapping selects no table finishes instead of failing) and DataErrorPolicy
// (for rows a transformation cannot convert); BeforeImageSettings is read by
// the Kinesis target. MaxFullLoadSubTasks and parallel-load are validated
// but tables load one at a time: a source Snapshot is one consistent read
// view that the Source contract lets only one goroutine use.
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
// AWS's wording unknown; this package's own, in the same style (every
// rule-level message starts "Error in mapping rules. Rule with ruleId = N
// failed validation." and Error.Field names the key; the tests list them
// all):
//
//	Invalid table mappings document.                                                    (unknown table-type, rule-target, transformation or object-mapping rule-action)
//	Error in mapping rules. Rule with ruleId = 1 failed validation. schema name cannot be null or empty
//	Error in mapping rules. Rule with ruleId = 1 failed validation. table name cannot be null or empty
//	Error in mapping rules. Rule with ruleId = 1 failed validation. explicit selection rule cannot use wildcards
//	Error in mapping rules. Rule with ruleId = null failed validation. rule id cannot be null
//	Error in mapping rules. Transformations give table s.t two columns named "x"     (from Plan)
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
