// Package fakes3 is the built-in S3 of the fakedms endpoint: the
// in-memory backend of github.com/johannesboyne/gofakes3 behind an
// http.Handler that claims the S3 REST requests of a shared endpoint, so
// S3 source endpoints have buckets to read without another server.
//
// Clients address it path-style (s3.Options.UsePathStyle = true) with the
// fakedms URL as BaseEndpoint. The SDK's default request checksums work
// (gofakes3 verifies Content-MD5 and ignores the other checksum headers).
// Bucket names need at least 3 characters, as on S3.
package fakes3

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is an in-memory S3.
type Server struct {
	backend *s3mem.Backend
	handler http.Handler
}

// Option configures a Server.
type Option func(*config)

type config struct{ now func() time.Time }

// WithClock replaces time.Now for object times.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

type clock func() time.Time

func (c clock) Now() time.Time                  { return c() }
func (c clock) Since(t time.Time) time.Duration { return c().Sub(t) }

// New returns an empty S3.
func New(opts ...Option) *Server {
	cfg := config{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	backend := s3mem.New(s3mem.WithTimeSource(clock(cfg.now)))
	// Requests are not authenticated, so their dates are not checked
	// either: gofakes3 compares them with the clock, which a test may set
	// far from now.
	fake := gofakes3.New(backend, gofakes3.WithTimeSource(clock(cfg.now)), gofakes3.WithoutVersioning(), gofakes3.WithTimeSkewLimit(0))
	return &Server{backend: backend, handler: fake.Server()}
}

// Handles reports whether r is an S3 REST request: every request that is
// not an awsJson call (those name their operation in X-Amz-Target).
func (s *Server) Handles(r *http.Request) bool { return r.Header.Get("X-Amz-Target") == "" }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// CreateBucket creates a bucket without the protocol, for tests and
// examples that seed data.
func (s *Server) CreateBucket(name string) error {
	if err := s.backend.CreateBucket(name); err != nil {
		return fmt.Errorf("fakes3: create bucket %s: %w", name, err)
	}
	return nil
}

// PutObject stores an object without the protocol.
func (s *Server) PutObject(bucket, key string, data []byte) error {
	if _, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		return fmt.Errorf("fakes3: put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
