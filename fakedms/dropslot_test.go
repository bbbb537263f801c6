package fakedms

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/target/memory"
)

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
			var logs dmstest.LogBuffer
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
