package kinesis_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/mapping"
	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

// rowSource is a full-load-only dms.Source of one table held in memory.
type rowSource struct {
	def  *dms.TableDef
	rows []dms.Row
}

func (s *rowSource) Snapshot(context.Context) (dms.Snapshot, error) { return s, nil }
func (s *rowSource) Position() dms.Position                         { return "" }
func (s *rowSource) Close() error                                   { return nil }

func (s *rowSource) Changes(context.Context, dms.Position, dms.TableSelector) (dms.ChangeStream, error) {
	return nil, context.Canceled
}

func (s *rowSource) Tables(_ context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	if !sel.Selected(s.def.Schema, s.def.Table) {
		return nil, nil
	}
	return []*dms.TableDef{s.def}, nil
}

func (s *rowSource) Load(_ context.Context, _ *dms.TableDef, emit func(dms.Row) error) error {
	for _, r := range s.rows {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// Through the engine: transformation rules rename the table and a column,
// and the object-mapping rule, which names the source table, still shapes
// the records, with the columns named as transformed.
func TestEndToEndObjectMappingAfterRename(t *testing.T) {
	builtin := httptest.NewServer(fakekinesis.New())
	t.Cleanup(builtin.Close)
	run := newKinesisRun(t, builtin.URL)

	m, err := mapping.ParseTableMappings(`{"rules": [
		{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include", "object-locator": {"schema-name": "shop", "table-name": "orders"}},
		{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "table", "rule-action": "rename", "value": "purchases",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"}},
		{"rule-type": "transformation", "rule-id": "3", "rule-name": "3", "rule-target": "column", "rule-action": "rename", "value": "customer_name",
		 "object-locator": {"schema-name": "shop", "table-name": "orders", "column-name": "customer"}},
		{"rule-type": "object-mapping", "rule-id": "4", "rule-name": "4", "rule-action": "map-record-to-record",
		 "object-locator": {"schema-name": "shop", "table-name": "orders"},
		 "mapping-parameters": {"partition-key-type": "attribute-name", "partition-key-name": "key", "exclude-columns": ["secret"],
		   "attribute-mappings": [{"target-attribute-name": "key", "value": "${customer_name}/${id}"}]}}
	]}`)
	require.NoError(t, err)
	settings, err := mapping.ParseTaskSettings(`{"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}`)
	require.NoError(t, err)
	target, err := kinesistarget.New(kinesistarget.Config{
		Client: run.client,
		Now:    func() time.Time { return e2eClock },
		Settings: types.KinesisSettings{
			StreamArn:             aws.String(run.arn()),
			MessageFormat:         types.MessageFormatValueJsonUnformatted,
			IncludePartitionValue: aws.Bool(true),
		},
	})
	require.NoError(t, err)
	src := &rowSource{
		def: &dms.TableDef{Schema: "shop", Table: "orders", PrimaryKey: []string{"id"}, Columns: []dms.Column{
			{Name: "id", Type: dms.TypeInt4}, {Name: "customer", Type: dms.TypeWString, Length: 20}, {Name: "secret", Type: dms.TypeWString, Length: 20},
		}},
		rows: []dms.Row{{int64(1), "acme", "s1"}, {int64(2), "globex", "s2"}},
	}
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	task, err := engine.NewTask(dms.TaskConfig{ID: "OMTASK", Source: src, Target: target, Mapping: m, Settings: settings, MigrationType: dms.FullLoad})
	require.NoError(t, err)
	require.NoError(t, task.Start(t.Context(), dms.StartReplication))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	st, err := task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == dms.StatusStopped || s.Status == dms.StatusFailed })
	require.NoError(t, err)
	require.Equal(t, dms.StatusStopped, st.Status, st.LastFailureMessage)

	require.Equal(t, []string{
		`acme/1 {"data":{"id":1,"customer_name":"acme","key":"acme/1"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"attribute-name","partition-key-value":"acme/1","schema-name":"shop","table-name":"purchases"}}` + "\n",
		`globex/2 {"data":{"id":2,"customer_name":"globex","key":"globex/2"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"attribute-name","partition-key-value":"globex/2","schema-name":"shop","table-name":"purchases"}}` + "\n",
	}, run.read(t, 2))
}
