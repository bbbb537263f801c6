package fakedms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms/browser"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakes3"
	"github.com/minidms/minidms/fakedms/internal/sdkhttp"

	"github.com/minidms/minidms/fakedms/internal/wire"
)

// TargetPrefix is the X-Amz-Target prefix of every DMS operation.
const TargetPrefix = "AmazonDMSv20160101."

const (
	maxRequestBytes = 8 << 20
)

// Service is another API served on the same endpoint, chosen per request by
// Handles; *fakekinesis.Server and *fakes3.Server are two.
type Service interface {
	http.Handler
	Handles(r *http.Request) bool
}

type config struct {
	region, account string
	now             func() time.Time
	log             *slog.Logger
	stateDelay      time.Duration
	kinesisEndpoint string
	s3Endpoint      string
	errors          map[string]error
	services        []Service
	serverless      serverlessTiming  // state_serverless.go
	secrets         map[string]string // WithCredentials: access key id → secret
	firstKeyID      string
	dataDir         string // WithDataDir (persist.go)
	sourceEngines   []SourceEngine
}

// Option configures a Handler or Server.
type Option func(*config)

// WithRegion sets the region of ARNs and of the AWS config (default
// us-east-1).
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithAccount sets the account id of ARNs (default 000000000000).
func WithAccount(account string) Option { return func(c *config) { c.account = account } }

// WithClock replaces time.Now for resource dates, state delays, the engine
// and the built-in Kinesis. It is called from concurrent goroutines.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger logs one line per API call and the engine's task events. The
// server is silent by default.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithStateDelay makes resources stay in their transitional states
// (creating, deleting, modifying, rebooting, testing) for d before they
// move on. The default, 0, still reports the transitional state in the
// response of the call that causes it; the next describe sees the next
// state. Task starts are not delayed: see the package documentation.
func WithStateDelay(d time.Duration) Option { return func(c *config) { c.stateDelay = d } }

// WithKinesisEndpoint makes Kinesis targets write to the Kinesis API at url
// (kinesalite, LocalStack, AWS) instead of the built-in one, which is then
// not served.
func WithKinesisEndpoint(url string) Option { return func(c *config) { c.kinesisEndpoint = url } }

// WithError makes every call of the DMS operation op (such as
// "StartReplicationTask") fail with err; see [Handler.SetError].
func WithError(op string, err error) Option {
	return func(c *config) { c.errors[op] = err }
}

// WithCredentials makes the server verify the SigV4 signature of every
// request against the given key pairs (call it once per pair), answering
// unsigned or wrongly signed requests with AWS's errors
// (MissingAuthenticationTokenException, UnrecognizedClientException,
// InvalidSignatureException) before they reach any service. The server's
// own clients (AWSConfig) sign with the first pair. The resource browser's
// pages are not signed requests and stay reachable.
func WithCredentials(accessKeyID, secretAccessKey string) Option {
	return func(c *config) {
		if c.secrets == nil {
			c.secrets = map[string]string{}
			c.firstKeyID = accessKeyID
		}
		c.secrets[accessKeyID] = secretAccessKey
	}
}

// WithService serves another API on the same endpoint, for requests that
// svc.Handles and that are neither DMS nor built-in Kinesis calls; it is
// asked before the built-in S3, which takes every other request without
// X-Amz-Target.
func WithService(svc Service) Option { return func(c *config) { c.services = append(c.services, svc) } }

// Handler is the DMS API (and the built-in Kinesis) as an http.Handler,
// for serving without httptest (as fakedms/cmd/fakedms does). Close stops
// its tasks. It is safe for concurrent use.
type Handler struct {
	cfg     config
	engine  *dms.Engine
	kinesis *fakekinesis.Server // nil with WithKinesisEndpoint
	// kinesisClient is what Kinesis targets and connection tests use: the
	// built-in Kinesis in process, or the external endpoint.
	kinesisClient *kinesis.Client
	transport     *http.Transport          // of the external Kinesis and S3 clients, closed by Close
	s3            *fakes3.Server           // nil with WithS3Endpoint
	s3Access      s3Access                 // what S3 sources read with (engines_s3.go)
	sources       map[string]sourceFactory // by EngineName (engines.go)

	ui *browser.Browser // the resource browser, under browser.Prefix (/_minidms/)
	// signed verifies signatures before routing (WithCredentials); nil
	// accepts every request.
	signed *sigVerifier

	// ctx ends when Close is called; background work (connection tests,
	// stops, task watchers) runs under it and is counted in wg.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	st      state
	persist *persister // nil without WithDataDir (persist.go)
}

// NewHandler returns a handler with no resources, or those of the data
// directory (WithDataDir); it panics when they cannot be loaded.
func NewHandler(opts ...Option) *Handler {
	h, err := Open(opts...)
	if err != nil {
		panic(err)
	}
	return h
}

// Open is NewHandler returning the error of loading the data directory
// (WithDataDir: an unknown version, a corrupt file) instead of panicking.
func Open(opts ...Option) (*Handler, error) {
	cfg := config{
		region:  "us-east-1",
		account: "000000000000",
		now:     time.Now,
		log:     slog.New(slog.DiscardHandler),
		errors:  map[string]error{},
	}
	for _, o := range opts {
		o(&cfg)
	}
	h := &Handler{cfg: cfg, st: newState(), sources: sourceFactories(cfg.sourceEngines)}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.engine = dms.NewEngine(dms.WithLogger(cfg.log), dms.WithClock(cfg.now))
	creds := credentials.NewStaticCredentialsProvider("fakedms", "fakedms", "")
	if cfg.kinesisEndpoint == "" {
		h.kinesis = fakekinesis.New(fakekinesis.WithRegion(cfg.region), fakekinesis.WithAccount(cfg.account),
			fakekinesis.WithClock(cfg.now), fakekinesis.WithLogger(cfg.log))
		h.kinesisClient = kinesis.New(kinesis.Options{
			Region:       cfg.region,
			Credentials:  creds,
			BaseEndpoint: aws.String("http://fakedms.internal"),
			HTTPClient:   &http.Client{Transport: inProcess{h.kinesis}},
		})
	} else {
		h.transport = http.DefaultTransport.(*http.Transport).Clone()
		h.kinesisClient = kinesis.New(kinesis.Options{
			Region:       cfg.region,
			Credentials:  creds,
			BaseEndpoint: aws.String(cfg.kinesisEndpoint),
			HTTPClient:   sdkhttp.RaceFree(&http.Client{Transport: h.transport}),
		})
	}
	h.setUpS3(creds)
	if cfg.secrets != nil {
		h.signed = &sigVerifier{secrets: cfg.secrets, now: cfg.now, next: http.HandlerFunc(h.route),
			write: func(w http.ResponseWriter, err *apiError) { h.writeError(w, "", time.Now(), err) }}
	}
	// The browser's calls are the server's own: routed past the signature check.
	h.ui = browser.New(http.HandlerFunc(h.route), browser.Options{Region: cfg.region, Account: cfg.account, Kinesis: h.kinesis})
	if err := h.openDataDir(); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// Kinesis returns the built-in Kinesis, for its test helpers (Records), or
// nil when an external Kinesis endpoint is configured.
func (h *Handler) Kinesis() *fakekinesis.Server { return h.kinesis }

// Close stops every task, waits for all background work and, with
// WithDataDir, saves the state a last time (the tasks it stopped are
// saved stopped, Stop Reason NORMAL). The handler must not be used
// afterwards.
func (h *Handler) Close() error {
	h.cancel()
	err := h.engine.Close()
	h.wg.Wait()
	saved := h.closeDataDir()
	if h.transport != nil {
		h.transport.CloseIdleConnections()
	}
	if err != nil {
		return errors.Join(fmt.Errorf("fakedms: stop tasks: %w", err), saved)
	}
	return saved
}

// goBackground runs f in the background under the handler's context, so
// that Close can end it and wait for it.
func (h *Handler) goBackground(f func(ctx context.Context)) {
	h.wg.Go(func() { f(h.ctx) })
}

// ServeHTTP routes DMS calls (X-Amz-Target AmazonDMSv20160101.<Op>) to the
// DMS API, Kinesis calls to the built-in Kinesis, then to the services
// added with WithService, and other requests without X-Amz-Target to the
// built-in S3.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.signed != nil && !strings.HasPrefix(r.URL.Path+"/", browser.Prefix) {
		h.signed.ServeHTTP(w, r)
		return
	}
	h.route(w, r)
}

// route hands a request to the service it is for.
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, TargetPrefix):
		h.serveDMS(w, r, strings.TrimPrefix(target, TargetPrefix))
		return
	case h.kinesis != nil && h.kinesis.Handles(r):
		h.kinesis.ServeHTTP(w, r)
		return
	case strings.HasPrefix(r.URL.Path+"/", browser.Prefix):
		h.ui.ServeHTTP(w, r)
		return
	}
	for _, svc := range h.cfg.services {
		if svc.Handles(r) {
			svc.ServeHTTP(w, r)
			return
		}
	}
	if h.serveS3(w, r) {
		return
	}
	h.writeError(w, "", time.Now(), &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("fakedms: %s %s with X-Amz-Target %q is not a DMS (%s<Operation>) or Kinesis call", r.Method, r.URL.Path, target, TargetPrefix)})
}

func (h *Handler) serveDMS(w http.ResponseWriter, r *http.Request, op string) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			h.cfg.log.Error("fakedms: panic", "op", op, "panic", p)
			h.writeError(w, op, start, &apiError{Code: "InternalFailure", Status: http.StatusInternalServerError,
				Message: fmt.Sprintf("fakedms: internal error in %s: %v", op, p)})
		}
	}()
	if r.Method != http.MethodPost {
		h.writeError(w, op, start, &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("fakedms: %s %s: DMS calls are POST", r.Method, r.URL.Path)})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBytes))
	if err != nil {
		h.writeError(w, op, start, serializationErr("fakedms: read request body: %v", err))
		return
	}
	out, err := h.dispatch(r.Context(), op, body)
	if err != nil {
		h.writeError(w, op, start, err)
		return
	}
	payload, err := encodeJSON(out)
	if err != nil {
		h.writeError(w, op, start, &apiError{Code: "InternalFailure", Status: http.StatusInternalServerError,
			Message: fmt.Sprintf("fakedms: encode %s response: %v", op, err)})
		return
	}
	hd := w.Header()
	hd.Set("x-amzn-RequestId", wire.RequestID())
	hd.Set("Content-Type", wire.ContentType)
	hd.Set("Content-Length", fmt.Sprint(len(payload)))
	w.WriteHeader(http.StatusOK)
	w.Write(payload)
	h.cfg.log.Info("fakedms", "op", op, "status", http.StatusOK, "duration", time.Since(start))
}

// handlerFunc is one operation: it decodes its input from body.
type handlerFunc func(h *Handler, ctx context.Context, body []byte) (any, error)

// op adapts a typed operation to a handlerFunc.
func op[In any, Out any](f func(h *Handler, ctx context.Context, in *In) (*Out, error)) handlerFunc {
	return func(h *Handler, ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decodeJSON(body, in); err != nil {
			return nil, serializationErr("fakedms: %v", err)
		}
		return f(h, ctx, in)
	}
}

// operations is the list of supported operations; each cmd_*.go file
// holds one family.
func operations() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateReplicationInstance":             op((*Handler).createReplicationInstance),
		"DescribeReplicationInstances":          op((*Handler).describeReplicationInstances),
		"ModifyReplicationInstance":             op((*Handler).modifyReplicationInstance),
		"DeleteReplicationInstance":             op((*Handler).deleteReplicationInstance),
		"RebootReplicationInstance":             op((*Handler).rebootReplicationInstance),
		"DescribeOrderableReplicationInstances": op((*Handler).describeOrderableReplicationInstances),
		"DescribeEngineVersions":                op((*Handler).describeEngineVersions),
		"CreateReplicationSubnetGroup":          op((*Handler).createReplicationSubnetGroup),
		"DescribeReplicationSubnetGroups":       op((*Handler).describeReplicationSubnetGroups),
		"ModifyReplicationSubnetGroup":          op((*Handler).modifyReplicationSubnetGroup),
		"DeleteReplicationSubnetGroup":          op((*Handler).deleteReplicationSubnetGroup),
		"CreateEndpoint":                        op((*Handler).createEndpoint),
		"DescribeEndpoints":                     op((*Handler).describeEndpoints),
		"ModifyEndpoint":                        op((*Handler).modifyEndpoint),
		"DeleteEndpoint":                        op((*Handler).deleteEndpoint),
		"DescribeEndpointTypes":                 op((*Handler).describeEndpointTypes),
		"DescribeEndpointSettings":              op((*Handler).describeEndpointSettings),
		"TestConnection":                        op((*Handler).testConnection),
		"DescribeConnections":                   op((*Handler).describeConnections),
		"DeleteConnection":                      op((*Handler).deleteConnection),
		"CreateReplicationTask":                 op((*Handler).createReplicationTask),
		"DescribeReplicationTasks":              op((*Handler).describeReplicationTasks),
		"ModifyReplicationTask":                 op((*Handler).modifyReplicationTask),
		"DeleteReplicationTask":                 op((*Handler).deleteReplicationTask),
		"StartReplicationTask":                  op((*Handler).startReplicationTask),
		"StopReplicationTask":                   op((*Handler).stopReplicationTask),
		"ReloadTables":                          op((*Handler).reloadTables),
		"DescribeTableStatistics":               op((*Handler).describeTableStatistics),
		"CreateReplicationConfig":               op((*Handler).createReplicationConfig),
		"DescribeReplicationConfigs":            op((*Handler).describeReplicationConfigs),
		"ModifyReplicationConfig":               op((*Handler).modifyReplicationConfig),
		"DeleteReplicationConfig":               op((*Handler).deleteReplicationConfig),
		"StartReplication":                      op((*Handler).startReplication),
		"StopReplication":                       op((*Handler).stopReplication),
		"DescribeReplications":                  op((*Handler).describeReplications),
		"DescribeReplicationTableStatistics":    op((*Handler).describeReplicationTableStatistics),
		"ReloadReplicationTables":               op((*Handler).reloadReplicationTables),
		"AddTagsToResource":                     op((*Handler).addTagsToResource),
		"RemoveTagsFromResource":                op((*Handler).removeTagsFromResource),
		"ListTagsForResource":                   op((*Handler).listTagsForResource),
		"DescribeAccountAttributes":             op((*Handler).describeAccountAttributes),
		"DescribeEvents":                        op((*Handler).describeEvents),
	}
}

// Operations lists the supported DMS operations, sorted.
func Operations() []string {
	ops := operations()
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (h *Handler) dispatch(ctx context.Context, op string, body []byte) (any, error) {
	f, ok := operations()[op]
	if !ok {
		return nil, &apiError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("fakedms: operation %s%s is not supported (supported: %s)", TargetPrefix, op, strings.Join(Operations(), ", "))}
	}
	h.mu.Lock()
	injected := h.cfg.errors[op]
	h.mu.Unlock()
	if injected != nil {
		return nil, injected
	}
	return h.afterCall(op)(f(h, ctx, body))
}

func (h *Handler) writeError(w http.ResponseWriter, op string, start time.Time, err error) {
	code, msg, status := wire.WriteError(w, err)
	h.cfg.log.Info("fakedms", "op", op, "status", status, "error", code, "message", msg, "duration", time.Since(start))
}

// inProcess is an http.RoundTripper that serves requests with a handler in
// the same process: the engine's Kinesis targets reach the built-in Kinesis
// without a listener (NewHandler has none) and without a loopback hop.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Server is a Handler listening on a local httptest server.
type Server struct {
	*Handler
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL       string
	ts        *httptest.Server
	transport *http.Transport
}

// NewServer starts a server on 127.0.0.1 with no resources. Close it.
func NewServer(opts ...Option) *Server {
	h := NewHandler(opts...)
	ts := httptest.NewServer(h)
	return &Server{Handler: h, URL: ts.URL, ts: ts, transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// Close stops listening (waiting for the calls in progress), then stops
// every task and waits for all background work.
func (s *Server) Close() {
	s.ts.Close()
	s.Handler.Close()
	s.transport.CloseIdleConnections()
}

// AWSConfig returns an aws.Config for this server: its region, static
// credentials and the server's URL as BaseEndpoint.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.cfg.region,
		Credentials:  credentials.NewStaticCredentialsProvider(s.cfg.clientKeyPair()),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   sdkhttp.RaceFree(&http.Client{Transport: s.transport}),
	}
}

// DMSClient returns a DMS client for this server.
func (s *Server) DMSClient(optFns ...func(*dmsapi.Options)) *dmsapi.Client {
	return dmsapi.NewFromConfig(s.AWSConfig(), optFns...)
}

// KinesisClient returns a Kinesis client for this server's Kinesis.
func (s *Server) KinesisClient(optFns ...func(*kinesis.Options)) *kinesis.Client {
	if s.cfg.kinesisEndpoint != "" {
		optFns = append([]func(*kinesis.Options){func(o *kinesis.Options) { o.BaseEndpoint = aws.String(s.cfg.kinesisEndpoint) }}, optFns...)
	}
	return kinesis.NewFromConfig(s.AWSConfig(), optFns...)
}
