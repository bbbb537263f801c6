package browser

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/minidms/minidms/fakedms/fakekinesis"
)

// Prefix is the path under which the browser is served. No AWS API uses
// it (an S3 bucket cannot be named _minidms).
const Prefix = "/_minidms/"

const (
	cookieName   = "minidms_csrf"
	maxFormBytes = 8 << 20
)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure a Browser.
type Options struct {
	// Region and Account are the server's; Account names the built-in
	// Kinesis's stream ARNs offered on the endpoint form.
	Region, Account string
	// Kinesis is the built-in Kinesis whose streams the viewer shows; nil
	// when Kinesis targets write to another endpoint.
	Kinesis *fakekinesis.Server
}

// Browser is the resource browser as an http.Handler for paths under
// Prefix. It is safe for concurrent use.
type Browser struct {
	dms     *dmsapi.Client
	opts    Options
	secret  []byte // of the CSRF tokens
	pages   map[string]*template.Template
	static  http.Handler
	handler http.Handler
}

// New returns a browser whose every DMS call is served by api, the DMS API
// handler (fakedms's routing), in process.
func New(api http.Handler, opts Options) *Browser {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	b := &Browser{opts: opts, secret: make([]byte, 32), pages: parsePages()}
	rand.Read(b.secret)
	b.dms = dmsapi.New(dmsapi.Options{
		Region:       opts.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("minidms-browser", "minidms-browser", ""),
		BaseEndpoint: aws.String("http://fakedms.internal"),
		HTTPClient:   &http.Client{Transport: inProcess{api}},
		Retryer:      aws.NopRetryer{}, // one click, one call
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			// Let the API, not the SDK, report missing members. Operations
			// without required members have no such step.
			s.Initialize.Remove("OperationInputValidation")
			return nil
		}},
	})
	static, _ := fs.Sub(files, "static")
	b.static = http.StripPrefix(Prefix+"static/", http.FileServerFS(static))
	b.handler = b.routes()
	return b
}

func (b *Browser) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"{$}", b.overview)
	mux.Handle("GET "+Prefix+"static/", b.static)
	mux.HandleFunc("GET "+Prefix+"instances", b.instancesPage)
	mux.HandleFunc("POST "+Prefix+"instances/create", b.post(b.createInstance))
	mux.HandleFunc("POST "+Prefix+"instances/delete", b.post(b.deleteInstance))
	mux.HandleFunc("GET "+Prefix+"endpoints", b.endpointsPage)
	mux.HandleFunc("POST "+Prefix+"endpoints/create", b.post(b.createEndpoint))
	mux.HandleFunc("POST "+Prefix+"endpoints/delete", b.post(b.deleteEndpoint))
	mux.HandleFunc("POST "+Prefix+"endpoints/test", b.post(b.testConnection))
	mux.HandleFunc("GET "+Prefix+"tasks", b.tasksPage)
	mux.HandleFunc("POST "+Prefix+"tasks/create", b.post(b.createTask))
	mux.HandleFunc("POST "+Prefix+"tasks/{action}", b.post(b.taskAction))
	mux.HandleFunc("GET "+Prefix+"tasks/{id}", b.taskPage)
	mux.HandleFunc("GET "+Prefix+"serverless", b.serverlessPage)
	mux.HandleFunc("GET "+Prefix+"kinesis", b.kinesisPage)
	mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		b.render(w, r, http.StatusNotFound, "error", &page{Title: "Not found", Error: "No page at " + r.URL.Path})
	})
	return mux
}

// ServeHTTP serves the pages under Prefix.
func (b *Browser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	b.handler.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string // the active navigation entry
	CSRF    string
	Error   string // a banner: the API's message of a failed action
	Refresh int    // seconds until the page reloads itself; 0 never
	Data    any
}

func (b *Browser) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.CSRF = b.token(w, r)
	var buf bytes.Buffer
	if err := b.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, "minidms browser: render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// redirect answers a successful POST (post/redirect/get).
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// CSRF: the token of a browser is the HMAC of its random cookie under the
// Browser's secret; a POST must carry it in the form field csrf.

func (b *Browser) token(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(cookieName); err == nil && validCookie(c.Value) {
		v = c.Value
	} else {
		var raw [16]byte
		rand.Read(raw[:])
		v = hex.EncodeToString(raw[:])
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: v, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	return b.sign(v)
}

func validCookie(v string) bool {
	_, err := hex.DecodeString(v)
	return err == nil && len(v) == 32
}

func (b *Browser) sign(v string) string {
	mac := hmac.New(sha256.New, b.secret)
	mac.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (b *Browser) validToken(r *http.Request) bool {
	c, err := r.Cookie(cookieName)
	if err != nil || !validCookie(c.Value) {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(b.sign(c.Value)))
}

// post wraps a state-changing action: it parses the form and refuses a
// request without a valid CSRF token with 403.
func (b *Browser) post(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "minidms browser: bad form: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !b.validToken(r) {
			http.Error(w, "minidms browser: missing or invalid CSRF token; reload the page and try again", http.StatusForbidden)
			return
		}
		f(w, r)
	}
}

// Errors of the API.

// message is the API's code and message of a failed call.
func message(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func errorCode(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode()
	}
	return ""
}

// list calls a Describe operation page after page; an operation that
// answers ResourceNotFoundFault for an empty listing gives nil.
func list[In, Out, T any](ctx context.Context, in *In, marker func(*In) **string,
	call func(context.Context, *In, ...func(*dmsapi.Options)) (*Out, error),
	items func(*Out) ([]T, *string)) ([]T, error) {
	var all []T
	for range 1000 {
		out, err := call(ctx, in)
		if err != nil {
			if errorCode(err) == "ResourceNotFoundFault" && len(all) == 0 {
				return nil, nil
			}
			return all, err
		}
		got, next := items(out)
		all = append(all, got...)
		if aws.ToString(next) == "" {
			break
		}
		*marker(in) = next
	}
	return all, nil
}

// inProcess serves the SDK client's requests with the API handler.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Template functions.

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"str":    str,
		"when":   when,
		"pretty": prettyJSON,
		"data":   recordData,
		"short":  shortArn,
		"millis": func(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() },
		"list":   func(v ...string) []string { return v },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", n))
	}
	return pages
}

// str renders a pointer's value, "" for nil.
func str(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return ""
	}
	if t, ok := rv.Interface().(time.Time); ok {
		return t.UTC().Format(time.DateTime)
	}
	return fmt.Sprint(rv.Interface())
}

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// prettyJSON indents a JSON document, or gives it back as it is.
func prettyJSON(doc *string) string {
	s := aws.ToString(doc)
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") != nil {
		return s
	}
	return buf.String()
}

// recordData renders a record's data: indented JSON, text, or base64 for
// binary data.
func recordData(data []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, data, "", "  ") == nil {
		return buf.String()
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return "base64: " + base64.StdEncoding.EncodeToString(data)
}

// shortArn is the last segment of an ARN.
func shortArn(arn *string) string {
	s := aws.ToString(arn)
	if i := strings.LastIndexAny(s, ":/"); i >= 0 {
		return s[i+1:]
	}
	return s
}
