// Package s3 is a dms.Source reading the AWS DMS S3-source layout: CSV
// files described by an ExternalTableDefinition, full-load files under
// BucketFolder/TablePath and CDC files under BucketFolder/CdcPath, read
// with aws-sdk-go-v2's S3 client (any S3: AWS, gofakes3, MinIO, …).
//
//	src, err := s3.New(s3.Config{
//		Client:                  awss3.NewFromConfig(cfg),
//		BucketName:              "source-bucket",
//		BucketFolder:            "sourceData",
//		CdcPath:                 "changedata",
//		ExternalTableDefinition: definition, // the JSON document
//	})
//
// Config mirrors the S3Settings of a DMS S3 source endpoint. New does no
// I/O; it validates the settings and the definition.
//
// # External table definition
//
// The document is AWS's: {"TableCount": "1", "Tables": [{"TableName",
// "TablePath", "TableOwner", "TableColumns": [{"ColumnName", "ColumnType",
// "ColumnLength", "ColumnNullable", "ColumnIsPk", "ColumnPrecision",
// "ColumnScale", "ColumnDateFormat"}], "TableColumnsTotal"}]}. Numbers and
// booleans are strings on AWS ("TableCount": "3"); bare JSON numbers and
// booleans are accepted too. TableOwner is the schema, TableName the table.
// ColumnNullable and ColumnIsPk default to false; the primary key is the
// ColumnIsPk columns in column order. TableCount and TableColumnsTotal may
// be left out (AWS runs a definition without TableColumnsTotal); when
// present they must match. A table without TablePath reads
// TableOwner/TableName/, the guide's layout. Unknown keys are ignored.
//
// An invalid document is a *DefinitionError whose message AWS would return
// as InvalidParameterValueException. AWS's own wording is not public, so
// the messages are this package's, in the shape of AWS's table-mapping
// errors, for example:
//
//	Invalid external table definition document. Invalid json: invalid character '}' looking for beginning of value at offset 16
//	Invalid external table definition document. Table 'hr.employee' column 'Name' has unsupported ColumnType 'VARCHAR'
//	Invalid external table definition document. Table 'hr.employee' has TableColumnsTotal 4 but 5 TableColumns
//
// # Types
//
//	ColumnType      DMS type             dms.Row value
//	BYTE            BYTES(ColumnLength)  []byte, written as hex ("0x" prefix optional)
//	BLOB            BLOB                 []byte, hex as BYTE
//	STRING          STRING(ColumnLength) string
//	CLOB            CLOB                 string
//	INT1…INT8       INT1…INT8            int64, range-checked for the width
//	UINT1…UINT8     UINT1…UINT8          uint64, range-checked for the width
//	NUMERIC         NUMERIC(p,s)         string: "1500.00", exactly s fractional digits
//	REAL4, REAL8    REAL4, REAL8         float32, float64 (NaN and infinities refused)
//	BOOLEAN         BOOLEAN              bool from true/false, 1/0, t/f, y/n, any case
//	DATE            DATE                 string "2006-01-02"
//	TIME            TIME                 string "15:04:05" with ColumnScale digits
//	DATETIME        DATETIME             string "2006-01-02 15:04:05" with ColumnScale digits
//	TIMESTAMP       DATETIME             (listed by older editions of the guide)
//
// BYTE and STRING need a ColumnLength; lengths are not enforced on values.
// NUMERIC needs ColumnPrecision (1–38); ColumnScale (0–31, not above the
// precision) defaults to 0. A NUMERIC value with more fractional digits
// than the scale, or more integer digits than precision−scale, is invalid:
// it is not rounded. Binary data is hex because the DMS S3 target writes
// BLOBs that way, so a target's files read back unchanged.
//
// DATETIME and TIME take ColumnScale 0–9 (default 0): the fractional
// seconds beyond it are truncated, so with the default
// "2014-06-04 10:11:12.999" becomes "2014-06-04 10:11:12". Without a
// ColumnDateFormat, DATE reads "2006-01-02", TIME "15:04:05" and DATETIME
// "2006-01-02 15:04:05" (or with a "T"), or a bare date meaning midnight
// (the LocalStack S3 sample loads "2014-06-04" into a DATETIME column);
// fractional seconds may follow the seconds. ColumnDateFormat sets the one
// format a column reads, written with the tokens YYYY (or yyyy), MM, dd,
// HH, mm, ss and an optional "[.F]", separated by space, "-", "/", ":", "."
// or "T": the formats AWS lists (YYYY-MM-dd HH:mm:ss[.F], YYYY/MM/dd
// HH:mm:ss[.F], MM/dd/YYYY HH:mm:ss[.F], YYYYMMdd HH:mm:ss[.F]) and their
// date-only parts. Numbers, booleans, binary and dates may have spaces
// around them; strings are kept exactly.
//
// # NULL and empty values
//
// An unquoted empty field, and an unquoted field equal to CsvNullValue when
// that is set, is NULL (nil) in a nullable column, whatever its type. A
// quoted empty field ("") is the empty string in a STRING or CLOB column
// (and empty bytes in a binary one); in other types it is invalid. So with
// Rfc4180 off an empty string cannot be written in a nullable column.
//
// # CSV
//
// Records end at CsvRowDelimiter (default "\n") and fields at CsvDelimiter
// (default ","); either may be any string, such as "\r\n" or "|~|", and may
// be written with the escapes \n, \r, \t and \\ (AWS shows the default row
// delimiter as the two characters `\n`, so a value copied from
// DescribeEndpoints works). The files are split by hand: encoding/csv's
// separator is a single rune, its records always end at "\n" (or "\r\n"),
// and it cannot read quotes literally. With Rfc4180 (the default) a field
// may be enclosed in double quotes, holding delimiters and row delimiters,
// with "" for a quote; a quote that never closes, a quote inside an
// unquoted field, or text after a closing quote makes the record malformed.
// With Rfc4180 false quotes are ordinary characters. An empty line (two row
// delimiters in a row) holds no row and is ignored, though it counts in
// record numbers; a final row delimiter does not start another record. A
// record is at most 16 MiB; a longer one is malformed, and
// reading resumes after the next row delimiter. Objects are streamed
// through a bufio reader: memory holds one record, never a file or table.
//
// # Full load
//
// Snapshot's Load lists every object under BucketFolder/TablePath (all of
// them, the listing paginated, subfolders included, folder markers skipped)
// and reads them in lexical key order. IgnoreHeaderRows=1 skips the first
// record of every full-load file (not of CDC files). A record with one
// field more than the table's columns whose first field is "I" is the
// output of a DMS S3 target, which writes the operation first: the field is
// dropped. A table without files loads nothing: the task emits its
// drop-table and create-table records and stops with
// FullLoadProgressPercent 100.
//
// The first record that cannot be read as a row ends the table's load: an
// empty value in a column that is not nullable (as AWS does: its tests load
// one row of a file whose second row has one, and the task still ends
// stopped), and equally a value of the wrong type, a wrong number of
// fields or a malformed record. The rows before it are loaded, the rest of
// the table (that file and the later ones) is not, Load returns nil so the
// task is not failed, and a warning is logged with the object key, the
// record number and the reason.
//
// S3 has no transactions, so the snapshot is not a consistent view: files
// are read as they are when Load lists them.
//
// # Change data capture
//
// Changes follows the objects under BucketFolder/CdcPath (CdcPath is
// required) in lexical key order, listing the folder every PollInterval
// (default 1 s) while there is nothing to read. A record is
//
//	operation,table,schema,value,value,…
//
// with operation INSERT or I, UPDATE or U, DELETE or D in any case, table
// and schema matching TableName and TableOwner exactly, and one value per
// column, read as in full load. An update carries only the new row (Before
// is nil); a delete carries the row as written, and a delete of a row that
// never existed is still a delete (the LocalStack sample counts them).
// Records of tables the selector does not select are passed over silently.
// Every other record that is not a change — too few fields, an unknown
// operation, table or schema, a wrong number of values, a value that cannot
// be read (including an empty value in a column that is not nullable), a
// malformed record — is skipped, counted (Source.Skipped) and logged as a
// warning; it never ends the stream.
//
// Files are taken in lexical order. New files found by one listing are
// sorted, so files uploaded together are read in order whatever the order
// of the uploads; a new file whose key sorts before a file already taken is
// skipped and logged, as AWS does (the LocalStack tests upload
// cdc0000000001, cdc0000000003, then cdc0000000002 ten seconds later, and
// AWS applies two files). A key is read once: an object overwritten under
// a key already read is not read again.
//
// A change's TransactionID is a stable number per CDC file: the FNV-1a
// 32-bit hash of its key (the same file always gets the same id, and it
// fits a JSON number exactly; ids are not ordered). TransactionRecord is
// the record's 1-based number in its file, and CommitTime the object's
// LastModified.
//
// # Positions
//
// A Position is
//
//	<key>:<record>    e.g. sourceData/changedata/cdc0000000002.csv:3
//	<key>:*
//
// the object key of a CDC file and the 1-based number of a record in it
// (every record counts, blank, skipped and unselected ones included, so the
// number is the record's place in the file), or "*" for the whole file. It
// stands for everything up to and including that record, and every key
// that sorts before it. Changes from a Position continues right after it:
// the rest of that file, then the later keys, so each change is delivered
// once; keys before it are passed over. A change's Position is its own
// record.
//
// An empty from means "from now": the files present when Changes is called
// are passed over, and new files are read only when they sort after all of
// them (a file sorting before them is skipped as above). When CdcPath holds
// no file yet, every file uploaded later is read, so a CDC task started
// before its files arrive sees them all.
//
// Snapshot.Position is the lexically last CDC file present when Snapshot is
// called, whole ("<key>:*"), or ":*" when there is none (then every CDC
// file is read). A full-load-and-cdc task thus treats the CDC files present
// before its full load as already reflected in the full-load files, and
// reads the ones that arrive after it started, including those uploaded
// during the load. Without CdcPath the position is empty.
//
// # Streams and errors
//
// Next does all the work on the caller's goroutine: the stream owns no
// goroutine, and after Close nothing of it runs. Close may be called while
// a Next is blocked; that Next returns an error. An object request is tied
// to the stream, not to one Next call, and aborted when Next's context
// ends; the file is then read again from after the last record consumed.
// A file deleted between listing and reading is skipped with a warning. An
// S3 error (no such bucket, access denied, …) is returned by Next with the
// operation, bucket and key named; a later Next tries again from where the
// stream stood, and a new stream can start from the last Position
// delivered.
package s3
