package fakekinesis_test

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
)

// newServer starts a fake behind an httptest server and returns it with a
// client that retries broken connections only (so that injected faults and
// other API errors reach the test).
func newServer(t testing.TB, opts ...fakekinesis.Option) (*fakekinesis.Server, *kinesis.Client) {
	t.Helper()
	srv := fakekinesis.New(opts...)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, newClient(hs.URL, kinesistest.RetryConnectionsOnly)
}

func newClient(endpoint string, optFns ...func(*kinesis.Options)) *kinesis.Client {
	return kinesistest.NewClient(endpoint, optFns...)
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
