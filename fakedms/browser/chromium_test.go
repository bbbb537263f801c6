package browser_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/fakedms/mysqlengine"
)

// chromiumPath finds Debian's Chromium (installed by the test environment).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (make testenv-start installs it); CI=true makes this a failure")
	}
	t.Skip("chromium is not installed (make testenv-start installs it)")
	return ""
}

// chrome starts a headless Chromium for the test and returns its context.
func chrome(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // we run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first Run starts the browser; it lives as long as ctx.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// within runs an action with a time limit.
func within[T any](t *testing.T, ctx context.Context, d time.Duration, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	v, err := chromedp.Run(c, a)
	require.NoError(t, err)
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	within(t, ctx, 20*time.Second, chromedp.Steps(steps...))
}

// waitText waits, without navigating (the page reloads itself), until the
// text of the element with the id matches the regular expression want.
func waitText(t *testing.T, ctx context.Context, id, want string) string {
	t.Helper()
	return waitPage(t, ctx, "", id, want)
}

// waitPage waits until the text of the element with the id matches want,
// loading url again before each look unless it is "".
func waitPage(t *testing.T, ctx context.Context, url, id, want string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		var err error
		if url != "" {
			err = chromedp.Do(c, chromedp.Navigate(url))
		}
		var text string
		if err == nil {
			text, err = chromedp.Run(c, chromedp.Text(chromedp.ID(id)))
		}
		cancel()
		if err == nil {
			last = text
			if regexp.MustCompile(want).MatchString(text) {
				return text
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("#%s never showed %q; last %q", id, want, last)
	return ""
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := within(t, ctx, 20*time.Second, chromedp.FullScreenshot(100)) // 100: PNG
	path := filepath.Join(t.ArtifactDir(), name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// TestChromium drives the pages with Chromium: it creates an instance, an
// endpoint pair and a task through the forms (seeing the API's error for a
// bad table mapping inline first), starts the task, a full load from the
// test environment's MariaDB into the built-in Kinesis, watches its page
// refresh itself until the task is stopped with its table statistics,
// reads the records in the stream viewer (one holds a <script> element,
// shown as text), runs a CDC task whose page, left alone, shows rows
// inserted meanwhile, stops it, and deletes both tasks.
func TestChromium(t *testing.T) {
	ctx := chrome(t)
	db := dmstest.MySQL(t)
	dmstest.MySQLExec(t, db,
		"CREATE TABLE fruit (id INT PRIMARY KEY, name VARCHAR(60))",
		"INSERT INTO fruit VALUES (1, 'apple'), (2, 'pear'), (3, '"+script+"')")
	srv := fakedms.NewServer(fakedms.WithSourceEngine(mysqlengine.Source()))
	t.Cleanup(srv.Close)
	_, err := srv.KinesisClient().CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("fruit-cdc"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(db.Addr)
	require.NoError(t, err)
	base := srv.URL + "/_minidms/"

	do(t, ctx, chromedp.Navigate(base+"instances"),
		chromedp.SendKeys(chromedp.CSS(`#create-instance input[name=identifier]`), "browser-instance"),
		chromedp.Click(chromedp.CSS(`#create-instance button`)),
		chromedp.WaitVisible(chromedp.Search(`//td[text()="browser-instance"]`)),
	)

	do(t, ctx, chromedp.Navigate(base+"endpoints"),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=identifier]`), "fruit-db"),
		chromedp.SetValue(chromedp.CSS(`#create-endpoint select[name=type]`), "source"),
		chromedp.SetValue(chromedp.CSS(`#create-endpoint select[name=engine]`), "mariadb"),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=server]`), host),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=port]`), port),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=username]`), db.User),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=password]`), db.Password),
		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=database]`), db.Database),
		chromedp.Click(chromedp.CSS(`#create-endpoint button`)),
		chromedp.WaitVisible(chromedp.Search(`//td[text()="fruit-db"]`)),

		chromedp.SendKeys(chromedp.CSS(`#create-endpoint input[name=identifier]`), "fruit-stream"),
		chromedp.SetValue(chromedp.CSS(`#create-endpoint select[name=type]`), "target"),
		chromedp.SetValue(chromedp.CSS(`#create-endpoint select[name=engine]`), "kinesis"),
		chromedp.SetValue(chromedp.CSS(`#create-endpoint input[name=stream_arn]`), "arn:aws:kinesis:us-east-1:000000000000:stream/fruit-cdc"),
		chromedp.Click(chromedp.CSS(`#create-endpoint button`)),
		chromedp.WaitVisible(chromedp.Search(`//td[text()="fruit-stream"]`)),

		// Test the source's connection: the page refreshes until the result.
		chromedp.Click(chromedp.Search(`//tr[td[1]="fruit-db"]//form[contains(@action,"endpoints/test")]//button`)),
	)
	waitText(t, ctx, "connections", "successful")
	screenshot(t, ctx, "endpoints")

	// A bad table mapping: the API's message, next to the field.
	do(t, ctx, chromedp.Navigate(base+"tasks"),
		chromedp.SendKeys(chromedp.CSS(`#create-task input[name=identifier]`), "fruit-load"),
		chromedp.SetValue(chromedp.CSS(`#create-task textarea[name=mappings]`), `{"rules": [`),
		chromedp.Click(chromedp.CSS(`#create-task button`)),
		chromedp.WaitVisible(chromedp.ID("mappings-error")),
	)
	msg := within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("mappings-error")))
	require.Contains(t, msg, "InvalidParameterValueException: Invalid Table Mappings document. Invalid json")
	screenshot(t, ctx, "task-mapping-error")
	// Fixed, the task is created and its page shown.
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#create-task textarea[name=mappings]`),
			`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"fruit","object-locator":{"schema-name":"`+db.Database+`","table-name":"fruit"},"rule-action":"include"}]}`),
		chromedp.Click(chromedp.CSS(`#create-task button`)),
		chromedp.WaitVisible(chromedp.ID("start-fruit-load")),
	)
	require.Equal(t, base+"tasks/fruit-load", within(t, ctx, 5*time.Second, chromedp.Location()))

	do(t, ctx, chromedp.Click(chromedp.ID("start-fruit-load")))
	waitText(t, ctx, "task-status", "stopped")
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("stop-reason"))))
	stats := within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("table-stats")))
	require.Regexp(t, `fruit\s+Table completed\s+3\s`, stats)
	require.Contains(t, within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("task-stats"))), "1 / 0 / 0 / 0")
	screenshot(t, ctx, "task")

	do(t, ctx, chromedp.Navigate(base+"kinesis"),
		chromedp.Click(chromedp.Search(`//a[text()="fruit-cdc"]`)),
		chromedp.WaitVisible(chromedp.ID("record-count")),
	)
	require.Regexp(t, `^\d+ of \d+ records, newest first.$`, within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("record-count"))))
	records := within(t, ctx, 5*time.Second, chromedp.Text(chromedp.CSS("main")))
	require.Contains(t, records, `"name": "pear"`)
	require.Contains(t, records, `"name": "`+script+`"`, "the <script> row shows as text")
	scripts := within(t, ctx, 5*time.Second, chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	require.Zero(t, scripts)
	screenshot(t, ctx, "kinesis")

	// A CDC task: its page, left alone, shows the changes as they come.
	do(t, ctx, chromedp.Navigate(base+"tasks"),
		chromedp.SendKeys(chromedp.CSS(`#create-task input[name=identifier]`), "fruit-changes"),
		chromedp.SetValue(chromedp.CSS(`#create-task select[name=migration_type]`), "cdc"),
		chromedp.SetValue(chromedp.CSS(`#create-task textarea[name=mappings]`),
			`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"fruit","object-locator":{"schema-name":"`+db.Database+`","table-name":"fruit"},"rule-action":"include"}]}`),
		chromedp.Click(chromedp.CSS(`#create-task button`)),
		chromedp.WaitVisible(chromedp.ID("start-fruit-changes")),
		chromedp.Click(chromedp.ID("start-fruit-changes")),
	)
	waitText(t, ctx, "task-status", "running")
	dmstest.MySQLExec(t, db, "INSERT INTO fruit VALUES (4, 'plum')", "INSERT INTO fruit VALUES (5, 'fig')")
	waitText(t, ctx, "table-stats", `fruit\s+\S[^\t]*\s+0\s+2\s`) // full load rows 0, inserts 2
	screenshot(t, ctx, "task-running")
	do(t, ctx, chromedp.Click(chromedp.ID("stop-fruit-changes")))
	waitText(t, ctx, "task-status", "stopped")
	require.Equal(t, "Stop Reason NORMAL", within(t, ctx, 5*time.Second, chromedp.Text(chromedp.ID("stop-reason"))))
	do(t, ctx, chromedp.Click(chromedp.ID("delete-fruit-changes")), chromedp.WaitVisible(chromedp.ID("create-task")))

	do(t, ctx, chromedp.Navigate(base+"tasks/fruit-load"),
		chromedp.Click(chromedp.ID("delete-fruit-load")),
		chromedp.WaitVisible(chromedp.ID("create-task")),
	)
	require.Equal(t, base+"tasks", within(t, ctx, 5*time.Second, chromedp.Location()))
	waitPage(t, ctx, base+"tasks", "tasks", "No replication tasks.")
	screenshot(t, ctx, "tasks")
}
