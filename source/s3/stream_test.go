package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/s3"
)

const cdcDir = "sourceData/changedata/"

func TestChangesSample(t *testing.T) {
	at := time.Date(2024, 5, 23, 19, 17, 33, 0, time.UTC)
	fake, err := StartFakeS3(t.Context(), "bucket", at)
	require.NoError(t, err)
	t.Cleanup(fake.Close)
	src := newSource(t, fake, nil)
	cs := openStream(t, src, "")

	put(t, fake, cdcDir+"cdc0000000001.csv", sampleCDC1)
	fake.Clock.Advance(time.Minute)
	put(t, fake, cdcDir+"cdc0000000002.csv", sampleCDC2)
	got := next(t, cs, 11)

	const f1, f2 = cdcDir + "cdc0000000001.csv", cdcDir + "cdc0000000002.csv"
	require.Equal(t, []change{
		{dms.OpInsert, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2014-06-04 00:00:00", "New York"}, f1 + ":1"},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2015-10-08 00:00:00", "Los Angeles"}, f1 + ":2"},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}, f1 + ":3"},
		{dms.OpDelete, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}, f1 + ":4"},
		{dms.OpInsert, "hr.department", dms.Row{int64(204), "Software"}, f2 + ":1"},
		{dms.OpInsert, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2015-10-08 00:00:00", "Los Angeles"}, f2 + ":2"},
		{dms.OpInsert, "hr.project", dms.Row{int64(101), "Project1", "Description1"}, f2 + ":3"},
		{dms.OpDelete, "hr.project", dms.Row{int64(101), "Project1", "Description1"}, f2 + ":4"},
		{dms.OpDelete, "hr.department", dms.Row{int64(301), "Software"}, f2 + ":5"},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}, f2 + ":6"},
		{dms.OpDelete, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}, f2 + ":7"},
	}, brief(got))

	// One transaction per file, records numbered from 1, committed when the
	// object was stored; updates carry no before image.
	for i, c := range got {
		wantTx, wantRec, wantTime := uint64(4194263527), i+1, at
		if i >= 4 {
			wantTx, wantRec, wantTime = 3310483314, i-3, at.Add(time.Minute)
		}
		require.Equal(t, wantTx, c.TransactionID, "change %d", i)
		require.Equal(t, wantRec, c.TransactionRecord, "change %d", i)
		require.True(t, wantTime.Equal(c.CommitTime), "change %d: commit time %s", i, c.CommitTime)
		require.Nil(t, c.Before, "change %d", i)
	}
	require.Zero(t, src.Skipped())
}

// TestChangesMalformedRecords: the LocalStack AWS-validated cases (an
// invalid file, then a valid one) and more; malformed records are skipped
// and counted, the rest of the file and the next file still apply.
func TestChangesMalformedRecords(t *testing.T) {
	valid := change{dms.OpInsert, "hr.employee", dms.Row{int64(102), "Smith", "Bob", "2014-06-04 00:00:00", "New York"}, cdcDir + "valid-cdc.csv:1"}
	row101 := dms.Row{int64(101), "Smith", "Bob", "2014-06-04 00:00:00", "New York"}
	tests := []struct {
		name    string
		content string
		want    []change
		skipped int64
		logged  []string
	}{
		{
			name: "first row valid rest invalid",
			content: "INSERT,employee,hr,101,Smith,Bob,2014-06-04,New York\n100,Test,Bob,2015-10-08,Los Angeles\n" +
				"101,Smith,Bob,,\n102,Smith,121\ntest,something,\n                        ",
			want:    []change{{dms.OpInsert, "hr.employee", row101, cdcDir + "invalid-cdc.csv:1"}, valid},
			skipped: 5,
			logged: []string{`unknown operation \"100\"`, `unknown operation \"101\"`, `unknown operation \"102\"`,
				`unknown operation \"test\"`, "1 fields, want operation, table, schema and values"},
		},
		{name: "invalid number of columns", content: "101,Smith,Bob,,", want: []change{valid}, skipped: 1},
		{
			name: "invalid operation", content: "INVALID-OPERATION,employee,hr,101,Smith,Bob,2014-06-04,New York",
			want: []change{valid}, skipped: 1, logged: []string{`unknown operation \"INVALID-OPERATION\"`},
		},
		{
			name: "invalid table", content: "INSERT,invalid-table,hr,101,Smith,Bob,2014-06-04,New York",
			want: []change{valid}, skipped: 1, logged: []string{"unknown table hr.invalid-table"},
		},
		{
			name: "invalid schema", content: "INSERT,employee,invalid-schema,101,Smith,Bob,2014-06-04,New York",
			want: []change{valid}, skipped: 1, logged: []string{"unknown table invalid-schema.employee"},
		},
		{
			name:    "no data valid data",
			content: "INSERT,employee,hr\nINSERT,employee,hr,101,Smith,Bob,2014-06-04,New York",
			want:    []change{{dms.OpInsert, "hr.employee", row101, cdcDir + "invalid-cdc.csv:2"}, valid},
			skipped: 1, logged: []string{"0 values for 5 columns"},
		},
		{
			name:    "too many values",
			content: "INSERT,employee,hr,101,Smith,Bob,2014-06-04,New York,extra",
			want:    []change{valid}, skipped: 1, logged: []string{"6 values for 5 columns"},
		},
		{
			name:    "value of the wrong type",
			content: "INSERT,employee,hr,abc,Smith,Bob,2014-06-04,New York",
			want:    []change{valid}, skipped: 1, logged: []string{`column Id: invalid INT8 value \"abc\"`},
		},
		{
			name:    "empty value in a non-nullable column",
			content: "INSERT,employee,hr,101,Smith,Bob,,New York",
			want:    []change{valid}, skipped: 1, logged: []string{"column HireDate: empty value in a column that is not nullable"},
		},
		{
			name:    "unbalanced quotes",
			content: "INSERT,employee,hr,101,\"Smith,Bob,2014-06-04,New York\n",
			want:    []change{valid}, skipped: 1, logged: []string{"unbalanced quotes"},
		},
		{
			name:    "lower-case and one-letter operations",
			content: "insert,employee,hr,101,Smith,Bob,2014-06-04,New York\nu,employee,hr,101,Smith,Bob,2014-06-04,New York\nD,employee,hr,101,Smith,Bob,2014-06-04,New York",
			want: []change{
				{dms.OpInsert, "hr.employee", row101, cdcDir + "invalid-cdc.csv:1"},
				{dms.OpUpdate, "hr.employee", row101, cdcDir + "invalid-cdc.csv:2"},
				{dms.OpDelete, "hr.employee", row101, cdcDir + "invalid-cdc.csv:3"},
				valid,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := NewFakeS3(t, "bucket")
			var logs dmstest.LogBuffer
			src := newSource(t, fake, func(c *s3.Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			cs := openStream(t, src, "")
			put(t, fake, cdcDir+"invalid-cdc.csv", tt.content)
			put(t, fake, cdcDir+"valid-cdc.csv", "INSERT,employee,hr,102,Smith,Bob,2014-06-04,New York")
			require.Equal(t, tt.want, brief(next(t, cs, len(tt.want))))
			require.Equal(t, tt.skipped, src.Skipped())
			for _, l := range tt.logged {
				require.Contains(t, logs.String(), l)
			}
		})
	}
}

// TestChangesUnselectedTables: records of unselected tables are passed
// over without being counted as malformed.
func TestChangesUnselectedTables(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	src := newSource(t, fake, nil)
	cs, err := src.Changes(t.Context(), "", tableSel{"hr", "department"})
	require.NoError(t, err)
	defer cs.Close()
	put(t, fake, cdcDir+"cdc0000000002.csv", sampleCDC2)
	require.Equal(t, []change{
		{dms.OpInsert, "hr.department", dms.Row{int64(204), "Software"}, cdcDir + "cdc0000000002.csv:1"},
		{dms.OpDelete, "hr.department", dms.Row{int64(301), "Software"}, cdcDir + "cdc0000000002.csv:5"},
	}, brief(next(t, cs, 2)))
	require.Zero(t, src.Skipped())
}

// insertOf is a CDC file inserting one department.
func insertOf(id string) string { return "INSERT,department,hr," + id + ",Dept " + id + "\n" }

func ids(cs []dms.Change) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.Data[0].(int64)
	}
	return out
}

// TestChangesOutOfOrderFiles: files found by one listing are read in
// lexical order; a file uploaded later that sorts before one already taken
// is skipped, as on AWS.
func TestChangesOutOfOrderFiles(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	var logs dmstest.LogBuffer
	src := newSource(t, fake, func(c *s3.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	cs := openStream(t, src, "")
	// Uploaded before the stream first lists, in reverse order.
	put(t, fake, cdcDir+"cdc0000000003.csv", insertOf("3"))
	put(t, fake, cdcDir+"cdc0000000001.csv", insertOf("1"))
	require.Equal(t, []int64{1, 3}, ids(next(t, cs, 2)))

	put(t, fake, cdcDir+"cdc0000000002.csv", insertOf("2"))
	put(t, fake, cdcDir+"cdc0000000004.csv", insertOf("4"))
	require.Equal(t, []int64{4}, ids(next(t, cs, 1)))
	require.Contains(t, logs.String(), "skipping a CDC file that sorts before one already processed")
	require.Contains(t, logs.String(), "key="+cdcDir+"cdc0000000002.csv processed="+cdcDir+"cdc0000000003.csv")
}

// TestChangesFromNow: an empty position passes over the files present, and
// a stream started before any file arrives reads them all.
func TestChangesFromNow(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	src := newSource(t, fake, nil)
	empty := openStream(t, src, "")

	put(t, fake, cdcDir+"b.csv", insertOf("2"))
	put(t, fake, cdcDir+"c.csv", insertOf("3"))
	require.Equal(t, []int64{2, 3}, ids(next(t, empty, 2)))

	later := openStream(t, src, "")
	put(t, fake, cdcDir+"a.csv", insertOf("1")) // sorts before the files present: skipped
	put(t, fake, cdcDir+"d.csv", insertOf("4"))
	require.Equal(t, []int64{4}, ids(next(t, later, 1)))
	// The first stream still follows, and skips a.csv too.
	require.Equal(t, []int64{4}, ids(next(t, empty, 1)))
}

func TestChangesResume(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	src := newSource(t, fake, nil)
	put(t, fake, cdcDir+"a.csv", insertOf("1")+insertOf("2")+"bad line\n"+insertOf("3"))
	put(t, fake, cdcDir+"b.csv", insertOf("4"))
	tests := []struct {
		from dms.Position
		want []int64
	}{
		{":*", []int64{1, 2, 3, 4}},
		{":0", []int64{1, 2, 3, 4}},
		{cdcDir + "a.csv:0", []int64{1, 2, 3, 4}},
		{cdcDir + "a.csv:1", []int64{2, 3, 4}},
		{cdcDir + "a.csv:2", []int64{3, 4}},
		{cdcDir + "a.csv:3", []int64{3, 4}}, // record 3 is the malformed one
		{cdcDir + "a.csv:4", []int64{4}},
		{cdcDir + "a.csv:*", []int64{4}},
		{cdcDir + "a0.csv:7", []int64{4}}, // a key that does not exist
	}
	for _, tt := range tests {
		t.Run(string(tt.from), func(t *testing.T) {
			cs := openStream(t, src, tt.from)
			require.Equal(t, tt.want, ids(next(t, cs, len(tt.want))))
		})
	}

	// A change's own position resumes right after it.
	cs := openStream(t, src, ":*")
	second := next(t, cs, 2)[1]
	require.Equal(t, dms.Position(cdcDir+"a.csv:2"), second.Position)
	resumed := openStream(t, src, second.Position)
	put(t, fake, cdcDir+"c.csv", insertOf("5"))
	require.Equal(t, []int64{3, 4, 5}, ids(next(t, resumed, 3)))
}

func TestChangesErrors(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	ctx := t.Context()
	src := newSource(t, fake, nil)
	for pos, want := range map[dms.Position]string{
		"no-colon":   `s3 source: invalid position "no-colon": want <key>:<record>`,
		"key:x":      `s3 source: invalid position "key:x": record "x" is not a number`,
		"key:-1":     `s3 source: invalid position "key:-1": record "-1" is not a number`,
		"key:1:2:ab": `s3 source: invalid position "key:1:2:ab": record "ab" is not a number`,
	} {
		_, err := src.Changes(ctx, pos, mapping.SelectAll())
		require.EqualError(t, err, want)
	}
	noCDC := newSource(t, fake, func(c *s3.Config) { c.CdcPath = "" })
	_, err := noCDC.Changes(ctx, "", mapping.SelectAll())
	require.EqualError(t, err, "s3 source: CdcPath is required for change data capture")

	missing := newSource(t, fake, func(c *s3.Config) { c.BucketName = "no-such-bucket" })
	_, err = missing.Changes(ctx, "", mapping.SelectAll())
	require.ErrorContains(t, err, "s3 source: list s3://no-such-bucket/sourceData/changedata/: ")
}

// TestChangesCloseLeavesNothingRunning: Close ends a Next that waits for
// files, and nothing of the stream, the client or the fake is left running.
func TestChangesCloseLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		fake, err := StartFakeS3(t.Context(), "bucket", time.Time{})
		require.NoError(t, err)
		defer fake.Close()
		src := newSource(t, fake, nil)
		cs, err := src.Changes(t.Context(), "", mapping.SelectAll())
		require.NoError(t, err)
		put(t, fake, cdcDir+"a.csv", insertOf("1")+insertOf("2"))
		require.Equal(t, []int64{1}, ids(next(t, cs, 1)))

		// After a.csv's last change Next finds nothing new and waits for the
		// next listing; Close ends that wait.
		require.Equal(t, []int64{2}, ids(next(t, cs, 1)))
		done := make(chan error)
		go func() {
			_, err := cs.Next(context.Background())
			done <- err
		}()
		require.NoError(t, cs.Close())
		select {
		case err := <-done:
			require.EqualError(t, err, "s3 source: change stream is closed")
		case <-time.After(waitLimit):
			t.Fatal("Next did not return after Close")
		}
		// A closed stream stays closed.
		_, err = cs.Next(t.Context())
		require.EqualError(t, err, "s3 source: change stream is closed")
		require.NoError(t, cs.Close())
	}()
	dmstest.RequireGoroutinesBack(t, before)
}

// stallingClient serves objects whose body blocks, while stall is set,
// until the request's context ends, as a stalled connection would.
type stallingClient struct {
	s3.API
	mu    sync.Mutex
	stall bool
	gets  int
}

func (c *stallingClient) GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	out, err := c.API.GetObject(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	if c.stall {
		// The first record arrives; the rest of the body waits for ctx.
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			return nil, err
		}
		first, rest, _ := bytes.Cut(data, []byte("\n"))
		out.Body = io.NopCloser(io.MultiReader(bytes.NewReader(append(first, '\n')), ctxReader{ctx}, bytes.NewReader(rest)))
	}
	return out, nil
}

func (c *stallingClient) set(stall bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stall = stall
}

type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// TestChangesNextContextEndsStalledRead: a read blocked on the network
// returns when Next's context ends, and the next Next reads the file again
// from after the changes already delivered.
func TestChangesNextContextEndsStalledRead(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	client := &stallingClient{API: fake.Client, stall: true}
	src := newSource(t, fake, func(c *s3.Config) { c.Client = client })
	cs := openStream(t, src, "")
	put(t, fake, cdcDir+"a.csv", insertOf("1")+insertOf("2")+insertOf("3"))
	require.Equal(t, []int64{1}, ids(next(t, cs, 1)))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := cs.Next(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	client.set(false)
	require.Equal(t, []int64{2, 3}, ids(next(t, cs, 2)))
	client.mu.Lock()
	defer client.mu.Unlock()
	require.Equal(t, 2, client.gets)
}

// TestChangesDefaultPollInterval: without PollInterval the stream lists
// once a second; the first listing is at once.
func TestChangesDefaultPollInterval(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	src := newSource(t, fake, func(c *s3.Config) { c.PollInterval = 0 })
	cs := openStream(t, src, ":*")
	put(t, fake, cdcDir+"a.csv", insertOf("1"))
	start := time.Now()
	require.Equal(t, []int64{1}, ids(next(t, cs, 1)))
	require.Less(t, time.Since(start), time.Second)
}

// vanishingClient answers GetObject of the keys in gone with NoSuchKey, as
// S3 does for an object deleted after it was listed, and records the
// ExpectedBucketOwner of every request.
type vanishingClient struct {
	s3.API
	gone   map[string]bool
	mu     sync.Mutex
	owners []string
}

func (c *vanishingClient) owner(o *string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owners = append(c.owners, aws.ToString(o))
}

func (c *vanishingClient) ListObjectsV2(ctx context.Context, in *awss3.ListObjectsV2Input, optFns ...func(*awss3.Options)) (*awss3.ListObjectsV2Output, error) {
	c.owner(in.ExpectedBucketOwner)
	return c.API.ListObjectsV2(ctx, in, optFns...)
}

func (c *vanishingClient) GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	c.owner(in.ExpectedBucketOwner)
	if c.gone[aws.ToString(in.Key)] {
		return nil, &types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
	}
	return c.API.GetObject(ctx, in, optFns...)
}

// TestVanishedObjects: a file deleted between listing and reading is
// skipped with a warning, in full load and in CDC; ExpectedBucketOwner goes
// with every request.
func TestVanishedObjects(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	client := &vanishingClient{API: fake.Client, gone: map[string]bool{
		"sourceData/hr/department/LOAD001.csv": true,
		cdcDir + "a.csv":                       true,
	}}
	var logs dmstest.LogBuffer
	src := newSource(t, fake, func(c *s3.Config) {
		c.Client = client
		c.ExpectedBucketOwner = "123456789012"
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	put(t, fake, "sourceData/hr/department/LOAD001.csv", "1,gone")
	put(t, fake, "sourceData/hr/department/LOAD002.csv", "2,kept")
	require.Equal(t, []dms.Row{{int64(2), "kept"}}, load(t, src, "hr", "department"))

	cs := openStream(t, src, "")
	put(t, fake, cdcDir+"a.csv", insertOf("1"))
	put(t, fake, cdcDir+"b.csv", insertOf("2"))
	require.Equal(t, []int64{2}, ids(next(t, cs, 1)))

	require.Contains(t, logs.String(), `msg="s3 source: full-load file disappeared before it was read" table=hr.department key=sourceData/hr/department/LOAD001.csv`)
	require.Contains(t, logs.String(), `msg="s3 source: CDC file disappeared before it was read" key=sourceData/changedata/a.csv`)
	client.mu.Lock()
	defer client.mu.Unlock()
	require.NotEmpty(t, client.owners)
	for _, o := range client.owners {
		require.Equal(t, "123456789012", o)
	}
}

// flakyClient fails the first GetObject, as a throttled or broken request
// would.
type flakyClient struct {
	s3.API
	mu     sync.Mutex
	failed bool
}

func (c *flakyClient) GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	c.mu.Lock()
	fail := !c.failed
	c.failed = true
	c.mu.Unlock()
	if fail {
		return nil, errors.New("SlowDown: please reduce your request rate")
	}
	return c.API.GetObject(ctx, in, optFns...)
}

// TestChangesRetryAfterS3Error: Next returns an S3 error naming the
// object; the next Next reads the file.
func TestChangesRetryAfterS3Error(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	src := newSource(t, fake, func(c *s3.Config) { c.Client = &flakyClient{API: fake.Client} })
	cs := openStream(t, src, "")
	put(t, fake, cdcDir+"a.csv", insertOf("1"))
	_, err := cs.Next(t.Context())
	require.EqualError(t, err, "s3 source: get s3://bucket/"+cdcDir+"a.csv: SlowDown: please reduce your request rate")
	require.Equal(t, []int64{1}, ids(next(t, cs, 1)))
}
