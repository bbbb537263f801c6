package kinesis_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/mysql"
	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

var e2eClock = time.Date(2024, 7, 29, 0, 58, 17, 983670000, time.UTC)

// kinesisRun is one Kinesis server with a stream, read back through the
// SDK.
type kinesisRun struct {
	client *kinesis.Client
	stream string
}

func newKinesisRun(t *testing.T, endpoint string) kinesisRun {
	c := kinesistest.NewClient(endpoint)
	return kinesisRun{client: c, stream: kinesistest.CreateStream(t, c, 1)}
}

func (k kinesisRun) arn() string {
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + k.stream
}

// read returns "partition-key data" lines of the stream's first n records,
// waiting for them with a deadline.
func (k kinesisRun) read(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	shards := kinesistest.Shards(t, k.client, k.stream)
	it, err := k.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: &k.stream, ShardId: shards[0].ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon,
	})
	require.NoError(t, err)
	iter := it.ShardIterator
	var out []string
	for len(out) < n {
		res, err := k.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
		require.NoError(t, err, "have %d of %d records", len(out), n)
		for _, r := range res.Records {
			out = append(out, aws.ToString(r.PartitionKey)+" "+string(r.Data))
		}
		iter = res.NextShardIterator
		if len(res.Records) == 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("read %d of %d records", len(out), n)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return out
}

// MariaDB → engine → target/kinesis → a Kinesis server, once into
// kinesalite and once into the built-in Kinesis: the two streams end with
// the same records, and those are the records written out below.
func TestEndToEndMariaDBToKinesis(t *testing.T) {
	srv := dmstest.MySQL(t)
	dmstest.MySQLExec(t, srv,
		"CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL, price DECIMAL(8,2), seen DATETIME(3), raw VARBINARY(4))",
		"INSERT INTO items VALUES (1, 'one', 1.50, '2024-01-02 03:04:05.678', x'CAFE'), (2, 'two', NULL, NULL, NULL)",
	)
	builtin := httptest.NewServer(fakekinesis.New())
	t.Cleanup(builtin.Close)
	runs := map[string]kinesisRun{
		"kinesalite": newKinesisRun(t, dmstest.KinesisEndpoint(t)),
		"builtin":    newKinesisRun(t, builtin.URL),
	}

	selection, err := mapping.ParseTableMappings(fmt.Sprintf(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":%q,"table-name":"items"},"rule-action":"include"}]}`, srv.Database))
	require.NoError(t, err)
	settings, err := mapping.ParseTaskSettings(`{"BeforeImageSettings":{"EnableBeforeImage":true,"FieldName":"before-image","ColumnFilter":"all"}}`)
	require.NoError(t, err)
	var tasks []*dms.Task
	for _, name := range []string{"kinesalite", "builtin"} {
		run := runs[name]
		target, err := kinesistarget.New(kinesistarget.Config{
			Client: run.client,
			Now:    func() time.Time { return e2eClock },
			Settings: types.KinesisSettings{
				StreamArn:                   aws.String(run.arn()),
				MessageFormat:               types.MessageFormatValueJsonUnformatted,
				IncludeControlDetails:       aws.Bool(true),
				IncludeNullAndEmpty:         aws.Bool(true),
				IncludePartitionValue:       aws.Bool(true),
				IncludeTableAlterOperations: aws.Bool(true),
				IncludeTransactionDetails:   aws.Bool(true),
				PartitionIncludeSchemaTable: aws.Bool(true),
			},
		})
		require.NoError(t, err)
		// One engine per stream, so both tasks can carry the same id.
		engine := dms.NewEngine()
		t.Cleanup(func() { require.NoError(t, engine.Close()) })
		task, err := engine.NewTask(dms.TaskConfig{
			ID:     "E2ETASK",
			Source: mysql.New(mysql.Config{Addr: srv.Addr, User: srv.User, Password: srv.Password}),
			Target: target, Mapping: selection, MigrationType: dms.FullLoadAndCDC, Settings: settings,
		})
		require.NoError(t, err)
		require.NoError(t, task.Start(t.Context(), dms.StartReplication))
		tasks = append(tasks, task)
	}
	// Both loads are done once each stream holds its 5 load-phase records.
	for _, run := range runs {
		run.read(t, 5)
	}
	dmstest.MySQLExec(t, srv,
		"UPDATE items SET label = 'uno', price = 2.25 WHERE id = 1",
		"DELETE FROM items WHERE id = 2",
		"ALTER TABLE items ADD COLUMN note VARCHAR(10)",
		"INSERT INTO items (id, label, note) VALUES (3, 'three', 'new')",
	)
	const total = 9
	got := map[string][]string{}
	for name, run := range runs {
		got[name] = run.read(t, total)
	}
	for _, task := range tasks {
		require.NoError(t, task.Stop(t.Context()))
	}
	require.Equal(t, got["kinesalite"], got["builtin"], "kinesalite and the built-in Kinesis hold the same records")

	// Transaction ids and stream positions are binlog offsets: written out
	// as placeholders, checked for their shape.
	txid := regexp.MustCompile(`"(transaction-id|prev-transaction-id)":\d+`)
	pos := regexp.MustCompile(`"stream-position":"mysql-bin\.\d+:\d+:\d+:\d+:\d+:mysql-bin\.\d+:\d+"`)
	lines := make([]string, len(got["builtin"]))
	for i, l := range got["builtin"] {
		require.True(t, strings.HasSuffix(l, "}\n"), "json-unformatted records end with a newline: %q", l)
		l = strings.ReplaceAll(strings.TrimSuffix(l, "\n"), srv.Database, "db")
		l = txid.ReplaceAllString(l, `"$1":TXID`)
		lines[i] = pos.ReplaceAllString(l, `"stream-position":POS`)
	}
	meta := func(op, extra string) string {
		return `"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"` + op + `","partition-key-type":"schema-table","schema-name":"db","table-name":"items","transaction-id":TXID,"transaction-record-id":1,` + extra + `"commit-timestamp":`
	}
	tableDef := `"columns":{"id":{"type":"INT32","nullable":false},"label":{"type":"WSTRING","length":20,"nullable":false},"price":{"type":"NUMERIC","precision":8,"scale":2,"nullable":true},"seen":{"type":"TIMESTAMP","nullable":true},"raw":{"type":"BYTES","length":4,"nullable":true}%s},"primary-key":["id"],"collation-name":"utf8mb4_unicode_ci"`
	want := []string{
		`E2ETASK..awsdms_apply_exceptions {"control":{"table-def":{"columns":{"TASK_NAME":{"type":"STRING","length":128,"nullable":false},"TABLE_OWNER":{"type":"STRING","length":128,"nullable":false},"TABLE_NAME":{"type":"STRING","length":128,"nullable":false},"ERROR_TIME":{"type":"TIMESTAMP","nullable":false},"STATEMENT":{"type":"STRING","nullable":false},"ERROR":{"type":"STRING","nullable":false}}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"E2ETASK","schema-name":"","table-name":"awsdms_apply_exceptions"}}`,
		`E2ETASK.db.items {"control":{},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"drop-table","partition-key-type":"task-id","partition-key-value":"E2ETASK","schema-name":"db","table-name":"items"}}`,
		`E2ETASK.db.items {"control":{"table-def":{` + fmt.Sprintf(tableDef, "") + `}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"E2ETASK","schema-name":"db","table-name":"items"}}`,
		`db.items.1 {"data":{"id":1,"label":"one","price":"1.50","seen":"2024-01-02T03:04:05.678Z","raw":"0xCAFE"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"db.items.1","schema-name":"db","table-name":"items"}}`,
		`db.items.2 {"data":{"id":2,"label":"two","price":null,"seen":null,"raw":null},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"db.items.2","schema-name":"db","table-name":"items"}}`,
		`db.items {"data":{"id":1,"label":"uno","price":"2.25","seen":"2024-01-02T03:04:05.678Z","raw":"0xCAFE"},"before-image":{"id":1,"label":"one","price":"1.50","seen":"2024-01-02T03:04:05.678Z","raw":"0xCAFE"},` + meta("update", ""),
		`db.items {"data":{"id":2,"label":"two","price":null,"seen":null,"raw":null},` + meta("delete", `"prev-transaction-id":TXID,"prev-transaction-record-id":1,`),
		`E2ETASK.db.items {"control":{"table-def":{` + fmt.Sprintf(tableDef, `,"note":{"type":"WSTRING","length":10,"nullable":true}`) + `}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"add-column","partition-key-type":"task-id","partition-key-value":"E2ETASK","schema-name":"db","table-name":"items"}}`,
		`db.items {"data":{"id":3,"label":"three","price":null,"seen":null,"raw":null,"note":"new"},` + meta("insert", `"prev-transaction-id":TXID,"prev-transaction-record-id":1,`),
	}
	require.Len(t, lines, len(want))
	for i := range want {
		// CDC records end with their commit time and position, which the
		// test does not know: compare up to there.
		if k := strings.Index(lines[i], `"commit-timestamp":`); k > 0 && strings.Contains(want[i], `"commit-timestamp":`) {
			require.Regexp(t, `^"commit-timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z","stream-position":POS}}$`, lines[i][k:], "record %d", i)
			lines[i] = lines[i][:k+len(`"commit-timestamp":`)]
		}
		if want[i] != lines[i] {
			t.Logf("record %d:\n%s", i, lines[i])
		}
		require.Equal(t, want[i], lines[i], "record %d", i)
	}
}

// The built-in Kinesis throttles whole calls and refuses single records:
// every record still arrives exactly once, in order per partition key.
func TestWriteThroughThrottlingBuiltinKinesis(t *testing.T) {
	fake := fakekinesis.New()
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	run := kinesisRun{client: kinesistest.NewClient(hs.URL)}
	run.stream = kinesistest.CreateStream(t, run.client, 2)
	target, err := kinesistarget.New(kinesistarget.Config{
		Client:   run.client,
		Settings: types.KinesisSettings{StreamArn: aws.String(run.arn()), MessageFormat: types.MessageFormatValueJsonUnformatted},
		Retry:    kinesistarget.Retry{MaxAttempts: 50, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
	})
	require.NoError(t, err)

	tables := []*dms.TableDef{
		{Schema: "s", Table: "t1", Columns: []dms.Column{{Name: "id", Type: dms.TypeInt4}}, PrimaryKey: []string{"id"}},
		{Schema: "s", Table: "t2", Columns: []dms.Column{{Name: "id", Type: dms.TypeInt4}}, PrimaryKey: []string{"id"}},
		{Schema: "s", Table: "t3", Columns: []dms.Column{{Name: "id", Type: dms.TypeInt4}}, PrimaryKey: []string{"id"}},
	}
	const batches, perBatch = 8, 300
	for b := range batches {
		changes := make([]dms.Change, perBatch)
		for i := range changes {
			n := b*perBatch + i
			changes[i] = dms.Change{Op: dms.OpInsert, Table: tables[n%3], Data: dms.Row{int64(n)}, TransactionID: uint64(n), TransactionRecord: 1}
		}
		fake.ThrottleNext(1)
		fake.FailRecords(5 + b*20)
		require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: "T"}, changes))
	}

	got := map[string][]int{}
	for _, r := range fake.Records(run.stream) {
		var id int
		_, err := fmt.Sscanf(string(r.Data), `{"data":{"id":%d}`, &id)
		require.NoError(t, err, "record %q", r.Data)
		got[r.PartitionKey] = append(got[r.PartitionKey], id)
	}
	require.Len(t, got, 3)
	for k, table := range []string{"s.t1", "s.t2", "s.t3"} {
		var want []int
		for n := k; n < batches*perBatch; n += 3 {
			want = append(want, n)
		}
		require.Equal(t, want, got[table], "partition key %s: every record once, in order", table)
	}
}

// The Kinesis endpoint unreachable for 10 s (connections refused): Write
// keeps retrying, and once the endpoint is back every record is there
// exactly once, in order.
func TestWriteSurvivesUnreachableKinesis(t *testing.T) {
	fake := fakekinesis.New()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	serve := func(l net.Listener) *http.Server {
		s := &http.Server{Handler: fake}
		go func() { _ = s.Serve(l) }()
		return s
	}
	first := serve(l)
	var second *http.Server
	t.Cleanup(func() { // after the stream's own cleanup, which needs the server
		if second != nil {
			_ = second.Close()
		}
	})
	run := kinesisRun{client: kinesistest.NewClient("http://" + addr)}
	run.stream = kinesistest.CreateStream(t, run.client, 1)
	target, err := kinesistarget.New(kinesistarget.Config{
		Client:   run.client,
		Settings: types.KinesisSettings{StreamArn: aws.String(run.arn()), MessageFormat: types.MessageFormatValueJsonUnformatted},
		Retry:    kinesistarget.Retry{MaxAttempts: 200, BaseDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond},
	})
	require.NoError(t, err)
	table := &dms.TableDef{Schema: "s", Table: "t", Columns: []dms.Column{{Name: "id", Type: dms.TypeInt4}}, PrimaryKey: []string{"id"}}
	batch := func(from int) []dms.Change {
		out := make([]dms.Change, 100)
		for i := range out {
			out[i] = dms.Change{Op: dms.OpInsert, Table: table, Data: dms.Row{int64(from + i)}, TransactionID: 1, TransactionRecord: i + 1}
		}
		return out
	}
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: "T"}, batch(0)))

	require.NoError(t, first.Close()) // connections are refused from now on
	const outage = 10 * time.Second
	back := make(chan *http.Server, 1)
	var restored time.Time
	time.AfterFunc(outage, func() {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
			close(back)
			return
		}
		restored = time.Now()
		back <- serve(l)
	})
	require.NoError(t, target.Write(t.Context(), dms.TaskInfo{ID: "T"}, batch(100)))
	second = <-back
	require.NotNil(t, second)
	require.False(t, restored.IsZero(), "Write returned before the endpoint came back")

	var ids []int
	for _, r := range fake.Records(run.stream) {
		var id int
		_, err := fmt.Sscanf(string(r.Data), `{"data":{"id":%d}`, &id)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	want := make([]int, 200)
	for i := range want {
		want[i] = i
	}
	require.Equal(t, want, ids)
}
