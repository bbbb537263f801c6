package fakedms

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/postgres"
	"github.com/minidms/minidms/target/memory"
)

func TestTaskSlotName(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"2PVREMWNPGYJCVU2IBPTOYTIV4", "minidms_2pvremwnpgyjcvu2ibptoytiv4"},
		{"cdc-task-1", "minidms_cdc_task_1"},
		{"A001NYMR4Z0NK45ZBJT6954RNMGEKL2PQ9XQYR4", "minidms_a001nymr4z0nk45zbjt6954rnmgekl2pq9xqyr4"},
		{"Ünïcode.ID", "minidms__n_code_id"},
		{"X234567890123456789012345678901234567890123456789012345678901234567890", "minidms_x234567890123456789012345678901234567890123456789012345"},
	} {
		got := taskSlotName(tc.id)
		require.Equal(t, tc.want, got, tc.id)
		require.LessOrEqual(t, len(got), 63)
	}
}

func TestPostgresSourceSettings(t *testing.T) {
	ep := func(e types.Endpoint) *endpoint {
		e.EndpointIdentifier = aws.String("pg")
		return &endpoint{ep: e, password: "top"}
	}
	w := wiring{taskID: "CDC-TASK"}
	src, err := newPostgresSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app")}), w)
	require.NoError(t, err)
	slot, err := src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_cdc_task", slot, "derived from the task")

	src, err = newPostgresSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app"),
		PostgreSQLSettings: &types.PostgreSQLSettings{SlotName: aws.String("mine")}}), w)
	require.NoError(t, err)
	slot, err = src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "mine", slot, "SlotName wins")

	src, err = newPostgresSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app")}), wiring{})
	require.NoError(t, err)
	slot, err = src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_app", slot, "a connection test has no task: the source's default")

	for _, tc := range []struct {
		name string
		ep   types.Endpoint
		err  string
	}{
		{"no server", types.Endpoint{DatabaseName: aws.String("app")}, "endpoint pg: no ServerName"},
		{"no database", types.Endpoint{ServerName: aws.String("db")}, "endpoint pg: no DatabaseName: a PostgreSQL endpoint names its database"},
		{"bad port", types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app"), Port: aws.Int32(70000)}, "endpoint pg: Port 70000 is out of range"},
		{"secret", types.Endpoint{PostgreSQLSettings: &types.PostgreSQLSettings{SecretsManagerSecretId: aws.String("s")}},
			"endpoint pg: PostgreSqlSettings.SecretsManagerSecretId is not supported by fakedms: give ServerName, Port, Username, Password and DatabaseName"},
	} {
		_, err := newPostgresSource(ep(tc.ep), w)
		require.EqualError(t, err, tc.err, tc.name)
	}
}

// droppingSource is a source with per-task server state.
type droppingSource struct {
	dms.Source // never called
	err        error
	drops      atomic.Int32
}

func (s *droppingSource) DropSlot(context.Context) error {
	s.drops.Add(1)
	return s.err
}

// syncBuffer is a log sink safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDeleteTaskDropsSlot(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		started bool
		drops   int32
		logged  string
	}{
		{"dropped", nil, true, 1, ""},
		{"drop fails: logged, not returned", errors.New("slot busy"), true, 1, "dropping the replication slot failed"},
		{"never started: nothing to drop", nil, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			h := NewHandler(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			defer h.Close()
			src := &droppingSource{err: tc.err}
			tk := &task{
				lifecycle: lifecycle{created: time.Now()}, arn: h.arn(arnTask, "TASK1"), id: "TASK1", identifier: "t1",
				migrationType: types.MigrationTypeValueCdc, mappings: mapping.SelectAll(), settings: mapping.DefaultTaskSettings(),
			}
			if tc.started {
				et, err := h.engine.NewTask(dms.TaskConfig{ID: tk.id, Source: src, Target: memory.New(), Mapping: tk.mappings, MigrationType: dms.CDC})
				require.NoError(t, err)
				tk.engine = et
			}
			h.lock()
			h.st.tasks[tk.arn] = tk
			h.unlock()

			out, err := h.deleteReplicationTask(context.Background(), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(tk.arn)})
			require.NoError(t, err)
			require.Equal(t, "deleting", *out.ReplicationTask.Status)
			require.Equal(t, tc.drops, src.drops.Load())
			if tc.logged == "" {
				require.NotContains(t, logs.String(), "replication slot")
			} else {
				require.Contains(t, logs.String(), tc.logged)
				require.Contains(t, logs.String(), "err=\"slot busy\"")
			}
		})
	}
}
