package fakedms

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServerlessID(t *testing.T) {
	now := time.UnixMilli(1722361971936)
	id := newServerlessID(now)
	require.Regexp(t, `^serv-res-id-1722361971936-[a-z]{4}$`, id)
}

func TestSleepUntilFollowsTheClock(t *testing.T) {
	var mu sync.Mutex
	clock := time.Unix(1000, 0)
	h := NewHandler(WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}))
	defer h.Close()

	require.NoError(t, h.sleepUntil(context.Background(), clock), "a deadline that has passed")
	done := make(chan error, 1)
	go func() { done <- h.sleepUntil(context.Background(), time.Unix(1000, 0).Add(time.Hour)) }()
	select {
	case err := <-done:
		t.Fatalf("returned before the clock moved: %v", err)
	default:
	}
	mu.Lock()
	clock = clock.Add(time.Hour)
	mu.Unlock()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not notice the clock moved")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, h.sleepUntil(ctx, clock.Add(time.Hour)), context.Canceled)
}

func TestDeprovisioningDelayDefault(t *testing.T) {
	h := NewHandler()
	defer h.Close()
	require.Equal(t, 60*time.Second, h.deprovisioningDelay())
	h2 := NewHandler(WithDeprovisioningDelay(0), WithServerlessStateDelay(time.Second))
	defer h2.Close()
	require.Zero(t, h2.deprovisioningDelay())
	require.Equal(t, time.Second, h2.cfg.serverless.stateDelay)
}

func TestReplicationActive(t *testing.T) {
	for _, s := range []string{replInitializing, replPreparing, replTesting, replFetching, replCalculating, replProvisioning, replStarting, replRunning, replStopping} {
		require.True(t, replicationActive(s), s)
	}
	for _, s := range []string{replCreated, replStopped, replFailed, replDeleting} {
		require.False(t, replicationActive(s), s)
	}
}
