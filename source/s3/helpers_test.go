package s3_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/s3"
)

// waitLimit bounds every wait of a test.
const waitLimit = 20 * time.Second

// sampleDefinition is the ExternalTableDefinition of LocalStack's
// sample-dms-s3-kinesis.
var sampleDefinition = readTestdata("testdata/localstack-sample-definition.json")

// readTestdata reads a file shared with fakedms's S3 scenario test.
func readTestdata(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// The sample's files (lib/query.py), without final row delimiters as there.
const (
	sampleEmployees = "101,Smith,Bob,2014-06-04,New York\n102,Smith,Bob,2015-10-08,Los Angeles\n" +
		"103,Smith,Bob,2017-03-13,Dallas\n104,Smith,Bob,2017-03-13,Dallas"
	sampleDepartments = "201,HR\n202,IT\n203,Finance"
	sampleProjects    = "301,Project1,Description1\n302,Project2,Description2\n303,Project3,Description3"
	sampleCDC1        = "INSERT,employee,hr,101,Smith,Bob,2014-06-04,New York\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2015-10-08,Los Angeles\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2017-03-13,Dallas\n" +
		"DELETE,employee,hr,101,Smith,Bob,2017-03-13,Dallas"
	sampleCDC2 = "INSERT,department,hr,204,Software\n" +
		"INSERT,employee,hr,101,Smith,Bob,2015-10-08,Los Angeles\n" +
		"INSERT,project,hr,101,Project1,Description1\n" +
		"DELETE,project,hr,101,Project1,Description1\n" +
		"DELETE,department,hr,301,Software\n" +
		"UPDATE,employee,hr,101,Smith,Bob,2017-03-13,Dallas\n" +
		"DELETE,employee,hr,101,Smith,Bob,2017-03-13,Dallas"
)

// newSource returns a source on the fake's bucket reading the sample
// definition under sourceData, with CDC files under sourceData/changedata,
// after edit has changed its config.
func newSource(t *testing.T, fake *FakeS3, edit func(*s3.Config)) *s3.Source {
	t.Helper()
	cfg := s3.Config{
		Client:                  fake.Client,
		BucketName:              fake.Bucket,
		BucketFolder:            "sourceData",
		CdcPath:                 "changedata",
		ExternalTableDefinition: sampleDefinition,
		PollInterval:            5 * time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}
	src, err := s3.New(cfg)
	require.NoError(t, err)
	return src
}

func put(t *testing.T, fake *FakeS3, key, body string) {
	t.Helper()
	require.NoError(t, fake.Put(t.Context(), key, body))
}

// load reads one table through a snapshot.
func load(t *testing.T, src *s3.Source, schema, table string) []dms.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	snap, err := src.Snapshot(ctx)
	require.NoError(t, err)
	defer snap.Close()
	tables, err := snap.Tables(ctx, tableSel{schema, table})
	require.NoError(t, err)
	require.Len(t, tables, 1)
	rows := []dms.Row{}
	require.NoError(t, snap.Load(ctx, tables[0], func(r dms.Row) error {
		require.NoError(t, dms.CheckRow(tables[0], r))
		rows = append(rows, r)
		return nil
	}))
	return rows
}

// openStream opens a change stream of every table, closed when the test
// ends.
func openStream(t *testing.T, src *s3.Source, from dms.Position) dms.ChangeStream {
	t.Helper()
	cs, err := src.Changes(t.Context(), from, mapping.SelectAll())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, cs.Close()) })
	return cs
}

// next reads n changes.
func next(t *testing.T, cs dms.ChangeStream, n int) []dms.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	var out []dms.Change
	for range n {
		c, err := cs.Next(ctx)
		require.NoError(t, err, "after %d changes", len(out))
		require.NoError(t, dms.CheckRow(c.Table, c.Data))
		out = append(out, c)
	}
	return out
}

// change is the part of a dms.Change most tests compare.
type change struct {
	Op       dms.Operation
	Table    string
	Data     dms.Row
	Position dms.Position
}

func brief(cs []dms.Change) []change {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change{c.Op, c.Table.ID().String(), c.Data, c.Position}
	}
	return out
}
