package kinesis

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// The fixed clock of the golden records.
var clock = time.Date(2024, 7, 29, 0, 58, 17, 983670000, time.UTC)

const taskID = "DZ6OKLFYA5BWVG4RYROQUHXU4E"

// settings builds KinesisSettings from short flag names.
func settings(flags ...string) types.KinesisSettings {
	s := types.KinesisSettings{StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/test")}
	for _, f := range flags {
		switch f {
		case "": // the default message format
		case "unformatted":
			s.MessageFormat = types.MessageFormatValueJsonUnformatted
		case "json":
			s.MessageFormat = types.MessageFormatValueJson
		case "tx":
			s.IncludeTransactionDetails = aws.Bool(true)
		case "pv":
			s.IncludePartitionValue = aws.Bool(true)
		case "schema":
			s.PartitionIncludeSchemaTable = aws.Bool(true)
		case "ctl":
			s.IncludeControlDetails = aws.Bool(true)
		case "alter":
			s.IncludeTableAlterOperations = aws.Bool(true)
		case "null":
			s.IncludeNullAndEmpty = aws.Bool(true)
		case "nohex":
			s.NoHexPrefix = aws.Bool(true)
		case "large":
			s.UseLargeIntegerValue = aws.Bool(true)
		default:
			panic("unknown flag " + f)
		}
	}
	return s
}

var accounts = &dms.TableDef{
	Schema: "dms_sample",
	Table:  "accounts",
	Columns: []dms.Column{
		{Name: "id", Type: dms.TypeInt4},
		{Name: "name", Type: dms.TypeWString, Length: 255},
		{Name: "age", Type: dms.TypeUint1, Nullable: true},
		{Name: "account_balance", Type: dms.TypeNumeric, Precision: 10, Scale: 2, Nullable: true},
		{Name: "is_active", Type: dms.TypeBoolean, Nullable: true},
		{Name: "signup_time", Type: dms.TypeDateTime, Nullable: true},
		{Name: "bio", Type: dms.TypeNCLOB, Nullable: true},
		{Name: "profile_picture", Type: dms.TypeBLOB, Nullable: true},
		{Name: "height", Type: dms.TypeReal4, Nullable: true},
		{Name: "weight", Type: dms.TypeReal8, Nullable: true},
	},
	PrimaryKey: []string{"id"},
	Collation:  "utf8mb4_unicode_ci",
}

// accountsV2 is accounts after ALTER TABLE accounts ADD COLUMN is_stock BOOLEAN.
var accountsV2 = &dms.TableDef{
	Schema:     "dms_sample",
	Table:      "accounts",
	Columns:    append(append([]dms.Column(nil), accounts.Columns...), dms.Column{Name: "is_stock", Type: dms.TypeBoolean, Nullable: true}),
	PrimaryKey: []string{"id"},
	Collation:  "utf8mb4_unicode_ci",
}

var (
	alice      = dms.Row{int64(1), "Alice", uint64(30), "1500.00", true, "2021-01-08 09:00:00", "Bio of Alice", nil, float32(1.70), 60.5}
	aliceAfter = dms.Row{int64(1), "Alice", uint64(31), "1600.00", true, "2021-01-08 09:00:00", "Bio of Alice", nil, float32(1.70), 60.5}
)

var orders = &dms.TableDef{
	Schema: "shop",
	Table:  "orders",
	Columns: []dms.Column{
		{Name: "region", Type: dms.TypeString, Length: 8},
		{Name: "id", Type: dms.TypeInt8},
		{Name: "note", Type: dms.TypeString, Length: 100, Nullable: true},
	},
	PrimaryKey: []string{"region", "id"},
}

var logTable = &dms.TableDef{
	Schema:  "shop",
	Table:   "log",
	Columns: []dms.Column{{Name: "msg", Type: dms.TypeString, Length: 100, Nullable: true}},
}

// cdc fills in the transaction fields of a CDC change.
func cdc(c dms.Change) dms.Change {
	c.TransactionID = 87978110091475
	c.TransactionRecord = 3
	c.CommitTime = time.Date(2024, 7, 29, 0, 58, 17, 974340000, time.UTC)
	c.Position = "mysql-bin-changelog.002171:36912271:0:36912333:9324410911751:mysql-bin-changelog.002171:36912209"
	return c
}

func beforeImageSettings(enable bool, filter string) *mapping.TaskSettings {
	return &mapping.TaskSettings{BeforeImageSettings: &mapping.BeforeImageSettings{EnableBeforeImage: enable, FieldName: "before-image", ColumnFilter: filter}}
}

type golden struct {
	name     string
	settings types.KinesisSettings
	task     *mapping.TaskSettings
	prev     *TxState // nil: no transaction state
	change   dms.Change
	want     string // the record; "" when the change is left out
	wantKey  string
	// rules are table-mapping rules (object-mapping among them) the task
	// has; "" for none.
	rules string
}

// byName is the ObjectMapper of a task without transformations: the
// definitions the target receives carry the source names.
type byName struct{ m *mapping.TableMappings }

func (b byName) ObjectMapping(def *dms.TableDef) *mapping.ObjectMapping {
	return b.m.ObjectMapping(def.Schema, def.Table)
}

func taskInfo(t *testing.T, settings *mapping.TaskSettings, rules string) dms.TaskInfo {
	t.Helper()
	info := dms.TaskInfo{ID: taskID, Settings: settings}
	if rules != "" {
		m, err := mapping.ParseTableMappings(`{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
			"object-locator": {"schema-name": "%", "table-name": "%"}}, ` + rules + `]}`)
		require.NoError(t, err)
		info.ObjectMappings = byName{m}
	}
	return info
}

func runGolden(t *testing.T, tests []golden) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := NewEncoder(tt.settings)
			prefix := []byte("previous record")
			out, key, ok, err := enc.Encode(prefix, taskInfo(t, tt.task, tt.rules), &tt.change, tt.prev, clock)
			require.NoError(t, err)
			require.Equal(t, "previous record", string(out[:len(prefix)]), "Encode appends")
			if tt.want == "" {
				require.False(t, ok, "change should be left out, got %s", out[len(prefix):])
				require.Len(t, out, len(prefix))
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, string(out[len(prefix):]))
			require.Equal(t, tt.wantKey, key)
		})
	}
}

func TestEncodeUnformatted(t *testing.T) {
	u := "unformatted"
	ddl := func(op dms.Operation) dms.Change {
		return dms.Change{Op: op, Table: accountsV2, Column: "is_stock"}
	}
	runGolden(t, []golden{
		{
			name:     "load",
			settings: settings(u),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: alice},
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "1",
		},
		{
			name:     "load with partition value",
			settings: settings(u, "pv"),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: alice},
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"1","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "1",
		},
		{
			name:     "load with partition value including schema and table",
			settings: settings(u, "pv", "schema"),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: alice},
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"dms_sample.accounts.1","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "dms_sample.accounts.1",
		},
		{
			name:     "load partitioned with schema and table, value not shown",
			settings: settings(u, "schema"),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: alice},
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "dms_sample.accounts.1",
		},
		{
			name:     "load with null and empty",
			settings: settings(u, "null"),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: dms.Row{int64(2), "", nil, nil, false, nil, "", []byte{}, nil, nil}},
			want:     `{"data":{"id":2,"name":"","age":null,"account_balance":null,"is_active":false,"signup_time":null,"bio":"","profile_picture":"0x","height":null,"weight":null},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "2",
		},
		{
			name:     "load without null and empty",
			settings: settings(u),
			change:   dms.Change{Op: dms.OpLoad, Table: accounts, Data: dms.Row{int64(2), "", nil, nil, false, nil, "", []byte{}, nil, nil}},
			want:     `{"data":{"id":2,"is_active":false},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "2",
		},
		{
			name:     "load of a composite key",
			settings: settings(u, "pv", "schema"),
			change:   dms.Change{Op: dms.OpLoad, Table: orders, Data: dms.Row{"eu", int64(7), ""}},
			want:     `{"data":{"region":"eu","id":7},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"shop.orders.eu.7","schema-name":"shop","table-name":"orders"}}` + "\n",
			wantKey:  "shop.orders.eu.7",
		},
		{
			name:     "load of a composite key without schema and table",
			settings: settings(u, "pv"),
			change:   dms.Change{Op: dms.OpLoad, Table: orders, Data: dms.Row{"eu", int64(7), "x"}},
			want:     `{"data":{"region":"eu","id":7,"note":"x"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","partition-key-value":"eu.7","schema-name":"shop","table-name":"orders"}}` + "\n",
			wantKey:  "eu.7",
		},
		{
			name:     "load of a table without primary key",
			settings: settings(u, "pv", "schema"),
			change:   dms.Change{Op: dms.OpLoad, Table: logTable, Data: dms.Row{"started"}},
			want:     `{"data":{"msg":"started"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"schema-table","schema-name":"shop","table-name":"log"}}` + "\n",
			wantKey:  "shop.log",
		},
		{
			name:     "insert",
			settings: settings(u),
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "insert with partition value and prev state, no transaction details",
			settings: settings(u, "pv", "schema"),
			prev:     &TxState{TransactionID: 1139, RecordID: 2, Valid: true},
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "insert with transaction details, first after start",
			settings: settings(u, "tx"),
			prev:     &TxState{},
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475,"transaction-record-id":3,"commit-timestamp":"2024-07-29T00:58:17.974340Z","stream-position":"mysql-bin-changelog.002171:36912271:0:36912333:9324410911751:mysql-bin-changelog.002171:36912209"}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "insert with transaction details",
			settings: settings(u, "tx"),
			prev:     &TxState{TransactionID: 1139, RecordID: 2, Valid: true},
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475,"transaction-record-id":3,"prev-transaction-id":1139,"prev-transaction-record-id":2,"commit-timestamp":"2024-07-29T00:58:17.974340Z","stream-position":"mysql-bin-changelog.002171:36912271:0:36912333:9324410911751:mysql-bin-changelog.002171:36912209"}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "insert with parallel apply is partitioned by primary key",
			settings: settings(u, "pv", "schema"),
			task:     &mapping.TaskSettings{TargetMetadata: mapping.TargetMetadata{ParallelApplyThreads: 4}},
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"primary-key","partition-key-value":"dms_sample.accounts.1","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts.1",
		},
		{
			name:     "insert ignores the before image",
			settings: settings(u),
			task:     beforeImageSettings(true, "all"),
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update",
			settings: settings(u),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update with before image pk-only",
			settings: settings(u),
			task:     beforeImageSettings(true, "pk-only"),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"before-image":{"id":1},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update with before image, filter defaulting to pk-only",
			settings: settings(u),
			task:     beforeImageSettings(true, ""),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"before-image":{"id":1},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update with before image non-lob",
			settings: settings(u),
			task:     beforeImageSettings(true, "non-lob"),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"before-image":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update with before image all, never LOBs, with null and empty",
			settings: settings(u, "null"),
			task:     beforeImageSettings(true, "all"),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","profile_picture":null,"height":1.7000000476837158,"weight":60.5},"before-image":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update with before image disabled",
			settings: settings(u),
			task:     beforeImageSettings(false, "all"),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: accounts, Data: aliceAfter, Before: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":31,"account_balance":"1600.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "update without a before row from the source",
			settings: settings(u, "null"),
			task:     beforeImageSettings(true, "pk-only"),
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: orders, Data: dms.Row{"eu", int64(7), "y"}}),
			want:     `{"data":{"region":"eu","id":7,"note":"y"},"before-image":{},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"schema-table","schema-name":"shop","table-name":"orders","transaction-id":87978110091475}}` + "\n",
			wantKey:  "shop.orders",
		},
		{
			name:     "delete",
			settings: settings(u, "tx"),
			prev:     &TxState{TransactionID: 87978110091475, RecordID: 2, Valid: true},
			change:   cdc(dms.Change{Op: dms.OpDelete, Table: accounts, Data: alice}),
			want:     `{"data":{"id":1,"name":"Alice","age":30,"account_balance":"1500.00","is_active":true,"signup_time":"2021-01-08T09:00:00Z","bio":"Bio of Alice","height":1.7000000476837158,"weight":60.5},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"delete","partition-key-type":"schema-table","schema-name":"dms_sample","table-name":"accounts","transaction-id":87978110091475,"transaction-record-id":3,"prev-transaction-id":87978110091475,"prev-transaction-record-id":2,"commit-timestamp":"2024-07-29T00:58:17.974340Z","stream-position":"mysql-bin-changelog.002171:36912271:0:36912333:9324410911751:mysql-bin-changelog.002171:36912209"}}` + "\n",
			wantKey:  "dms_sample.accounts",
		},
		{
			name:     "delete of a key-only row image with null and empty",
			settings: settings(u, "null"),
			change:   cdc(dms.Change{Op: dms.OpDelete, Table: orders, Data: dms.Row{"eu", int64(7), nil}}),
			want:     `{"data":{"region":"eu","id":7,"note":null},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"delete","partition-key-type":"schema-table","schema-name":"shop","table-name":"orders","transaction-id":87978110091475}}` + "\n",
			wantKey:  "shop.orders",
		},
		{
			name:     "create-table",
			settings: settings(u),
			change:   dms.Change{Op: dms.OpCreateTable, Table: accounts},
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "create-table with partition value",
			settings: settings(u, "pv", "schema", "tx"),
			prev:     &TxState{TransactionID: 1, RecordID: 1, Valid: true},
			change:   dms.Change{Op: dms.OpCreateTable, Table: accounts},
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "create-table with control details",
			settings: settings(u, "ctl"),
			change:   dms.Change{Op: dms.OpCreateTable, Table: accounts},
			want:     `{"control":{"table-def":{"columns":{"id":{"type":"INT32","nullable":false},"name":{"type":"WSTRING","length":255,"nullable":false},"age":{"type":"UINT8","nullable":true},"account_balance":{"type":"NUMERIC","precision":10,"scale":2,"nullable":true},"is_active":{"type":"BOOLEAN","nullable":true},"signup_time":{"type":"TIMESTAMP","nullable":true},"bio":{"type":"STRING","nullable":true},"profile_picture":{"type":"BYTES","nullable":true},"height":{"type":"REAL4","nullable":true},"weight":{"type":"REAL8","nullable":true}},"primary-key":["id"],"collation-name":"utf8mb4_unicode_ci"}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "create-table with control details, composite key, no collation",
			settings: settings(u, "ctl"),
			change:   dms.Change{Op: dms.OpCreateTable, Table: orders},
			want:     `{"control":{"table-def":{"columns":{"region":{"type":"STRING","length":8,"nullable":false},"id":{"type":"INT64","nullable":false},"note":{"type":"STRING","length":100,"nullable":true}},"primary-key":["region","id"]}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","schema-name":"shop","table-name":"orders"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.shop.orders",
		},
		{
			name:     "create-table with control details, no primary key",
			settings: settings(u, "ctl"),
			change:   dms.Change{Op: dms.OpCreateTable, Table: logTable},
			want:     `{"control":{"table-def":{"columns":{"msg":{"type":"STRING","length":100,"nullable":true}}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","schema-name":"shop","table-name":"log"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.shop.log",
		},
		{
			name:     "create-table of awsdms_apply_exceptions",
			settings: settings(u, "ctl", "pv"),
			change:   dms.Change{Op: dms.OpCreateTable, Table: dms.ApplyExceptionsTable()},
			want:     `{"control":{"table-def":{"columns":{"TASK_NAME":{"type":"STRING","length":128,"nullable":false},"TABLE_OWNER":{"type":"STRING","length":128,"nullable":false},"TABLE_NAME":{"type":"STRING","length":128,"nullable":false},"ERROR_TIME":{"type":"TIMESTAMP","nullable":false},"STATEMENT":{"type":"STRING","nullable":false},"ERROR":{"type":"STRING","nullable":false}}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"","table-name":"awsdms_apply_exceptions"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E..awsdms_apply_exceptions",
		},
		{
			name:     "create-table of awsdms_apply_exceptions without details",
			settings: settings(u),
			change:   dms.Change{Op: dms.OpCreateTable, Table: dms.ApplyExceptionsTable()},
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","schema-name":"","table-name":"awsdms_apply_exceptions"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E..awsdms_apply_exceptions",
		},
		{
			name:     "drop-table",
			settings: settings(u),
			change:   dms.Change{Op: dms.OpDropTable, Table: accounts},
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"drop-table","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "drop-table with control details",
			settings: settings(u, "ctl", "pv"),
			change:   dms.Change{Op: dms.OpDropTable, Table: accounts},
			want:     `{"control":{},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"drop-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{name: "add-column without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpAddColumn)},
		{name: "drop-column without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpDropColumn)},
		{name: "column-type-change without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpColumnTypeChange)},
		{name: "change-columns without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpChangeColumns)},
		{name: "rename-column without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpRenameColumn)},
		{name: "rename-table without alter operations", settings: settings(u, "ctl"), change: ddl(dms.OpRenameTable)},
		{
			name:     "add-column",
			settings: settings(u, "alter"),
			change:   ddl(dms.OpAddColumn),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"add-column","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "drop-column",
			settings: settings(u, "alter"),
			change:   ddl(dms.OpDropColumn),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"drop-column","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "column-type-change",
			settings: settings(u, "alter", "pv"),
			change:   ddl(dms.OpColumnTypeChange),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"column-type-change","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "change-columns",
			settings: settings(u, "alter"),
			change:   ddl(dms.OpChangeColumns),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"change-columns","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "rename-column",
			settings: settings(u, "alter"),
			change:   ddl(dms.OpRenameColumn),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"rename-column","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "rename-table",
			settings: settings(u, "alter"),
			change:   ddl(dms.OpRenameTable),
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"rename-table","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "add-column with control details",
			settings: settings(u, "alter", "ctl"),
			change:   ddl(dms.OpAddColumn),
			want:     `{"control":{"table-def":{"columns":{"id":{"type":"INT32","nullable":false},"name":{"type":"WSTRING","length":255,"nullable":false},"age":{"type":"UINT8","nullable":true},"account_balance":{"type":"NUMERIC","precision":10,"scale":2,"nullable":true},"is_active":{"type":"BOOLEAN","nullable":true},"signup_time":{"type":"TIMESTAMP","nullable":true},"bio":{"type":"STRING","nullable":true},"profile_picture":{"type":"BYTES","nullable":true},"height":{"type":"REAL4","nullable":true},"weight":{"type":"REAL8","nullable":true},"is_stock":{"type":"BOOLEAN","nullable":true}},"primary-key":["id"],"collation-name":"utf8mb4_unicode_ci"}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"add-column","partition-key-type":"task-id","schema-name":"dms_sample","table-name":"accounts"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
		},
		{
			name:     "rename-column with control details",
			settings: settings(u, "alter", "ctl"),
			change:   dms.Change{Op: dms.OpRenameColumn, Table: logTable, OldColumn: "message", Column: "msg"},
			want:     `{"control":{"table-def":{"columns":{"msg":{"type":"STRING","length":100,"nullable":true}}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"rename-column","partition-key-type":"task-id","schema-name":"shop","table-name":"log"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.shop.log",
		},
	})
}

var demo = &dms.TableDef{
	Schema: "public",
	Table:  "demo",
	Columns: []dms.Column{
		{Name: "id", Type: dms.TypeInt4},
		{Name: "name", Type: dms.TypeWString, Length: 255, Nullable: true},
		{Name: "tags", Type: dms.TypeNCLOB, Nullable: true},
	},
	PrimaryKey: []string{"id"},
	Collation:  "latin1_swedish_ci",
}

var demoV2 = &dms.TableDef{
	Schema: "public",
	Table:  "demo",
	Columns: []dms.Column{
		{Name: "id", Type: dms.TypeInt4},
		{Name: "name", Type: dms.TypeWString, Length: 255, Nullable: true},
		{Name: "tags", Type: dms.TypeNCLOB, Nullable: true},
		{Name: "price", Type: dms.TypeNumeric, Precision: 12, Scale: 2, Nullable: true},
	},
	PrimaryKey: []string{"id"},
	Collation:  "latin1_swedish_ci",
}

// The "json" message format: cJSON's formatted printing. The records below
// hold real tab characters.
func TestEncodeFormatted(t *testing.T) {
	for _, format := range []string{"", "json"} { // "" is the default: json
		t.Run("MessageFormat="+format, func(t *testing.T) {
			f := format
			runGolden(t, []golden{
				{
					name:     "load",
					settings: settings(f, "pv", "schema"),
					change:   dms.Change{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(393), "Jane", nil}},
					want: `{
	"data":	{
		"id":	393,
		"name":	"Jane"
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"load",
		"partition-key-type":	"primary-key",
		"partition-key-value":	"public.demo.393",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "public.demo.393",
				},
				{
					name:     "insert with transaction details",
					settings: settings(f, "tx", "null"),
					prev:     &TxState{TransactionID: 1138, RecordID: 4, Valid: true},
					change: dms.Change{Op: dms.OpInsert, Table: demo, Data: dms.Row{int64(46), "Jane", `{"baz": "qux"}`},
						TransactionID: 1139, TransactionRecord: 1, CommitTime: time.Date(2024, 7, 29, 0, 58, 17, 974340000, time.UTC),
						Position: "00000002/7C007178.3.00000002/7C007178"},
					want: `{
	"data":	{
		"id":	46,
		"name":	"Jane",
		"tags":	"{\"baz\": \"qux\"}"
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"insert",
		"partition-key-type":	"schema-table",
		"schema-name":	"public",
		"table-name":	"demo",
		"transaction-id":	1139,
		"transaction-record-id":	1,
		"prev-transaction-id":	1138,
		"prev-transaction-record-id":	4,
		"commit-timestamp":	"2024-07-29T00:58:17.974340Z",
		"stream-position":	"00000002/7C007178.3.00000002/7C007178"
	}
}`,
					wantKey: "public.demo",
				},
				{
					name:     "update with before image",
					settings: settings(f),
					task:     beforeImageSettings(true, "all"),
					change: dms.Change{Op: dms.OpUpdate, Table: demo, Data: dms.Row{int64(45), "Jane", "long"}, Before: dms.Row{int64(46), "Jane", "long"},
						TransactionID: 1141, TransactionRecord: 1},
					want: `{
	"data":	{
		"id":	45,
		"name":	"Jane",
		"tags":	"long"
	},
	"before-image":	{
		"id":	46,
		"name":	"Jane"
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"update",
		"partition-key-type":	"schema-table",
		"schema-name":	"public",
		"table-name":	"demo",
		"transaction-id":	1141
	}
}`,
					wantKey: "public.demo",
				},
				{
					name:     "update with empty before image",
					settings: settings(f),
					task:     beforeImageSettings(true, "pk-only"),
					change:   dms.Change{Op: dms.OpUpdate, Table: demo, Data: dms.Row{int64(45), "Jane", nil}, TransactionID: 1141, TransactionRecord: 1},
					want: `{
	"data":	{
		"id":	45,
		"name":	"Jane"
	},
	"before-image":	{
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"update",
		"partition-key-type":	"schema-table",
		"schema-name":	"public",
		"table-name":	"demo",
		"transaction-id":	1141
	}
}`,
					wantKey: "public.demo",
				},
				{
					name:     "delete",
					settings: settings(f, "null"),
					change:   dms.Change{Op: dms.OpDelete, Table: demo, Data: dms.Row{int64(45), nil, nil}, TransactionID: 1144, TransactionRecord: 1},
					want: `{
	"data":	{
		"id":	45,
		"name":	null,
		"tags":	null
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"delete",
		"partition-key-type":	"schema-table",
		"schema-name":	"public",
		"table-name":	"demo",
		"transaction-id":	1144
	}
}`,
					wantKey: "public.demo",
				},
				{
					name:     "create-table",
					settings: settings(f, "pv"),
					change:   dms.Change{Op: dms.OpCreateTable, Table: demo},
					want: `{
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"create-table",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo",
				},
				{
					name:     "create-table with control details",
					settings: settings(f, "ctl", "pv"),
					change:   dms.Change{Op: dms.OpCreateTable, Table: demo},
					want: `{
	"control":	{
		"table-def":	{
			"columns":	{
				"id":	{
					"type":	"INT32",
					"nullable":	false
				},
				"name":	{
					"type":	"WSTRING",
					"length":	255,
					"nullable":	true
				},
				"tags":	{
					"type":	"STRING",
					"nullable":	true
				}
			},
			"primary-key":	["id"],
			"collation-name":	"latin1_swedish_ci"
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"create-table",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo",
				},
				{
					name:     "create-table with a composite key",
					settings: settings(f, "ctl", "pv"),
					change:   dms.Change{Op: dms.OpCreateTable, Table: orders},
					want: `{
	"control":	{
		"table-def":	{
			"columns":	{
				"region":	{
					"type":	"STRING",
					"length":	8,
					"nullable":	false
				},
				"id":	{
					"type":	"INT64",
					"nullable":	false
				},
				"note":	{
					"type":	"STRING",
					"length":	100,
					"nullable":	true
				}
			},
			"primary-key":	["region", "id"]
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"create-table",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"shop",
		"table-name":	"orders"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.shop.orders",
				},
				{
					name:     "drop-table with control details",
					settings: settings(f, "ctl", "pv"),
					change:   dms.Change{Op: dms.OpDropTable, Table: demo},
					want: `{
	"control":	{
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"drop-table",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo",
				},
				{
					name:     "add-column with control details",
					settings: settings(f, "ctl", "alter", "pv"),
					change:   dms.Change{Op: dms.OpAddColumn, Table: demoV2, Column: "price"},
					want: `{
	"control":	{
		"table-def":	{
			"columns":	{
				"id":	{
					"type":	"INT32",
					"nullable":	false
				},
				"name":	{
					"type":	"WSTRING",
					"length":	255,
					"nullable":	true
				},
				"tags":	{
					"type":	"STRING",
					"nullable":	true
				},
				"price":	{
					"type":	"NUMERIC",
					"precision":	12,
					"scale":	2,
					"nullable":	true
				}
			},
			"primary-key":	["id"],
			"collation-name":	"latin1_swedish_ci"
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"add-column",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo",
				},
				{
					name:     "drop-column without alter operations",
					settings: settings(f, "ctl"),
					change:   dms.Change{Op: dms.OpDropColumn, Table: demo, Column: "price"},
				},
				{
					name:     "drop-column",
					settings: settings(f, "alter", "pv"),
					change:   dms.Change{Op: dms.OpDropColumn, Table: demo, Column: "price"},
					want: `{
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"drop-column",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"public",
		"table-name":	"demo"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.public.demo",
				},
				{
					name:     "column-type-change",
					settings: settings(f, "alter"),
					change:   dms.Change{Op: dms.OpColumnTypeChange, Table: accountsV2, Column: "is_stock"},
					want: `{
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"column-type-change",
		"partition-key-type":	"task-id",
		"schema-name":	"dms_sample",
		"table-name":	"accounts"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
				},
				{
					name:     "change-columns",
					settings: settings(f, "alter", "pv"),
					change:   dms.Change{Op: dms.OpChangeColumns, Table: accountsV2, Column: "is_stock"},
					want: `{
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"change-columns",
		"partition-key-type":	"task-id",
		"partition-key-value":	"DZ6OKLFYA5BWVG4RYROQUHXU4E",
		"schema-name":	"dms_sample",
		"table-name":	"accounts"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.dms_sample.accounts",
				},
				{
					name:     "rename-column with control details",
					settings: settings(f, "alter", "ctl"),
					change:   dms.Change{Op: dms.OpRenameColumn, Table: logTable, OldColumn: "message", Column: "msg"},
					want: `{
	"control":	{
		"table-def":	{
			"columns":	{
				"msg":	{
					"type":	"STRING",
					"length":	100,
					"nullable":	true
				}
			}
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"control",
		"operation":	"rename-column",
		"partition-key-type":	"task-id",
		"schema-name":	"shop",
		"table-name":	"log"
	}
}`,
					wantKey: "DZ6OKLFYA5BWVG4RYROQUHXU4E.shop.log",
				},
			})
		})
	}
}

// What AWS-validated tests check of every record (LS-TESTS): the json
// format starts with "{\n\t", json-unformatted with `{"`.
func TestEncodeFormatPrefix(t *testing.T) {
	c := dms.Change{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(1), "a", "b"}}
	for format, prefix := range map[types.MessageFormatValue]string{"": "{\n\t\"data\":\t{\n\t\t", "json": "{\n\t\"data\":\t{\n\t\t", "json-unformatted": `{"data":{"`} {
		out, _, ok, err := NewEncoder(types.KinesisSettings{MessageFormat: format}).Encode(nil, dms.TaskInfo{ID: taskID}, &c, nil, clock)
		require.NoError(t, err)
		require.True(t, ok)
		require.True(t, strings.HasPrefix(string(out), prefix), "%q: %q", format, out)
		require.Equal(t, format == "json-unformatted", strings.Count(string(out), "\n") == 1)
	}
}

// Encode moves the transaction state along CDC data records only.
func TestEncodeMovesTransactionState(t *testing.T) {
	enc := NewEncoder(settings("unformatted", "tx"))
	task := dms.TaskInfo{ID: taskID}
	var tx TxState
	c := cdc(dms.Change{Op: dms.OpInsert, Table: demo, Data: dms.Row{int64(1)}})
	_, _, _, err := enc.Encode(nil, task, &c, &tx, clock)
	require.NoError(t, err)
	require.Equal(t, TxState{TransactionID: 87978110091475, RecordID: 3, Valid: true}, tx)

	for _, c := range []dms.Change{
		{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(2)}},
		{Op: dms.OpCreateTable, Table: demo},
		{Op: dms.OpAddColumn, Table: demo},
	} {
		_, _, _, err := enc.Encode(nil, task, &c, &tx, clock)
		require.NoError(t, err)
		require.Equal(t, TxState{TransactionID: 87978110091475, RecordID: 3, Valid: true}, tx, c.Op)
	}
}

func TestEncodeErrors(t *testing.T) {
	enc := NewEncoder(settings("unformatted"))
	task := dms.TaskInfo{ID: taskID}
	for _, tt := range []struct {
		name   string
		change dms.Change
		want   string
	}{
		{"no table", dms.Change{Op: dms.OpInsert}, "insert change without a table definition"},
		{"unknown operation", dms.Change{Op: "merge", Table: demo}, `unknown operation "merge" on public.demo`},
		{"wrong Go type", dms.Change{Op: dms.OpLoad, Table: demo, Data: dms.Row{1, "a", nil}}, "table public.demo: column id of type INT4: value of unexpected Go type int"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, ok, err := enc.Encode([]byte("x"), task, &tt.change, nil, clock)
			require.EqualError(t, err, tt.want)
			require.False(t, ok)
			require.Equal(t, "x", string(out))
		})
	}
}
