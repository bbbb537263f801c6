package dms_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/target/memory"
)

// openedAt is a chanSource that records where the engine opened its
// change stream.
type openedAt struct {
	*chanSource
	from chan dms.Position
}

func (s *openedAt) Changes(ctx context.Context, from dms.Position, sel dms.TableSelector) (dms.ChangeStream, error) {
	s.from <- from
	return s.chanSource.Changes(ctx, from, sel)
}

// timeLookup is a source that finds times in its log, or fails to.
type timeLookup struct {
	*openedAt
	err error
}

func (s *timeLookup) PositionAt(_ context.Context, at time.Time) (dms.Position, error) {
	if s.err != nil {
		return "", s.err
	}
	return dms.Position("log@" + at.UTC().Format(time.RFC3339)), nil
}

func TestCdcStartTime(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		lookup    bool
		lookupErr error
		startPos  dms.Position
		from      dms.Position // where the stream opens
		failure   string
		warning   string
	}{
		{name: "found in the source's log", lookup: true, from: "log@2026-11-30T12:00:00Z"},
		{name: "CdcStartPosition wins", lookup: true, startPos: "file:4", from: "file:4"},
		{name: "a source that cannot look times up starts from now", from: "", warning: "the source cannot find a time in its log: CDC starts from now"},
		{name: "lookup fails", lookup: true, lookupErr: errors.New("binlog gone"),
			failure: "find the CDC start time 2026-11-30T12:00:00Z in the source's log: binlog gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened := &openedAt{chanSource: &chanSource{def: ordersTable(), changes: make(chan dms.Change)}, from: make(chan dms.Position, 1)}
			var src dms.Source = opened
			if tc.lookup {
				src = &timeLookup{openedAt: opened, err: tc.lookupErr}
			}
			var logs dmstest.LogBuffer
			engine := dms.NewEngine(dms.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			t.Cleanup(func() { require.NoError(t, engine.Close()) })
			task, err := engine.NewTask(dms.TaskConfig{ID: "AT", Source: src, Target: memory.New(), Mapping: dmstest.SelectSchema(t, "shop"),
				MigrationType: dms.CDC, CdcStartTime: at, CdcStartPosition: tc.startPos})
			require.NoError(t, err)
			require.NoError(t, task.Start(context.Background(), dms.StartReplication))
			if tc.failure != "" {
				st, err := task.Wait(context.Background(), func(s dms.TaskStatus) bool { return s.Status == dms.StatusFailed })
				require.NoError(t, err)
				require.Equal(t, tc.failure, st.LastFailureMessage)
				require.Empty(t, opened.from, "no stream is opened")
				return
			}
			require.Equal(t, tc.from, <-opened.from)
			require.NoError(t, task.Stop(context.Background()))
			if tc.warning != "" {
				require.Contains(t, logs.String(), tc.warning)
			} else {
				require.NotContains(t, logs.String(), "CDC starts from now")
			}
		})
	}
}
