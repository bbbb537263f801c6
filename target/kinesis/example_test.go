package kinesis_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

func ExampleEncoder() {
	enc := kinesistarget.NewEncoder(types.KinesisSettings{
		MessageFormat:             types.MessageFormatValueJsonUnformatted,
		IncludeTransactionDetails: aws.Bool(true),
	})
	table := &dms.TableDef{
		Schema: "public",
		Table:  "foo",
		Columns: []dms.Column{
			{Name: "id", Type: dms.TypeInt4},
			{Name: "name", Type: dms.TypeWString, Length: 100, Nullable: true},
			{Name: "age", Type: dms.TypeInt2, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
	change := dms.Change{
		Op:                dms.OpInsert,
		Table:             table,
		Data:              dms.Row{int64(46), "Jane", nil},
		TransactionID:     1139,
		TransactionRecord: 1,
		CommitTime:        time.Date(2024, 7, 29, 0, 58, 17, 974340000, time.UTC),
		Position:          "00000002/7C007178.3.00000002/7C007178",
	}
	var tx kinesistarget.TxState // the task has just started: no prev-transaction-id
	now := time.Date(2024, 7, 29, 0, 58, 17, 983670000, time.UTC)

	record, key, _, err := enc.Encode(nil, dms.TaskInfo{ID: "7QBLNBTPCNDEBG7CHI3WA73YFA"}, &change, &tx, now)
	if err != nil {
		panic(err)
	}
	fmt.Println("partition key:", key)
	fmt.Print(string(record))
	// Output:
	// partition key: public.foo
	// {"data":{"id":46,"name":"Jane"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"public","table-name":"foo","transaction-id":1139,"transaction-record-id":1,"commit-timestamp":"2024-07-29T00:58:17.974340Z","stream-position":"00000002/7C007178.3.00000002/7C007178"}}
}
