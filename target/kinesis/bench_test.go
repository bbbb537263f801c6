package kinesis

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
)

// benchTable is the 10-column table of the performance baselines: bigint
// pk, int, varchar(64), decimal(12,2), datetime(6), double, tinyint,
// ~100-byte text, date, varbinary(16).
var benchTable = &dms.TableDef{
	Schema: "bench",
	Table:  "rows",
	Columns: []dms.Column{
		{Name: "id", Type: dms.TypeInt8},
		{Name: "qty", Type: dms.TypeInt4, Nullable: true},
		{Name: "name", Type: dms.TypeWString, Length: 64, Nullable: true},
		{Name: "amount", Type: dms.TypeNumeric, Precision: 12, Scale: 2, Nullable: true},
		{Name: "created", Type: dms.TypeDateTime, Scale: 6, Nullable: true},
		{Name: "ratio", Type: dms.TypeReal8, Nullable: true},
		{Name: "flag", Type: dms.TypeInt1, Nullable: true},
		{Name: "note", Type: dms.TypeWString, Length: 65535, Nullable: true},
		{Name: "day", Type: dms.TypeDate, Nullable: true},
		{Name: "hash", Type: dms.TypeBytes, Length: 16, Nullable: true},
	},
	PrimaryKey: []string{"id"},
}

func benchChange(i int) dms.Change {
	return dms.Change{
		Op:    dms.OpInsert,
		Table: benchTable,
		Data: dms.Row{int64(1000000 + i), int64(i % 1000), "customer name number 12345", "12345.67", "2024-07-29 00:58:17.983670",
			0.3333, int64(1), strings.Repeat("lorem ipsum ", 8) + "dolor", "2024-07-29", []byte("0123456789abcdef")},
		TransactionID: 87978110091475, TransactionRecord: 1, CommitTime: clock,
		Position: "mysql-bin.000001:36912271:0:36912333:9324410911751:mysql-bin.000001:36912209",
	}
}

// Encoding a CDC record allocates nothing, also when the task has
// object-mapping rules for other tables; a load record allocates its
// partition key.
func TestEncodeAllocations(t *testing.T) {
	enc := NewEncoder(settings("tx", "pv", "schema"))
	plain := dms.TaskInfo{ID: taskID}
	mapped := taskInfo(t, nil, recordToDocument)
	insert := benchChange(1)
	load := benchChange(2)
	load.Op = dms.OpLoad
	buf := make([]byte, 0, 4096)
	var tx TxState
	for _, tt := range []struct {
		name string
		task dms.TaskInfo
		c    dms.Change
		want float64
	}{
		{"insert", plain, insert, 0},
		{"load", plain, load, 1},
		{"insert, object mapping for another table", mapped, insert, 0},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			_, _, _, err := enc.Encode(buf[:0], tt.task, &tt.c, &tx, clock)
			if err != nil {
				t.Fatal(err)
			}
		})
		require.Equal(t, tt.want, allocs, tt.name)
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, format := range []types.MessageFormatValue{types.MessageFormatValueJson, types.MessageFormatValueJsonUnformatted} {
		b.Run(string(format), func(b *testing.B) {
			enc := NewEncoder(types.KinesisSettings{MessageFormat: format, IncludeTransactionDetails: aws.Bool(true)})
			task := dms.TaskInfo{ID: taskID}
			c := benchChange(1)
			var tx TxState
			buf := make([]byte, 0, 4096)
			out, _, _, _ := enc.Encode(buf, task, &c, &tx, clock)
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				buf, _, _, _ = enc.Encode(buf[:0], task, &c, &tx, now)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEncodeBaseline is the raw yardstick for BenchmarkEncode: the
// same record built as maps and marshalled with encoding/json, the way a
// straightforward encoder would do it.
func BenchmarkEncodeBaseline(b *testing.B) {
	c := benchChange(1)
	build := func() map[string]any {
		data := make(map[string]any, len(c.Data))
		for i, col := range c.Table.Columns {
			data[col.Name] = c.Data[i]
		}
		return map[string]any{
			"data": data,
			"metadata": map[string]any{
				"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), "record-type": "data", "operation": "insert",
				"partition-key-type": "schema-table", "schema-name": c.Table.Schema, "table-name": c.Table.Table,
				"transaction-id": c.TransactionID, "transaction-record-id": c.TransactionRecord,
				"commit-timestamp": c.CommitTime.Format("2006-01-02T15:04:05.000000Z"), "stream-position": c.Position,
			},
		}
	}
	out, err := json.Marshal(build())
	require.NoError(b, err)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(build()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkWriteBuiltinKinesis writes batches of 500 changes through the
// target into the built-in Kinesis over loopback HTTP; compare with
// fakekinesis's BenchmarkPutRecords, the SDK alone.
func BenchmarkWriteBuiltinKinesis(b *testing.B) {
	hs := httptest.NewServer(fakekinesis.New())
	b.Cleanup(hs.Close)
	client := kinesistest.NewClient(hs.URL)
	_, err := client.CreateStream(b.Context(), &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)})
	require.NoError(b, err)
	target, err := New(Config{Client: client, Settings: types.KinesisSettings{
		StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench"), MessageFormat: types.MessageFormatValueJsonUnformatted,
	}})
	require.NoError(b, err)
	changes := make([]dms.Change, 500)
	for i := range changes {
		changes[i] = benchChange(i)
	}
	task := dms.TaskInfo{ID: taskID}
	b.ReportAllocs()
	for b.Loop() {
		if err := target.Write(b.Context(), task, changes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(changes))/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkWrite measures the target without a network: encoding,
// batching and building PutRecords requests, batches of 500 changes.
func BenchmarkWrite(b *testing.B) {
	target, err := New(Config{Client: &countingClient{}, Settings: types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench")}})
	require.NoError(b, err)
	changes := make([]dms.Change, 500)
	for i := range changes {
		changes[i] = benchChange(i)
	}
	task := dms.TaskInfo{ID: taskID}
	b.ReportAllocs()
	for b.Loop() {
		if err := target.Write(b.Context(), task, changes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(changes))/b.Elapsed().Seconds(), "records/s")
}
