// Package kinesis is a dms.Target that writes records to an Amazon Kinesis
// data stream exactly as AWS DMS writes them, with PutRecords through the
// AWS SDK for Go v2.
//
//	import kinesistarget "github.com/minidms/minidms/target/kinesis"
//
//	target, err := kinesistarget.New(kinesistarget.Config{
//		Client:   kinesis.NewFromConfig(cfg), // service/kinesis
//		Settings: types.KinesisSettings{StreamArn: aws.String(arn), IncludeControlDetails: aws.Bool(true)},
//	})
//
// Settings are the endpoint's KinesisSettings as the DMS API carries them
// (service/databasemigrationservice/types). The Encoder turns one change
// into one record and can be used alone, for benchmarks or golden tests.
//
// # Records
//
// Every record is one JSON object: {"data": {...}, "metadata": {...}} for a
// row, {"control": {...}, "metadata": {...}} for a table event. metadata
// holds, in this order: timestamp (when the record was built, UTC with
// microseconds), record-type, operation, partition-key-type,
// partition-key-value (with IncludePartitionValue, unless the type is
// schema-table), schema-name, table-name, and for CDC rows transaction-id
// and, with IncludeTransactionDetails, transaction-record-id,
// prev-transaction-id, prev-transaction-record-id, commit-timestamp and
// stream-position (the change's dms.Position). Load rows carry no
// transaction fields.
//
// MessageFormat "json" (the default) prints as the cJSON C library's
// formatted printer does: a tab after each colon, members on their own
// lines indented by tabs, arrays on one line (["a", "b"]), an empty object
// as "{", newline, indentation, "}". "json-unformatted" is one line
// without whitespace.
//
// Partition keys (the Kinesis PartitionKey; metadata.partition-key-value
// shows the same text, before the cut described below):
//
//	control records       TaskId.schema.table (partition-key-type task-id, value TaskId)
//	load rows             the primary-key value, schema.table.value with
//	                      PartitionIncludeSchemaTable (type primary-key)
//	insert/update/delete  schema.table (type schema-table); partitioned like
//	                      load rows when the task's
//	                      TargetMetadata.ParallelApplyThreads > 0, as AWS does
//
// # Object mapping
//
// object-mapping rules of the task's table mapping (dms.TaskInfo
// ObjectMappings) shape the data records of the tables they name; control
// records are unaffected. map-record-to-record writes every column as a
// member of data, except the exclude-columns, then each attribute-mappings
// entry: its value template with each ${column} replaced by the column's
// value. map-record-to-document writes the columns (but the excluded ones)
// inside a "_doc" member of data, then the attributes. The partition key:
//
//	partition-key-type attribute-name   the value of the attribute (or else the
//	                                    column) partition-key-name names
//	                                    (partition-key-type attribute-name)
//	partition-key.value                 the constant (partition-key-type constant)
//	partition-key-type primary-key,     as load rows, or as CDC rows, whatever
//	schema-table                        the operation
//	partition-key-type transaction-id   the transaction id of a CDC row; load
//	                                    rows keep their default
//
// with partition-key-value showing it under IncludePartitionValue, as for
// the other types.
//
// Where AWS documents no precise behaviour, this package chooses:
//
//   - Rules match the source table's schema and name, as object-locators do
//     everywhere, even when transformation rules renamed the table; the
//     engine resolves that (dms.ObjectMapper). exclude-columns,
//     partition-key-name and ${column} name the columns as the target
//     receives them, after transformations: they describe the record, and
//     the record holds those.
//   - An attribute named like a column replaces that column in
//     map-record-to-record; attributes follow the columns, in rule order.
//   - ${column} is replaced by the value's text as in a partition key
//     (numbers exactly, DATETIME as in data, binary in hexadecimal, NULL as
//     nothing). A scalar string attribute is a JSON string, left out when
//     empty unless IncludeNullAndEmpty, like an empty column. An attribute of
//     attribute-type document or attribute-sub-type json is JSON text: the
//     values are escaped as inside a JSON string (so "${col}" in the
//     template is always a valid string), the result is parsed and printed
//     with the record, in its format; text that is not JSON fails the write
//     with an error naming the rule and the attribute, as a value of an
//     unexpected type does. The mapping package reads an attribute's value
//     as a string, so a document is written as JSON text inside a string
//     ("value": "{\"Home\": \"${HomePhone}\"}"), not as the JSON object AWS's
//     examples show.
//   - A partition-key-name that names neither an attribute nor a column
//     fails the write. An empty attribute-name or constant key falls back to
//     schema.table, as an empty primary-key value does.
//   - Before images keep their columns: object mapping shapes data only.
//   - target-table-name is ignored: a stream has no tables, and
//     metadata.table-name names the table as transformations left it.
//
// # Choices where AWS DMS is not documented
//
// The record format above is AWS's, as documented and seen in records
// captured from real AWS. Where no public source settles a detail, this
// package chooses as follows.
//
// Numbers. DMS builds its records with cJSON, whose numbers are doubles:
// that is why AWS warns that without UseLargeIntegerValue, BIGINTs of more
// than 16 digits come out in scientific notation. Numbers are printed as
// cJSON's print_number does: whole numbers within the C int range as
// integers, others with %1.15g unless that does not read back as the same
// double (within one DBL_EPSILON), then with %1.17g. So without
// UseLargeIntegerValue an INT8 or UINT8 value 1234567890123456789 is
// written 1.2345678901234568e+18, 1000000000000000 is 1e+15 and values
// beyond 2^53 lose precision; with it they are written exactly. UINT8 is a
// number, not a string. INT1-INT4 and UINT1-UINT4 are always exact. REAL4
// is widened to a double first, so 1.70 is written 1.7000000476837158 (AWS
// does not normalise it); REAL8 prints as cJSON does, which is the
// shortest form for most values but not all: 1.0/3 is 0.33333333333333331
// and 0.1+0.2 is 0.3. NaN and infinities are null. transaction-id and the
// other metadata numbers are written exactly.
//
// NUMERIC values are JSON strings holding the source's exact decimal text
// ("1500.00"), as Qlik Replicate (where the DMS engine comes from)
// documents for its streaming targets; the constant numericAsString
// switches to bare numbers.
//
// DATETIME "2006-01-02 15:04:05.ffffff" is written "2006-01-02T15:04:05.ffffffZ"
// with the fractional digits the source gave (none for DATETIME(0)), as in
// captured records; DATE and TIME are written as the source gives them.
// BYTES and BLOB are upper-case hexadecimal, "0x" first unless NoHexPrefix
// (an empty value is "0x"). BOOLEAN is true or false. Strings are escaped
// as cJSON escapes them (the quote, the backslash and control characters;
// '/' and non-ASCII text, emoji included, as is); invalid UTF-8 becomes
// U+FFFD so that every record is valid JSON. A value is written by its Go
// type (dms.Row), so a source handing an int64 to a BOOLEAN column gets a
// number; a Go type outside the dms.Row model fails the write.
//
// NULL and empty values (the empty string, empty binary) are left out of
// data unless IncludeNullAndEmpty; then they are null and "" ("0x" for
// binary). Zero and false are values, never left out.
//
// Before images (task setting BeforeImageSettings) appear on update
// records only, as a top-level member named FieldName placed after data and
// before metadata. pk-only (the default) holds the primary-key columns of
// the row before the update; non-lob and all hold every column but LOBs
// (CLOB, NCLOB, BLOB), which before images never carry, so the two are the
// same. When the source supplied no before row the member is {} (as AWS
// writes for PostgreSQL sources without REPLICA IDENTITY FULL). NULL and
// empty values follow IncludeNullAndEmpty as in data.
//
// Control records. With IncludeControlDetails off they hold only metadata,
// as captured from AWS. With it on, create-table holds control.table-def:
// columns (in table order; each with type, then length for STRING, WSTRING
// and BYTES when declared, precision and scale for NUMERIC, then
// nullable), primary-key (omitted without one) and collation-name (when
// the source has one); drop-table holds "control": {}. Type names are
// DMS's printed names: INT8, INT16, INT32, INT64 for INT1-INT8, UINT8 to
// UINT64 for UINT1-UINT8, TIMESTAMP for DATETIME, and the DMS name
// otherwise, except that CLOB and NCLOB print as STRING and BLOB as BYTES,
// without length: captured records show PostgreSQL text columns (NCLOB in
// DMS) and the LOB columns of awsdms_apply_exceptions as STRING.
//
// Schema changes (add-column, drop-column, column-type-change,
// change-columns, rename-column, rename-table) are written only with
// IncludeTableAlterOperations; no capture of their body is public, so they
// are shaped like create-table: metadata only, or with IncludeControlDetails
// control.table-def of the table after the change. drop-table is always
// written (the full load's DROP_AND_CREATE preparation emits it whatever
// the endpoint settings).
//
// The awsdms_apply_exceptions create-table (schema "") has the partition
// key TaskId..awsdms_apply_exceptions: the rule for every other control
// record, with the empty schema. A composite primary key joins its values
// with "." in key order (schema.table.v1.v2); values are written as in
// data but without quotes, numbers always exactly. A load row of a table
// without primary key is partitioned by schema.table, with
// partition-key-type schema-table. A partition key is cut to the 256
// characters Kinesis accepts; an empty one (an empty-string key) becomes
// schema.table.
//
// json-unformatted records end with a newline: AWS documents the format as
// "a single line JSON string with new line delimiter", so that Firehose can
// concatenate records into newline-delimited JSON. json records have no
// trailing newline.
//
// prev-transaction-id and prev-transaction-record-id name the previous CDC
// row the task wrote through this Target. The Target keeps that state per
// task id and forgets it when a task starts afresh (the create-table
// record of awsdms_apply_exceptions marks a fresh CDC start) or when
// ResetTask is called, so the first row after a start has neither; the
// state moves only when a Write succeeds, so a repeated batch is encoded
// the same way.
//
// # Writing
//
// Write encodes the batch into one pooled buffer (no maps, and
// encoding/json only to read json attributes; a CDC record allocates
// nothing, a load record its partition key, an object-mapped record its
// attributes) and sends PutRecords calls of at most 500 records and 5 MiB,
// naming the stream by StreamName (kinesalite refuses requests that only
// give an ARN). A record over 1 MiB fails the write with an error naming its table
// and key. Calls refused for throttling (ProvisionedThroughputExceeded,
// LimitExceeded, KMSThrottling), with a 5xx status or without a response
// are repeated, and so are records a response reports failed with
// ProvisionedThroughputExceeded, InternalFailure or KMSThrottling, with
// exponential backoff and jitter (Config.Retry: 100ms doubling up to 5s,
// giving up after 20 calls in a row that write nothing). Any other error
// (ResourceNotFoundException, access denied, a disabled KMS key) fails the
// write at once with the stream's name, which the engine makes the task's
// failure message.
//
// Kinesis keeps the order of the records of one partition key only as
// they are written, and PutRecords may write a later record of a request
// and fail an earlier one. The target therefore keeps per-key order this
// way: records are sent in order; once some fail, they are retried in
// order and, until every failed record is written, each request holds at
// most one record per partition key, so no record can overtake an earlier
// one of its key. Kinesis throttles by shard, failing the rest of a
// shard's records in a request, so failures form per-key suffixes and
// every record is written once, in order. Should a response ever report a
// record failed and a later record of the same key written, the later one
// is written again after the earlier one: its key then holds it twice,
// the last copies in order (at least once, as AWS DMS promises), and a
// warning is logged. A call whose answer is lost may likewise have written
// its records; they are sent again.
package kinesis
