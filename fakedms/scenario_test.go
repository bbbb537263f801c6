package fakedms_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

// readStream reads the first shard of a stream from the start with the
// Kinesis SDK client until it holds at least n records.
func readStream(t *testing.T, kc *kinesis.Client, stream string, n int) []ktypes.Record {
	t.Helper()
	ds, err := kc.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
	require.NoError(t, err)
	it, err := kc.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon,
	})
	require.NoError(t, err)
	iter := it.ShardIterator
	var recs []ktypes.Record
	deadline := time.Now().Add(waitLimit)
	for len(recs) < n {
		require.True(t, time.Now().Before(deadline), "stream %s: %d of %d records", stream, len(recs), n)
		out, err := kc.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(50)})
		require.NoError(t, err)
		recs = append(recs, out.Records...)
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			time.Sleep(10 * time.Millisecond) // polling, bounded by the deadline
		}
	}
	return recs
}

// record is a Kinesis record decoded: its partition key and JSON.
type record struct {
	key string
	doc map[string]any
}

func decodeRecords(t *testing.T, recs []ktypes.Record) []record {
	t.Helper()
	var out []record
	for _, r := range recs {
		require.Equal(t, "{\n\t", string(r.Data[:3]), "MessageFormat json is tab-indented")
		var doc map[string]any
		require.NoError(t, json.Unmarshal(r.Data, &doc))
		out = append(out, record{key: *r.PartitionKey, doc: doc})
	}
	return out
}

// summary is "operation schema.table partition-key" of a record.
func (r record) summary() string {
	md := r.doc["metadata"].(map[string]any)
	return fmt.Sprintf("%s %s.%s %s", md["operation"], md["schema-name"], md["table-name"], r.key)
}

func summaries(recs []record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.summary())
	}
	return out
}

// The LocalStack sample sample-dms-kinesis-rds-mariadb (shared spec §1.1)
// through the SDK, with a per-test database in place of dms_sample.
var (
	sampleDrop   = []string{"DROP TABLE IF EXISTS novels", "DROP TABLE IF EXISTS accounts", "DROP TABLE IF EXISTS authors"}
	sampleCreate = []string{
		`CREATE TABLE authors (author_id INT AUTO_INCREMENT PRIMARY KEY, first_name VARCHAR(100) NOT NULL, last_name VARCHAR(100) NOT NULL,
			date_of_birth DATE, nationality VARCHAR(50), biography TEXT, email VARCHAR(255), phone_number VARCHAR(20),
			active BOOLEAN DEFAULT TRUE, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
		`CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, age TINYINT UNSIGNED, birth_date DATE,
			account_balance DECIMAL(10, 2), is_active BOOLEAN, signup_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_login DATETIME,
			bio TEXT, profile_picture BLOB, favorite_color ENUM('red', 'green', 'blue'), height FLOAT, weight DOUBLE)`,
		`CREATE TABLE novels (novel_id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(255) NOT NULL, author_id INT, publish_date DATE,
			isbn VARCHAR(20), genre VARCHAR(100), page_count INT, publisher VARCHAR(100), language VARCHAR(50), available_copies INT,
			total_copies INT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (author_id) REFERENCES authors(author_id))`,
	}
	sampleInsert = []string{
		`INSERT INTO authors (first_name, last_name, date_of_birth, nationality, biography, email, phone_number)
			VALUES ('John', 'Doe', '1980-01-01', 'American', 'Biography of John Doe.', 'john.doe@example.com', '123-456-7890')`,
		`INSERT INTO accounts (name, age, birth_date, account_balance, is_active, signup_time, last_login, bio, profile_picture, favorite_color, height, weight)
			VALUES ('Alice', 30, '1991-05-21', 1500.00, TRUE, '2021-01-08 09:00:00', '2021-03-10 08:00:00', 'Bio of Alice', NULL, 'red', 1.70, 60.5)`,
		`INSERT INTO novels (title, author_id, publish_date, isbn, genre, page_count, publisher, language, available_copies, total_copies)
			VALUES ('The Great Adventure', 1, '2023-01-15', '978-3-16-148410-0', 'Adventure', 320, 'Adventure Press', 'English', 5, 10),
			('Journey to the Stars', 1, '2022-07-20', '978-1-23-456789-7', 'Science Fiction', 450, 'Star Publishing', 'English', 3, 8)`,
	}
	sampleAlter = []string{
		"ALTER TABLE authors MODIFY COLUMN email VARCHAR(100)",
		"ALTER TABLE accounts DROP COLUMN profile_picture",
		"ALTER TABLE novels ADD COLUMN is_stock BOOLEAN DEFAULT TRUE",
	}
)

func TestLocalStackMariaDBKinesisSample(t *testing.T) {
	db := dmstest.MySQL(t)
	srv, c := newServer(t)
	kc := srv.KinesisClient()
	stream := createStream(t, srv, "dms-sample")
	inst := *createInstance(t, c, "dms-instance").ReplicationInstanceArn
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	n, _ := strconv.Atoi(port)
	fullSource := *createMySQLEndpoint(t, c, "full-source", host, int32(n), db.User, db.Password).EndpointArn
	cdcSource := *createMySQLEndpoint(t, c, "cdc-source", host, int32(n), db.User, db.Password).EndpointArn
	tgt, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("target"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings: &types.KinesisSettings{
			StreamArn:                   aws.String(stream),
			MessageFormat:               types.MessageFormatValueJson,
			IncludeControlDetails:       aws.Bool(true),
			IncludeNullAndEmpty:         aws.Bool(true),
			IncludePartitionValue:       aws.Bool(true),
			IncludeTableAlterOperations: aws.Bool(true),
			IncludeTransactionDetails:   aws.Bool(true),
			PartitionIncludeSchemaTable: aws.Bool(true),
			ServiceAccessRoleArn:        aws.String("arn:aws:iam::000000000000:role/dms-vpc-role"),
		},
	})
	require.NoError(t, err)
	target := *tgt.Endpoint.EndpointArn

	p := &pipeline{srv: srv, c: c, db: db, instance: inst, target: target}
	mapping := func(table, rule string) string {
		return `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"` + rule + `","object-locator":{"schema-name":"` + db.Database + `","table-name":"` + table + `"},"rule-action":"include"}]}`
	}
	const cdcSettings = `{"Logging":{"EnableLogging":true},"BeforeImageSettings":{"EnableBeforeImage":true,"FieldName":"before-image","ColumnFilter":"all"}}`
	const fullSettings = `{"Logging":{"EnableLogging":true}}`
	p.source = cdcSource
	cdc1 := *p.createTask(t, "cdc-task-1", types.MigrationTypeValueCdc, mapping("a%", "tables-a-to-m"), cdcSettings).ReplicationTaskArn
	cdc2 := *p.createTask(t, "cdc-task-2", types.MigrationTypeValueCdc, mapping("novels", "tables-n-to-z"), cdcSettings).ReplicationTaskArn
	p.source = fullSource
	full1 := *p.createTask(t, "full-load-task-1", types.MigrationTypeValueFullLoad, mapping("a%", "tables-a-to-m"), fullSettings).ReplicationTaskArn
	full2 := *p.createTask(t, "full-load-task-2", types.MigrationTypeValueFullLoad, mapping("novels", "tables-n-to-z"), fullSettings).ReplicationTaskArn
	for _, arn := range []string{cdc1, cdc2, full1, full2} {
		p.waitReady(t, arn)
	}
	taskID := func(arn string) string { return arn[len(arn)-26:] }
	s := db.Database

	// Full load.
	dmstest.MySQLExec(t, db, append(append(append([]string{}, sampleDrop...), sampleCreate...), sampleInsert...)...)
	require.Equal(t, "starting", *p.start(t, full1, types.StartReplicationTaskTypeValueStartReplication).Status)
	p.waitStopped(t, full1)
	recs := decodeRecords(t, readStream(t, kc, "dms-sample", 6))
	require.Len(t, recs, 6)
	f1 := taskID(full1)
	require.Equal(t, []string{
		"drop-table " + s + ".accounts " + f1 + "." + s + ".accounts",
		"drop-table " + s + ".authors " + f1 + "." + s + ".authors",
		"create-table " + s + ".accounts " + f1 + "." + s + ".accounts",
		"create-table " + s + ".authors " + f1 + "." + s + ".authors",
		"load " + s + ".accounts " + s + ".accounts.1",
		"load " + s + ".authors " + s + ".authors.1",
	}, summaries(recs))
	require.Equal(t, map[string]any{}, recs[0].doc["control"])
	require.Equal(t, map[string]any{
		"record-type": "control", "operation": "drop-table", "partition-key-type": "task-id", "partition-key-value": f1,
		"schema-name": s, "table-name": "accounts", "timestamp": recs[0].doc["metadata"].(map[string]any)["timestamp"],
	}, recs[0].doc["metadata"])
	tableDef := recs[3].doc["control"].(map[string]any)["table-def"].(map[string]any)
	require.Equal(t, []any{"author_id"}, tableDef["primary-key"])
	require.Equal(t, map[string]any{"type": "INT32", "nullable": false}, tableDef["columns"].(map[string]any)["author_id"])
	require.Equal(t, map[string]any{"type": "WSTRING", "length": float64(255), "nullable": true}, tableDef["columns"].(map[string]any)["email"])
	require.Equal(t, map[string]any{
		"id": float64(1), "name": "Alice", "age": float64(30), "birth_date": "1991-05-21", "account_balance": "1500.00",
		"is_active": float64(1), "signup_time": "2021-01-08T09:00:00Z", "last_login": "2021-03-10T08:00:00Z", "bio": "Bio of Alice",
		"profile_picture": nil, "favorite_color": "red", "height": 1.7000000476837158, "weight": 60.5,
	}, recs[4].doc["data"])
	authors := recs[5].doc["data"].(map[string]any)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, authors["created_at"])
	delete(authors, "created_at")
	require.Equal(t, map[string]any{
		"author_id": float64(1), "first_name": "John", "last_name": "Doe", "date_of_birth": "1980-01-01", "nationality": "American",
		"biography": "Biography of John Doe.", "email": "john.doe@example.com", "phone_number": "123-456-7890", "active": float64(1),
	}, authors)
	require.Equal(t, map[string]any{
		"record-type": "data", "operation": "load", "partition-key-type": "primary-key", "partition-key-value": s + ".authors.1",
		"schema-name": s, "table-name": "authors", "timestamp": recs[5].doc["metadata"].(map[string]any)["timestamp"],
	}, recs[5].doc["metadata"])
	requireTableStats(t, c, full1, map[string]int64{"accounts": 1, "authors": 1})

	p.start(t, full2, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, full2)
	recs = decodeRecords(t, readStream(t, kc, "dms-sample", 10))
	require.Len(t, recs, 10)
	f2 := taskID(full2)
	require.Equal(t, []string{
		"drop-table " + s + ".novels " + f2 + "." + s + ".novels",
		"create-table " + s + ".novels " + f2 + "." + s + ".novels",
		"load " + s + ".novels " + s + ".novels.1",
		"load " + s + ".novels " + s + ".novels.2",
	}, summaries(recs[6:]))
	novel := recs[8].doc["data"].(map[string]any)
	require.Equal(t, "The Great Adventure", novel["title"])
	require.Equal(t, "978-3-16-148410-0", novel["isbn"])
	require.Equal(t, float64(320), novel["page_count"])
	require.Equal(t, "Journey to the Stars", recs[9].doc["data"].(map[string]any)["title"])
	requireTableStats(t, c, full2, map[string]int64{"novels": 2})

	// CDC: the tables exist (empty) when the tasks start.
	dmstest.MySQLExec(t, db, append(append([]string{}, sampleDrop...), sampleCreate...)...)
	p.start(t, cdc1, types.StartReplicationTaskTypeValueStartReplication)
	p.start(t, cdc2, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, cdc1)
	p.waitRunning(t, cdc2)
	recs = decodeRecords(t, readStream(t, kc, "dms-sample", 15))
	c1, c2 := taskID(cdc1), taskID(cdc2)
	require.ElementsMatch(t, []string{
		"create-table .awsdms_apply_exceptions " + c1 + "..awsdms_apply_exceptions",
		"create-table " + s + ".accounts " + c1 + "." + s + ".accounts",
		"create-table " + s + ".authors " + c1 + "." + s + ".authors",
		"create-table .awsdms_apply_exceptions " + c2 + "..awsdms_apply_exceptions",
		"create-table " + s + ".novels " + c2 + "." + s + ".novels",
	}, summaries(recs[10:]))

	dmstest.MySQLExec(t, db, sampleInsert...)
	recs = decodeRecords(t, readStream(t, kc, "dms-sample", 19))
	require.ElementsMatch(t, []string{
		"insert " + s + ".authors " + s + ".authors",
		"insert " + s + ".accounts " + s + ".accounts",
		"insert " + s + ".novels " + s + ".novels",
		"insert " + s + ".novels " + s + ".novels",
	}, summaries(recs[15:]))
	for _, r := range recs[15:] {
		md := r.doc["metadata"].(map[string]any)
		require.Equal(t, "schema-table", md["partition-key-type"])
		require.NotZero(t, md["transaction-id"])
		require.Regexp(t, `^mysql-bin\.\d+:\d+:\d+:\d+:\d+:mysql-bin\.\d+:\d+$`, md["stream-position"])
		require.NotContains(t, r.doc, "before-image", "before images are for updates only")
	}

	dmstest.MySQLExec(t, db, sampleAlter...)
	recs = decodeRecords(t, readStream(t, kc, "dms-sample", 22))
	require.ElementsMatch(t, []string{
		"column-type-change " + s + ".authors " + c1 + "." + s + ".authors",
		"drop-column " + s + ".accounts " + c1 + "." + s + ".accounts",
		"add-column " + s + ".novels " + c2 + "." + s + ".novels",
	}, summaries(recs[19:]))

	stats, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(cdc1)})
	require.NoError(t, err)
	require.Len(t, stats.TableStatistics, 2)
	for _, ts := range stats.TableStatistics {
		require.Equal(t, int64(1), ts.Inserts, *ts.TableName)
		require.Equal(t, int64(1), ts.Ddls, *ts.TableName)
		require.Equal(t, "Table completed", *ts.TableState)
	}

	for _, arn := range []string{cdc1, cdc2} {
		out, err := c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
		require.NoError(t, err)
		require.Equal(t, "stopping", *out.ReplicationTask.Status)
	}
	p.waitStopped(t, cdc1)
	p.waitStopped(t, cdc2)
	require.Len(t, srv.Kinesis().Records("dms-sample"), 22, "no record beyond the expected ones")
	require.Equal(t, "Stop Reason NORMAL", *p.describe(t, cdc1).StopReason)
}

func requireTableStats(t *testing.T, c *dmsapi.Client, arn string, rows map[string]int64) {
	t.Helper()
	out, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, ts := range out.TableStatistics {
		got[*ts.TableName] = ts.FullLoadRows
		require.Equal(t, "Table completed", *ts.TableState)
		require.Equal(t, int64(0), ts.FullLoadErrorRows)
	}
	require.Equal(t, rows, got)
}
