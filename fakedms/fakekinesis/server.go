package fakekinesis

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	smithy "github.com/aws/smithy-go"

	"github.com/minidms/minidms/fakedms/internal/wire"
)

// TargetPrefix is the X-Amz-Target prefix of every Kinesis Data Streams
// operation ("Kinesis_20131202.PutRecord", …).
const TargetPrefix = "Kinesis_20131202."

// maxRequestBytes bounds a request body. A full PutRecords call (5 MiB of
// data, base64-encoded, plus 500 partition keys) fits, and so does one
// somewhat over the limit, so that it gets the API's own error for that.
const maxRequestBytes = 16 << 20

// Server is an in-memory Kinesis Data Streams endpoint. It implements
// [http.Handler]; mount it on an [net/http/httptest.Server] or any mux.
// All state sits behind one mutex; the zero value is not usable, call [New].
type Server struct {
	region, account string
	now             func() time.Time
	log             *slog.Logger
	statusDelay     time.Duration
	shardLimit      int
	codec           codec
	tokenKey        []byte // HMAC key sealing shard iterators and next tokens

	mu          sync.Mutex
	streams     map[string]*stream
	generation  uint64 // streams created so far; part of sequence numbers
	throttle    int    // PutRecord(s) calls still to throttle (ThrottleNext)
	failRecords int    // PutRecords entries still to fail (FailRecords)
}

// Option configures a [Server].
type Option func(*Server)

// WithRegion sets the region used in stream ARNs (default "us-east-1").
func WithRegion(region string) Option { return func(s *Server) { s.region = region } }

// WithAccount sets the account ID used in ARNs and messages (default
// "000000000000").
func WithAccount(account string) Option { return func(s *Server) { s.account = account } }

// WithClock replaces time.Now: arrival timestamps, iterator and next-token
// expiry, retention and the stream status delay all read this clock. It is
// called from concurrent requests.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger logs one Debug line per request (operation, status, error code).
// The server is silent by default.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithStatusDelay makes a created stream report CREATING for d before it turns
// ACTIVE, and a deleted stream report DELETING for d before it disappears
// (default 0: CreateStream is ACTIVE at once, DeleteStream removes at once).
// The transition is computed from the clock when the stream is next looked
// at: no timer or goroutine is involved.
func WithStatusDelay(d time.Duration) Option { return func(s *Server) { s.statusDelay = d } }

// WithShardLimit sets the account's open-shard limit: a CreateStream that
// would exceed it fails with LimitExceededException (default 500).
func WithShardLimit(n int) Option { return func(s *Server) { s.shardLimit = n } }

// New returns an empty server.
func New(opts ...Option) *Server {
	s := &Server{
		region:     "us-east-1",
		account:    "000000000000",
		now:        time.Now,
		log:        slog.New(slog.DiscardHandler),
		shardLimit: 500,
		codec:      newCodec(),
		tokenKey:   make([]byte, 32),
		streams:    make(map[string]*stream),
	}
	rand.Read(s.tokenKey) // never fails (crypto/rand)
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handles reports whether r is a Kinesis Data Streams request, so that a
// server hosting several APIs on one endpoint can route it here.
func (s *Server) Handles(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

// ServeHTTP implements the awsJson1.1 protocol: POST, X-Amz-Target
// "Kinesis_20131202.<Op>", a JSON body. Failures are HTTP 400 (413 for an
// oversized body) with X-Amzn-ErrorType and {"__type","message"}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w.Header().Set("x-amzn-RequestId", wire.RequestID())
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("fakekinesis: panic", "op", op, "panic", p)
			s.writeError(w, op, start, &apiError{Code: "InternalFailure", Status: http.StatusInternalServerError,
				Message: fmt.Sprintf("fakekinesis: internal error in %s: %v", op, p)})
		}
	}()

	body, err := s.readRequest(r)
	if err != nil {
		s.writeError(w, op, start, err)
		return
	}
	out, err := s.dispatch(op, body)
	if err != nil {
		s.writeError(w, op, start, err)
		return
	}
	payload, err := s.codec.encode(out)
	if err != nil {
		s.writeError(w, op, start, &apiError{Code: "InternalFailure", Status: http.StatusInternalServerError,
			Message: fmt.Sprintf("fakekinesis: encode %s response: %v", op, err)})
		return
	}
	h := w.Header()
	h.Set("Content-Type", wire.ContentType)
	h.Set("Content-Length", fmt.Sprint(len(payload)))
	w.WriteHeader(http.StatusOK)
	w.Write(payload)
	s.log.Debug("fakekinesis", "op", op, "status", http.StatusOK, "duration", time.Since(start))
}

// readRequest checks method, target and content type and returns the body.
func (s *Server) readRequest(r *http.Request) ([]byte, error) {
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost {
		return nil, &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("fakekinesis: %s %s: Kinesis requests are POST with an X-Amz-Target header", r.Method, r.URL.Path)}
	}
	if !strings.HasPrefix(target, TargetPrefix) || target == TargetPrefix {
		return nil, &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("fakekinesis: X-Amz-Target %q is not a %s<Operation>", target, TargetPrefix)}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case wire.ContentType, "application/x-amz-json-1.0", "application/json":
		case "application/x-amz-cbor-1.1", "application/cbor":
			return nil, &apiError{Code: "SerializationException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("fakekinesis: Content-Type %s: only JSON is supported (for the Java and KCL clients set AWS_CBOR_DISABLE=true)", ct)}
		default:
			return nil, &apiError{Code: "SerializationException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("fakekinesis: Content-Type %q: want %s", ct, wire.ContentType)}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &apiError{Code: "SerializationException", Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("fakekinesis: request body exceeds %d bytes", maxRequestBytes)}
		}
		return nil, &apiError{Code: "SerializationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("fakekinesis: read request body: %v", err)}
	}
	return body, nil
}

// dispatch runs one operation; the switch is the list of supported ones.
func (s *Server) dispatch(op string, body []byte) (smithy.Serializable, error) {
	switch op {
	case "CreateStream":
		return s.cmdCreateStream(body)
	case "DeleteStream":
		return s.cmdDeleteStream(body)
	case "DescribeStream":
		return s.cmdDescribeStream(body)
	case "DescribeStreamSummary":
		return s.cmdDescribeStreamSummary(body)
	case "ListStreams":
		return s.cmdListStreams(body)
	case "ListShards":
		return s.cmdListShards(body)
	case "GetShardIterator":
		return s.cmdGetShardIterator(body)
	case "PutRecord":
		return s.cmdPutRecord(body)
	case "PutRecords":
		return s.cmdPutRecords(body)
	case "GetRecords":
		return s.cmdGetRecords(body)
	}
	return nil, &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("fakekinesis: operation %s%s is not supported (supported: %s)", TargetPrefix, op, strings.Join(Operations(), ", "))}
}

// Operations lists the supported operations.
func Operations() []string {
	return []string{"CreateStream", "DeleteStream", "DescribeStream", "DescribeStreamSummary", "ListStreams",
		"ListShards", "GetShardIterator", "PutRecord", "PutRecords", "GetRecords"}
}

func (s *Server) writeError(w http.ResponseWriter, op string, start time.Time, err error) {
	code, msg, status := wire.WriteError(w, err)
	s.log.Debug("fakekinesis", "op", op, "status", status, "error", code, "message", msg, "duration", time.Since(start))
}
