package browser_test

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/mysqlengine"
)

const waitLimit = 30 * time.Second

const script = `<script>alert(1)</script>`

// escaped is script as html/template writes it in text and attributes.
var escaped = html.EscapeString(script)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return c
}

// session is one web browser: a cookie jar and the CSRF token of its
// cookie, on a fakedms server.
type session struct {
	t    *testing.T
	srv  *fakedms.Server
	c    *http.Client
	csrf string
}

func newSession(t *testing.T, opts ...fakedms.Option) *session {
	t.Helper()
	srv := fakedms.NewServer(append([]fakedms.Option{fakedms.WithSourceEngine(mysqlengine.Source())}, opts...)...)
	t.Cleanup(srv.Close)
	return open(t, srv)
}

// open starts a session on srv: it loads the overview for its cookie and
// token.
func open(t *testing.T, srv *fakedms.Server) *session {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := &session{t: t, srv: srv, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	status, body := s.get("/_minidms/")
	require.Equal(t, http.StatusOK, status, body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		// The overview has no form: take the token from a page that has.
		_, body = s.get("/_minidms/instances")
		m = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	}
	require.NotNil(t, m, "no CSRF token in %s", body)
	s.csrf = m[1]
	return s
}

func (s *session) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.srv.URL + path)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, string(b)
}

// post submits a form with the session's CSRF token; it returns the status
// and the body, or the redirect's location.
func (s *session) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	f := url.Values{"csrf": {s.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return s.postRaw(path, f)
}

func (s *session) postRaw(path string, form url.Values) (int, string) {
	s.t.Helper()
	resp, err := s.c.PostForm(s.srv.URL+path, form)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

func (s *session) dms() *dmsapi.Client {
	return s.srv.DMSClient(func(o *dmsapi.Options) { o.RetryMaxAttempts = 1 })
}

// eventually polls a page until cond holds for its body.
func (s *session) eventually(path string, cond func(body string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		_, body := s.get(path)
		if cond(body) {
			return body
		}
		require.True(s.t, time.Now().Before(deadline), "%s never matched; last:\n%s", path, body)
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *session) createInstance(id string) string {
	s.t.Helper()
	status, loc := s.post("/_minidms/instances/create", url.Values{"identifier": {id}, "class": {"dms.t3.micro"}})
	require.Equal(s.t, http.StatusSeeOther, status, loc)
	out, err := s.dms().DescribeReplicationInstances(ctx(s.t), &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-id"), Values: []string{id}}},
	})
	require.NoError(s.t, err)
	return *out.ReplicationInstances[0].ReplicationInstanceArn
}

func (s *session) createStream(name string) string {
	s.t.Helper()
	_, err := s.srv.KinesisClient().CreateStream(ctx(s.t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	require.NoError(s.t, err)
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + name
}

func (s *session) endpointArn(id string) string {
	s.t.Helper()
	out, err := s.dms().DescribeEndpoints(ctx(s.t), &dmsapi.DescribeEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-id"), Values: []string{id}}},
	})
	require.NoError(s.t, err)
	return *out.Endpoints[0].EndpointArn
}

func (s *session) createEndpoint(form url.Values) string {
	s.t.Helper()
	status, loc := s.post("/_minidms/endpoints/create", form)
	require.Equal(s.t, http.StatusSeeOther, status, loc)
	require.Equal(s.t, "/_minidms/endpoints", loc)
	return s.endpointArn(form.Get("identifier"))
}

func (s *session) taskArn(id string) string {
	s.t.Helper()
	out, err := s.dms().DescribeReplicationTasks(ctx(s.t), &dmsapi.DescribeReplicationTasksInput{
		Filters: []types.Filter{{Name: aws.String("replication-task-id"), Values: []string{id}}},
	})
	require.NoError(s.t, err)
	return *out.ReplicationTasks[0].ReplicationTaskArn
}

const selectAll = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`

// fixture is an instance, a MariaDB source endpoint (on a closed port
// unless db is given) and a Kinesis target on stream "cdc".
type fixture struct {
	instance, source, target string
}

func (s *session) fixture(db *dmstest.MySQLServer) fixture {
	s.t.Helper()
	f := fixture{instance: s.createInstance("inst")}
	src := url.Values{"identifier": {"src"}, "type": {"source"}, "engine": {"mariadb"},
		"server": {"127.0.0.1"}, "port": {"1"}, "username": {"u"}, "password": {"p"}}
	if db != nil {
		host, port, err := net.SplitHostPort(db.Addr)
		require.NoError(s.t, err)
		src["server"], src["port"] = []string{host}, []string{port}
		src["username"], src["password"], src["database"] = []string{db.User}, []string{db.Password}, []string{db.Database}
	}
	f.source = s.createEndpoint(src)
	f.target = s.createEndpoint(url.Values{"identifier": {"dst"}, "type": {"target"}, "engine": {"kinesis"},
		"stream_arn": {s.createStream("cdc")}, "message_format": {"json"}})
	return f
}

func (s *session) createTask(f fixture, id, mappings string, extra url.Values) (int, string) {
	s.t.Helper()
	form := url.Values{"identifier": {id}, "source": {f.source}, "target": {f.target}, "instance": {f.instance},
		"migration_type": {"full-load"}, "mappings": {mappings}}
	for k, v := range extra {
		form[k] = v
	}
	return s.post("/_minidms/tasks/create", form)
}

func TestPages(t *testing.T) {
	s := newSession(t)
	f := s.fixture(nil)
	status, loc := s.createTask(f, "t1", selectAll, nil)
	require.Equal(t, http.StatusSeeOther, status, loc)
	for path, want := range map[string][]string{
		"/_minidms/":           {"<title>minidms · minidms</title>", "replication instances", "1</span> replication tasks", "0</span> serverless replications"},
		"/_minidms/instances":  {"Replication instances", ">inst<", "available", `action="/_minidms/instances/create"`},
		"/_minidms/endpoints":  {">src<", ">dst<", "mariadb", "u@127.0.0.1:1", "arn:aws:kinesis:us-east-1:000000000000:stream/cdc", "No connection tested yet."},
		"/_minidms/tasks":      {`href="/_minidms/tasks/t1"`, "ready", "src → dst", `id="start-t1"`},
		"/_minidms/tasks/t1":   {"ReplicationTaskStats", `id="task-stats"`, "No table statistics.", `&#34;rule-name&#34;: &#34;all&#34;`, `id="start-t1"`, `id="delete-t1"`},
		"/_minidms/serverless": {"Serverless"},
		"/_minidms/kinesis":    {`href="/_minidms/kinesis?stream=cdc"`},
	} {
		t.Run(path, func(t *testing.T) {
			resp, err := s.c.Get(s.srv.URL + path)
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
			require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			for _, w := range want {
				require.Contains(t, string(b), w)
			}
			require.NotContains(t, string(b), "<script")
		})
	}
}

func TestRoutes(t *testing.T) {
	s := newSession(t)
	resp, err := s.c.Get(s.srv.URL + "/_minidms")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	require.Equal(t, "/_minidms/", resp.Header.Get("Location"))

	status, body := s.get("/_minidms/nothing")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "No page at /_minidms/nothing")

	resp, err = s.c.Get(s.srv.URL + "/_minidms/static/style.css")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/css")

	status, _ = s.get("/_minidms/tasks/create") // GET of an action is a (missing) task's page
	require.Equal(t, http.StatusNotFound, status)
	status, _ = s.post("/_minidms/tasks/explode", url.Values{"arn": {"x"}})
	require.Equal(t, http.StatusNotFound, status)

	// The API still answers on the same endpoint.
	_, err = s.dms().DescribeAccountAttributes(ctx(t), &dmsapi.DescribeAccountAttributesInput{})
	require.NoError(t, err)
}

func TestCSRF(t *testing.T) {
	s := newSession(t)
	form := url.Values{"identifier": {"inst"}, "class": {"dms.t3.micro"}}
	for _, action := range []string{"instances/create", "instances/delete", "endpoints/create", "endpoints/delete",
		"endpoints/test", "tasks/create", "tasks/start", "tasks/stop", "tasks/delete"} {
		t.Run(action, func(t *testing.T) {
			path := "/_minidms/" + action
			// No token.
			status, body := s.postRaw(path, form)
			require.Equal(t, http.StatusForbidden, status, body)
			require.Contains(t, body, "CSRF")
			// A wrong token.
			status, _ = s.postRaw(path, url.Values{"csrf": {s.csrf + "x"}, "identifier": {"inst"}})
			require.Equal(t, http.StatusForbidden, status)
			// The right token without the cookie it belongs to.
			resp, err := http.PostForm(s.srv.URL+path, url.Values{"csrf": {s.csrf}, "identifier": {"inst"}})
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
	// Another browser's token does not fit this browser's cookie.
	other := open(t, s.srv)
	require.NotEqual(t, s.csrf, other.csrf)
	status, _ := s.postRaw("/_minidms/instances/create", url.Values{"csrf": {other.csrf}, "identifier": {"inst"}, "class": {"dms.t3.micro"}})
	require.Equal(t, http.StatusForbidden, status)
	// Nothing was created by the refused requests; a GET changes nothing either.
	_, err := s.dms().DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{})
	require.ErrorContains(t, err, "ResourceNotFoundFault")
	// With the token it works.
	status, loc := s.post("/_minidms/instances/create", form)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/_minidms/instances", loc)

	// The cookie is HttpOnly and SameSite=Strict, scoped to the browser.
	resp, err := http.Get(s.srv.URL + "/_minidms/tasks")
	require.NoError(t, err)
	resp.Body.Close()
	c := resp.Cookies()
	require.Len(t, c, 1)
	require.True(t, c[0].HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c[0].SameSite)
	require.Equal(t, "/_minidms/", c[0].Path)
}

func TestInstances(t *testing.T) {
	s := newSession(t)
	arn := s.createInstance("inst-1")
	_, body := s.get("/_minidms/instances")
	require.Contains(t, body, ">inst-1<")
	require.Contains(t, body, "dms.t3.micro")

	// The API's own validation message, shown inline, the form kept.
	status, body := s.post("/_minidms/instances/create", url.Values{"identifier": {"1-bad"}, "class": {"dms.t3.micro"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `<p class="field-error" role="alert">InvalidParameterValueException: `)
	require.Contains(t, body, `value="1-bad"`)
	status, body = s.post("/_minidms/instances/create", url.Values{"identifier": {"inst-1"}, "class": {"dms.t3.micro"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "ResourceAlreadyExistsFault")
	status, body = s.post("/_minidms/instances/create", url.Values{"identifier": {"inst-2"}, "tags": {"no-equals-sign"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "want key=value")

	status, loc := s.post("/_minidms/instances/delete", url.Values{"arn": {arn}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	s.eventually("/_minidms/instances", func(b string) bool { return strings.Contains(b, "No replication instances.") })
	status, body = s.post("/_minidms/instances/delete", url.Values{"arn": {arn}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `<p class="error" role="alert" id="banner">ResourceNotFoundFault: `)
}

func TestEndpoints(t *testing.T) {
	s := newSession(t)
	f := s.fixture(nil)
	_, body := s.get("/_minidms/endpoints")
	require.Contains(t, body, ">src<")
	require.Contains(t, body, ">dst<")
	require.Contains(t, body, `<option value="arn:aws:kinesis:us-east-1:000000000000:stream/cdc">`)

	// Test connection: the Kinesis target succeeds, the source on a closed
	// port fails with the connection error as the API reports it.
	status, loc := s.post("/_minidms/endpoints/test", url.Values{"arn": {f.target}, "instance": {f.instance}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	status, loc = s.post("/_minidms/endpoints/test", url.Values{"arn": {f.source}, "instance": {f.instance}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	body = s.eventually("/_minidms/endpoints", func(b string) bool {
		return strings.Contains(b, "successful") && strings.Contains(b, "failed")
	})
	require.NotContains(t, body, `http-equiv="refresh"`, "refreshes only while a test runs")
	conns, err := s.dms().DescribeConnections(ctx(t), &dmsapi.DescribeConnectionsInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{f.source}}},
	})
	require.NoError(t, err)
	require.Contains(t, body, html.EscapeString(*conns.Connections[0].LastFailureMessage))

	status, body = s.post("/_minidms/endpoints/test", url.Values{"arn": {f.source}, "instance": {"arn:aws:dms:us-east-1:000000000000:rep:NOPE"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "ResourceNotFoundFault")

	// Create errors are the API's.
	status, body = s.post("/_minidms/endpoints/create", url.Values{"identifier": {"k2"}, "type": {"target"}, "engine": {"kinesis"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `<p class="field-error" role="alert">`)
	require.Contains(t, body, "StreamArn")
	require.Contains(t, body, `value="k2"`)
	status, body = s.post("/_minidms/endpoints/create", url.Values{"identifier": {"k3"}, "type": {"source"}, "engine": {"mysql"}, "port": {"x"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `port &#34;x&#34; is not a number`)

	// Delete: refused while a task uses it, with the API's message.
	status, loc = s.createTask(f, "uses-src", selectAll, nil)
	require.Equal(t, http.StatusSeeOther, status, loc)
	status, body = s.post("/_minidms/endpoints/delete", url.Values{"arn": {f.source}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "InvalidResourceStateFault")
	status, _ = s.post("/_minidms/tasks/delete", url.Values{"arn": {s.taskArn("uses-src")}, "id": {"uses-src"}})
	require.Equal(t, http.StatusSeeOther, status)
	s.eventually("/_minidms/tasks", func(b string) bool { return strings.Contains(b, "No replication tasks.") })
	status, loc = s.post("/_minidms/endpoints/delete", url.Values{"arn": {f.source}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	s.eventually("/_minidms/endpoints", func(b string) bool { return !strings.Contains(b, ">src<") })
}

func TestTaskCreateErrors(t *testing.T) {
	s := newSession(t)
	f := s.fixture(nil)
	for _, tc := range []struct {
		name, mappings, settings, field, message string
	}{
		{"bad json", `{"rules": [`, "", "mappings", "InvalidParameterValueException: Invalid Table Mappings document. Invalid json"},
		{"no selection", `{"rules": []}`, "", "mappings", "Error in mapping rules. At least one selection rule is required."},
		{"bad settings", selectAll, `{"TargetMetadata": 5}`, "settings", "InvalidParameterValueException: "},
		{"no mappings", "", "", "mappings", "The parameter TableMappings must be provided and must not be blank."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.createTask(f, "t1", tc.mappings, url.Values{"settings": {tc.settings}})
			require.Equal(t, http.StatusBadRequest, status)
			id := tc.field + "-error"
			m := regexp.MustCompile(`<p class="field-error" id="` + id + `" role="alert">([^<]*)</p>`).FindStringSubmatch(body)
			require.NotNil(t, m, "no %s in\n%s", id, body)
			require.Contains(t, html.UnescapeString(m[1]), tc.message)
			if tc.field != "form" {
				require.Contains(t, body, `aria-invalid="true" aria-describedby="`+id+`"`)
			}
			// What was typed is kept.
			require.Contains(t, body, `value="t1"`)
			require.Contains(t, body, ">"+html.EscapeString(tc.mappings)+"</textarea>")
			require.NotContains(t, body, `http-equiv="refresh"`)
		})
	}
	// Missing identifier: the API's message, not the SDK's.
	status, body := s.createTask(f, "", selectAll, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "ReplicationTaskIdentifier")
	require.NotContains(t, body, "validation error(s) found")
	// Wrong endpoint types.
	status, body = s.createTask(fixture{f.instance, f.target, f.source}, "swapped", selectAll, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "endpoint must be of type SOURCE")
}

func TestTaskActions(t *testing.T) {
	s := newSession(t)
	f := s.fixture(nil)
	status, loc := s.createTask(f, "t1", selectAll, url.Values{"tags": {"team=dms\nenv = test"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	require.Equal(t, "/_minidms/tasks/t1", loc)
	arn := s.taskArn("t1")
	body := s.eventually("/_minidms/tasks/t1", func(b string) bool { return strings.Contains(b, "status-ready") })
	require.Contains(t, body, "team=dms")
	require.Contains(t, body, "env=test")
	require.NotContains(t, body, `http-equiv="refresh"`, "a ready task does not refresh")

	// Stop of a task that is not running: the API's message, on the task's page.
	status, body = s.post("/_minidms/tasks/stop", url.Values{"arn": {arn}, "id": {"t1"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `id="banner">InvalidResourceStateFault: `)
	require.Contains(t, body, `id="task-status"`)
	// ... or on the list.
	status, body = s.post("/_minidms/tasks/stop", url.Values{"arn": {arn}, "id": {"t1"}, "from": {"list"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `id="banner">InvalidResourceStateFault: `)
	require.Contains(t, body, `id="create-task"`)
	require.NotContains(t, body, `http-equiv="refresh"`, "the list never reloads: it would lose what is typed in its form")

	// Start against a source that cannot be reached: the task fails with the
	// engine's message.
	status, loc = s.post("/_minidms/tasks/start", url.Values{"arn": {arn}, "id": {"t1"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	require.Equal(t, "/_minidms/tasks/t1", loc)
	body = s.eventually("/_minidms/tasks/t1", func(b string) bool { return strings.Contains(b, "status-failed") })
	require.Contains(t, body, "FATAL_ERROR")
	out, err := s.dms().DescribeReplicationTasks(ctx(t), &dmsapi.DescribeReplicationTasksInput{
		Filters: []types.Filter{{Name: aws.String("replication-task-arn"), Values: []string{arn}}},
	})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(out.ReplicationTasks[0].LastFailureMessage))
	require.Contains(t, body, html.EscapeString(*out.ReplicationTasks[0].LastFailureMessage))
	require.Contains(t, body, `id="resume-t1"`)
	require.Contains(t, body, `id="reload-t1"`)

	// start-replication a second time is refused by the API.
	status, body = s.post("/_minidms/tasks/start", url.Values{"arn": {arn}, "id": {"t1"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "InvalidParameterCombinationException: Start Type : START_REPLICATION, valid only for tasks running for the first time")

	status, loc = s.post("/_minidms/tasks/delete", url.Values{"arn": {arn}, "id": {"t1"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/_minidms/tasks", loc)
	s.eventually("/_minidms/tasks/t1", func(b string) bool { return strings.Contains(b, "Task not found") })
	status, body = s.get("/_minidms/tasks/t1")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "ResourceNotFoundFault")
}

// TestFullLoad runs a full-load task from the test environment's MariaDB
// to the built-in Kinesis through the pages.
func TestFullLoad(t *testing.T) {
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db,
		"CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))",
		"INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	s := newSession(t)
	f := s.fixture(&db)
	status, loc := s.createTask(f, "load", `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"`+db.Database+`","table-name":"%"},"rule-action":"include"}]}`, nil)
	require.Equal(t, http.StatusSeeOther, status, loc)
	status, loc = s.post("/_minidms/tasks/start", url.Values{"arn": {s.taskArn("load")}, "id": {"load"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	body := s.eventually("/_minidms/tasks/load", func(b string) bool { return strings.Contains(b, "status-stopped") })
	require.Contains(t, body, "FULL_LOAD_ONLY_FINISHED")
	require.Contains(t, body, "100 %")
	require.Regexp(t, `<td>`+db.Database+`</td><td>items</td><td>Table completed</td>\s*<td class="num">3</td>`, body)
	require.NotContains(t, body, `http-equiv="refresh"`)

	_, body = s.get("/_minidms/kinesis?stream=cdc")
	require.Regexp(t, `([4-9]) of ([4-9]) records, newest first.`, body) // 3 rows and control records
	for _, name := range []string{"one", "two", "three"} {
		require.Contains(t, body, "&#34;name&#34;: &#34;"+name+"&#34;")
	}

	// A CDC task: its page reloads itself while it runs and shows the
	// changes as they are replicated; stopped from the page.
	status, loc = s.createTask(f, "changes", `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"`+db.Database+`","table-name":"%"},"rule-action":"include"}]}`,
		url.Values{"migration_type": {"cdc"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	status, loc = s.post("/_minidms/tasks/start", url.Values{"arn": {s.taskArn("changes")}, "id": {"changes"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	body = s.eventually("/_minidms/tasks/changes", func(b string) bool { return strings.Contains(b, "status-running") })
	require.Contains(t, body, `<meta http-equiv="refresh" content="1">`)
	require.Contains(t, body, `id="stop-changes"`)
	dmstest.MySQLExec(t, db, "INSERT INTO items VALUES (4, 'four')", "UPDATE items SET name = 'uno' WHERE id = 1")
	s.eventually("/_minidms/tasks/changes", func(b string) bool {
		return regexp.MustCompile(`<td>items</td><td>[^<]*</td>\s*<td class="num">0</td><td class="num">1</td><td class="num">1</td>`).MatchString(b)
	})
	status, loc = s.post("/_minidms/tasks/stop", url.Values{"arn": {s.taskArn("changes")}, "id": {"changes"}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	body = s.eventually("/_minidms/tasks/changes", func(b string) bool { return strings.Contains(b, "status-stopped") })
	require.Contains(t, body, "Stop Reason NORMAL")
	require.NotContains(t, body, `http-equiv="refresh"`)
	_, body = s.get("/_minidms/kinesis?stream=cdc")
	require.Contains(t, body, "&#34;name&#34;: &#34;uno&#34;")
}

func TestEscaping(t *testing.T) {
	s := newSession(t)
	inst := s.createInstance("inst")
	status, loc := s.post("/_minidms/instances/create", url.Values{"identifier": {"inst2"}, "class": {"dms.t3.micro"}, "tags": {"x=" + script}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	src := s.createEndpoint(url.Values{"identifier": {"src"}, "type": {"source"}, "engine": {"mariadb"},
		"server": {script}, "port": {"3306"}, "username": {script}, "database": {script}, "extra": {script},
		"tags": {script + "=" + script}})
	dst := s.createEndpoint(url.Values{"identifier": {"dst"}, "type": {"target"}, "engine": {"kinesis"},
		"stream_arn": {s.createStream("cdc")}, "message_format": {"json"}, "tags": {"k=" + script}})
	mappings := `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"` + script + `","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`
	status, loc = s.createTask(fixture{inst, src, dst}, "t1", mappings, url.Values{"tags": {"t=" + script}})
	require.Equal(t, http.StatusSeeOther, status, loc)
	_, err := s.srv.KinesisClient().PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("cdc"),
		PartitionKey: aws.String(script), Data: []byte(`{"data":{"name":"` + script + `"}}`)})
	require.NoError(t, err)
	_, err = s.srv.KinesisClient().PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("cdc"),
		PartitionKey: aws.String("k"), Data: []byte(script)})
	require.NoError(t, err)

	// A failed create echoes what was typed, escaped.
	status, failed := s.createTask(fixture{inst, src, dst}, "t2", script, nil)
	require.Equal(t, http.StatusBadRequest, status)
	_, endpointsFailed := s.post("/_minidms/endpoints/create", url.Values{"identifier": {script}, "type": {"source"}, "engine": {"mysql"}, "server": {script}})

	pages := map[string]string{"task create error": failed, "endpoint create error": endpointsFailed}
	for _, p := range []string{"/_minidms/instances", "/_minidms/endpoints", "/_minidms/tasks", "/_minidms/tasks/t1", "/_minidms/kinesis?stream=cdc"} {
		_, pages[p] = s.get(p)
	}
	for name, body := range pages {
		t.Run(name, func(t *testing.T) {
			require.NotContains(t, body, "<script")
			if name != "/_minidms/tasks" {
				require.Contains(t, body, escaped)
			}
		})
	}
	require.Contains(t, pages["/_minidms/endpoints"], escaped+"@"+escaped+":3306/"+escaped)
	require.Contains(t, pages["/_minidms/endpoints"], `<span class="tag">`+escaped+"="+escaped+"</span>")
	require.Contains(t, pages["/_minidms/tasks/t1"], `&#34;rule-name&#34;: &#34;`+escaped+`&#34;`)
	require.Contains(t, pages["/_minidms/tasks/t1"], "t="+escaped)
	require.Contains(t, pages["/_minidms/kinesis?stream=cdc"], `&#34;name&#34;: &#34;`+escaped+`&#34;`)
	require.Contains(t, pages["/_minidms/kinesis?stream=cdc"], "partition key <b>"+escaped+"</b>")

	// A stream name in the query is escaped too (and is not found).
	status, body := s.get("/_minidms/kinesis?stream=" + url.QueryEscape(script))
	require.Equal(t, http.StatusNotFound, status)
	require.NotContains(t, body, "<script")
	require.Contains(t, body, "Stream "+escaped+" does not exist")
}

func TestKinesisViewer(t *testing.T) {
	s := newSession(t)
	s.createStream("b-stream")
	s.createStream("a-stream")
	kc := s.srv.KinesisClient()
	for i := range 5 {
		_, err := kc.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("a-stream"),
			PartitionKey: aws.String("pk" + strconv.Itoa(i)), Data: []byte(`{"n":` + strconv.Itoa(i) + `,"list":[1,2]}`)})
		require.NoError(t, err)
	}
	_, err := kc.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("b-stream"), PartitionKey: aws.String("x"), Data: []byte{0xff, 0x00}})
	require.NoError(t, err)

	_, body := s.get("/_minidms/kinesis")
	require.Less(t, strings.Index(body, "a-stream"), strings.Index(body, "b-stream"))
	require.NotContains(t, body, "records, newest first")

	_, body = s.get("/_minidms/kinesis?stream=a-stream")
	require.Contains(t, body, "5 of 5 records, newest first.")
	require.Contains(t, body, "{\n  &#34;n&#34;: 4,\n  &#34;list&#34;: [\n    1,\n    2\n  ]\n}") // indented
	require.Less(t, strings.Index(body, "pk4"), strings.Index(body, "pk0"), "newest first")

	_, body = s.get("/_minidms/kinesis?stream=a-stream&limit=2")
	require.Contains(t, body, "2 of 5 records, newest first.")
	require.Contains(t, body, "pk4")
	require.Contains(t, body, "pk3")
	require.NotContains(t, body, "pk2")

	_, body = s.get("/_minidms/kinesis?stream=b-stream")
	require.Contains(t, body, "base64: /wA=")

	status, body := s.get("/_minidms/kinesis?stream=a-stream&limit=0")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "want a number from 1 to 10000")
	status, _ = s.get("/_minidms/kinesis?stream=nope")
	require.Equal(t, http.StatusNotFound, status)
}

func TestKinesisViewerExternal(t *testing.T) {
	s := newSession(t, fakedms.WithKinesisEndpoint("http://127.0.0.1:1"))
	status, body := s.get("/_minidms/kinesis")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "the viewer shows the built-in Kinesis only")
}

// TestServerless lists serverless configs and replications with their
// status, and says so when the API does not serve them.
func TestServerless(t *testing.T) {
	s := newSession(t)
	s.srv.SetError("DescribeReplicationConfigs", &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "no serverless here"})
	status, body := s.get("/_minidms/serverless")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `id="serverless-unavailable"`)
	require.Contains(t, body, "UnknownOperationException: no serverless here")
	s.srv.SetError("DescribeReplicationConfigs", nil)

	f := s.fixture(nil)
	status, body = s.get("/_minidms/serverless")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "No replication configs.")
	require.Contains(t, body, "No replications.")
	_, err := s.dms().CreateReplicationConfig(ctx(t), &dmsapi.CreateReplicationConfigInput{
		ReplicationConfigIdentifier: aws.String("conf"),
		SourceEndpointArn:           aws.String(f.source),
		TargetEndpointArn:           aws.String(f.target),
		ReplicationType:             types.MigrationTypeValueFullLoad,
		TableMappings:               aws.String(selectAll),
		ComputeConfig:               &types.ComputeConfig{MaxCapacityUnits: aws.Int32(4), MinCapacityUnits: aws.Int32(1)},
		Tags:                        []types.Tag{{Key: aws.String("k"), Value: aws.String(script)}},
	})
	require.NoError(t, err)
	_, body = s.get("/_minidms/serverless")
	require.Contains(t, body, ">conf<")
	require.Contains(t, body, "src → dst")
	require.Contains(t, body, "1–4")
	require.NotContains(t, body, "<script")

	// A started replication shows its status as the API reports it; its
	// source cannot be reached, so it ends failed with the API's message.
	confs, err := s.dms().DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{})
	require.NoError(t, err)
	_, err = s.dms().StartReplication(ctx(t), &dmsapi.StartReplicationInput{
		ReplicationConfigArn: confs.ReplicationConfigs[0].ReplicationConfigArn, StartReplicationType: aws.String("start-replication"),
	})
	require.NoError(t, err)
	body = s.eventually("/_minidms/serverless", func(b string) bool { return strings.Contains(b, "status-failed") })
	reps, err := s.dms().DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{})
	require.NoError(t, err)
	require.Equal(t, "failed", aws.ToString(reps.Replications[0].Status))
	require.NotEmpty(t, reps.Replications[0].FailureMessages)
	require.Contains(t, body, html.EscapeString(reps.Replications[0].FailureMessages[0]))
	require.NotContains(t, body, `http-equiv="refresh"`)
}

// TestSignedServer: with WithCredentials the API refuses unsigned calls,
// while the pages, whose calls the server makes itself, keep working.
func TestSignedServer(t *testing.T) {
	s := newSession(t, fakedms.WithCredentials("AKIDBROWSERTEST", "secret"))
	s.createInstance("inst")
	_, body := s.get("/_minidms/instances")
	require.Contains(t, body, ">inst<")
	require.NotContains(t, body, `class="error"`)
	resp, err := http.Post(s.srv.URL+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "unsigned API calls are refused")
}

// TestEndpointSettingsJSON: members of CreateEndpointInput the form has no
// field for, given as JSON.
func TestEndpointSettingsJSON(t *testing.T) {
	s := newSession(t)
	arn := s.createEndpoint(url.Values{"identifier": {"src"}, "type": {"source"}, "engine": {"mysql"},
		"input": {`{"MySQLSettings": {"ServerName": "db.internal", "Port": 3307, "Username": "u"}, "SslMode": "require"}`}})
	out, err := s.dms().DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{arn}}},
	})
	require.NoError(t, err)
	ep := out.Endpoints[0]
	require.Equal(t, "db.internal", aws.ToString(ep.MySQLSettings.ServerName))
	require.Equal(t, int32(3307), aws.ToInt32(ep.MySQLSettings.Port))
	require.Equal(t, types.DmsSslModeValueRequire, ep.SslMode)

	for _, doc := range []string{`{"MySQLSettings": `, `{"NoSuchMember": 1}`, `[1]`} {
		status, body := s.post("/_minidms/endpoints/create", url.Values{"identifier": {"e2"}, "type": {"source"}, "engine": {"mysql"}, "input": {doc}})
		require.Equal(t, http.StatusBadRequest, status, doc)
		require.Contains(t, body, `<p class="field-error" role="alert">More settings: not a JSON object of CreateEndpointInput members: `)
		require.Contains(t, body, ">"+html.EscapeString(doc)+"</textarea>")
	}
}
