package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/s3"
)

// smallDefinition is one table s.t under t/: a key and two nullable strings.
const smallDefinition = `{"Tables":[{"TableName":"t","TablePath":"t/","TableOwner":"s","TableColumns":[
	{"ColumnName":"id","ColumnType":"INT4","ColumnIsPk":"true"},
	{"ColumnName":"name","ColumnType":"STRING","ColumnLength":"20","ColumnNullable":"true"},
	{"ColumnName":"note","ColumnType":"STRING","ColumnLength":"20","ColumnNullable":"true"}]}]}`

func small(edit func(*s3.Config)) func(*s3.Config) {
	return func(c *s3.Config) {
		c.BucketFolder = ""
		c.ExternalTableDefinition = smallDefinition
		if edit != nil {
			edit(c)
		}
	}
}

func TestFullLoadCSVSettings(t *testing.T) {
	no := false
	tests := []struct {
		name  string
		edit  func(*s3.Config)
		files map[string]string
		want  []dms.Row
	}{
		{
			name:  "defaults",
			files: map[string]string{"t/LOAD001.csv": "1,a,x\n2,b,y\n"},
			want:  []dms.Row{{int64(1), "a", "x"}, {int64(2), "b", "y"}},
		},
		{
			name:  "blank lines are ignored",
			files: map[string]string{"t/LOAD001.csv": "\n1,a,x\n\n\n2,b,y\n\n"},
			want:  []dms.Row{{int64(1), "a", "x"}, {int64(2), "b", "y"}},
		},
		{
			name:  "CsvDelimiter",
			edit:  func(c *s3.Config) { c.CsvDelimiter = "|" },
			files: map[string]string{"t/LOAD001.csv": "1|a,b|x\n"},
			want:  []dms.Row{{int64(1), "a,b", "x"}},
		},
		{
			name:  "multi-character CsvDelimiter",
			edit:  func(c *s3.Config) { c.CsvDelimiter = "~|~" },
			files: map[string]string{"t/LOAD001.csv": "1~|~a|~~|~x~\n"},
			want:  []dms.Row{{int64(1), "a|~", "x~"}},
		},
		{
			name:  "tab CsvDelimiter written as an escape",
			edit:  func(c *s3.Config) { c.CsvDelimiter = `\t` },
			files: map[string]string{"t/LOAD001.csv": "1\ta b\tx\n"},
			want:  []dms.Row{{int64(1), "a b", "x"}},
		},
		{
			name:  "CsvRowDelimiter \\r\\n",
			edit:  func(c *s3.Config) { c.CsvRowDelimiter = "\r\n" },
			files: map[string]string{"t/LOAD001.csv": "1,a\nb,x\r\n2,c,y\r\n"},
			want:  []dms.Row{{int64(1), "a\nb", "x"}, {int64(2), "c", "y"}},
		},
		{
			name:  "CsvRowDelimiter as escapes, as DescribeEndpoints shows it",
			edit:  func(c *s3.Config) { c.CsvRowDelimiter = `\r\n` },
			files: map[string]string{"t/LOAD001.csv": "1,a,x\r\n2,c,y"},
			want:  []dms.Row{{int64(1), "a", "x"}, {int64(2), "c", "y"}},
		},
		{
			name:  "custom CsvRowDelimiter",
			edit:  func(c *s3.Config) { c.CsvRowDelimiter = "##" },
			files: map[string]string{"t/LOAD001.csv": "1,a\n,x##2,#,y##"},
			want:  []dms.Row{{int64(1), "a\n", "x"}, {int64(2), "#", "y"}},
		},
		{
			name: "IgnoreHeaderRows skips the first record of every file",
			edit: func(c *s3.Config) { c.IgnoreHeaderRows = 1 },
			files: map[string]string{
				"t/LOAD001.csv": "id,name,note\n1,a,x\n",
				"t/LOAD002.csv": "id,name,note\n2,b,y\n",
			},
			want: []dms.Row{{int64(1), "a", "x"}, {int64(2), "b", "y"}},
		},
		{
			name:  "IgnoreHeaderRows 0 reads a header as data",
			files: map[string]string{"t/LOAD001.csv": "1,id,name\n"},
			want:  []dms.Row{{int64(1), "id", "name"}},
		},
		{
			name:  "Rfc4180 quotes",
			files: map[string]string{"t/LOAD001.csv": "\"1\",\"a,\"\"b\"\"\nc\",\"\"\n2,,\n"},
			want:  []dms.Row{{int64(1), "a,\"b\"\nc", ""}, {int64(2), nil, nil}},
		},
		{
			name:  "Rfc4180 off: quotes are data",
			edit:  func(c *s3.Config) { c.Rfc4180 = &no },
			files: map[string]string{"t/LOAD001.csv": "1,\"a\",\"\"\n2,say \"hi\",\"x\n"},
			want:  []dms.Row{{int64(1), `"a"`, `""`}, {int64(2), `say "hi"`, `"x`}},
		},
		{
			name:  "CsvNullValue",
			edit:  func(c *s3.Config) { c.CsvNullValue = "NULL" },
			files: map[string]string{"t/LOAD001.csv": "1,NULL,\"NULL\"\n2,,nullish\n"},
			want:  []dms.Row{{int64(1), nil, "NULL"}, {int64(2), nil, "nullish"}},
		},
		{
			name:  "an I operation column, as a DMS S3 target writes, is dropped",
			files: map[string]string{"t/LOAD001.csv": "I,1,a,x\n2,b,y\ni,3,c,z\n"},
			want:  []dms.Row{{int64(1), "a", "x"}, {int64(2), "b", "y"}, {int64(3), "c", "z"}},
		},
		{
			name: "files in lexical order, subfolders included, other tables' files not",
			files: map[string]string{
				"t/LOAD010.csv":     "10,j,\n",
				"t/LOAD002.csv":     "2,b,\n",
				"t/LOAD001.csv":     "1,a,\n",
				"t/old/LOAD001.csv": "5,e,\n",
				"t/":                "",
				"tt/LOAD001.csv":    "99,not t,\n",
				"t.csv":             "98,not t,\n",
			},
			want: []dms.Row{{int64(1), "a", nil}, {int64(2), "b", nil}, {int64(10), "j", nil}, {int64(5), "e", nil}},
		},
		{
			name: "no files",
			want: []dms.Row{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := NewFakeS3(t, "bucket")
			for k, v := range tt.files {
				put(t, fake, k, v)
			}
			src := newSource(t, fake, small(tt.edit))
			require.Equal(t, tt.want, load(t, src, "s", "t"))
		})
	}
}

// pagingClient lists at most two keys a page, so loads cross pages.
type pagingClient struct {
	s3.API
	pages *atomic.Int32
}

func (c pagingClient) ListObjectsV2(ctx context.Context, in *awss3.ListObjectsV2Input, optFns ...func(*awss3.Options)) (*awss3.ListObjectsV2Output, error) {
	c.pages.Add(1)
	limited := *in
	limited.MaxKeys = new(int32(2))
	return c.API.ListObjectsV2(ctx, &limited, optFns...)
}

func TestFullLoadPaginates(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	for _, k := range []string{"5", "3", "1", "4", "2"} {
		put(t, fake, "t/LOAD00"+k+".csv", k+",file "+k+",")
	}
	var pages atomic.Int32
	src := newSource(t, fake, small(func(c *s3.Config) { c.Client = pagingClient{fake.Client, &pages} }))
	require.Equal(t, []dms.Row{
		{int64(1), "file 1", nil}, {int64(2), "file 2", nil}, {int64(3), "file 3", nil},
		{int64(4), "file 4", nil}, {int64(5), "file 5", nil},
	}, load(t, src, "s", "t"))
	// One listing of the empty CDC folder for the snapshot, three pages of t/.
	require.Equal(t, int32(4), pages.Load())
}

// TestFullLoadStopsAtUnreadableRecord: the first record that is not a row
// ends the table's load without an error; the rows before it are loaded,
// later files are not.
func TestFullLoadStopsAtUnreadableRecord(t *testing.T) {
	first := []dms.Row{{int64(100), "Test", "Bob", "2015-10-08 00:00:00", "Los Angeles"}}
	tests := []struct {
		name, invalid  string
		want           []dms.Row
		record, reason string
	}{
		{
			// LocalStack's AWS-validated test: HireDate and OfficeLocation
			// are not nullable.
			name:    "empty value in a non-nullable column",
			invalid: "100,Test,Bob,2015-10-08,Los Angeles\n101,Smith,Bob,,\n102,Smith,121\ntest,something,",
			want:    first, record: "2", reason: "column HireDate: empty value in a column that is not nullable",
		},
		{
			name:    "wrong number of fields",
			invalid: "100,Test,Bob,2015-10-08,Los Angeles\n102,Smith,121\n",
			want:    first, record: "2", reason: "3 values for 5 columns",
		},
		{
			name:    "value of the wrong type",
			invalid: "100,Test,Bob,2015-10-08,Los Angeles\n101,Test,Bob,yesterday,Dallas\n",
			want:    first, record: "2", reason: `column HireDate: invalid DATETIME value \"yesterday\"`,
		},
		{
			name:    "malformed record",
			invalid: "100,Test,Bob,2015-10-08,Los Angeles\n101,\"Test,Bob,2015-10-08,Dallas\n",
			want:    first, record: "2", reason: "unbalanced quotes",
		},
		{
			name:    "first record",
			invalid: "x,Test,Bob,2015-10-08,Los Angeles\n",
			want:    []dms.Row{}, record: "1", reason: `column Id: invalid INT8 value \"x\"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := NewFakeS3(t, "bucket")
			put(t, fake, "sourceData/hr/employee/invalid.csv", tt.invalid)
			put(t, fake, "sourceData/hr/employee/valid-file.csv", "101,Test,Smith,2015-10-08,Dallas")
			var logs dmstest.LogBuffer
			src := newSource(t, fake, func(c *s3.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			require.Equal(t, tt.want, load(t, src, "hr", "employee"))
			require.Contains(t, logs.String(), `level=WARN msg="s3 source: full load of table stopped at a record it cannot read" table=hr.employee key=sourceData/hr/employee/invalid.csv record=`+tt.record+` reason="`+tt.reason+`"`)
		})
	}
}

func TestSnapshotPosition(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	ctx := t.Context()
	src := newSource(t, fake, nil)
	snap, err := src.Snapshot(ctx)
	require.NoError(t, err)
	require.Equal(t, dms.Position(":*"), snap.Position())
	require.NoError(t, snap.Close())

	put(t, fake, "sourceData/changedata/cdc0000000002.csv", "")
	put(t, fake, "sourceData/changedata/cdc0000000001.csv", "")
	put(t, fake, "sourceData/other/zzz.csv", "")
	snap, err = src.Snapshot(ctx)
	require.NoError(t, err)
	require.Equal(t, dms.Position("sourceData/changedata/cdc0000000002.csv:*"), snap.Position())

	noCDC := newSource(t, fake, func(c *s3.Config) { c.CdcPath = "" })
	snap, err = noCDC.Snapshot(ctx)
	require.NoError(t, err)
	require.Equal(t, dms.Position(""), snap.Position())
}

func TestLoadErrors(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	ctx := t.Context()
	src := newSource(t, fake, nil)
	snap, err := src.Snapshot(ctx)
	require.NoError(t, err)
	err = snap.Load(ctx, &dms.TableDef{Schema: "hr", Table: "nope"}, func(dms.Row) error { return nil })
	require.EqualError(t, err, "s3 source: table hr.nope is not in the external table definition")

	// An error from emit ends the load and is returned as is.
	put(t, fake, "sourceData/hr/department/LOAD001.csv", sampleDepartments)
	tables, err := snap.Tables(ctx, tableSel{"hr", "department"})
	require.NoError(t, err)
	stop := errors.New("target full")
	err = snap.Load(ctx, tables[0], func(dms.Row) error { return stop })
	require.ErrorIs(t, err, stop)

	missing := newSource(t, fake, func(c *s3.Config) { c.BucketName = "no-such-bucket" })
	_, err = missing.Snapshot(ctx)
	require.ErrorContains(t, err, "s3 source: list s3://no-such-bucket/sourceData/changedata/: ")
	require.ErrorContains(t, err, "NoSuchBucket")
}

// gatedClient serves objects whose body stops after the first record
// until open is closed, so a Load that read a whole object before emitting
// would never see it.
type gatedClient struct {
	s3.API
	open chan struct{}
}

func (c gatedClient) GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	out, err := c.API.GetObject(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return nil, err
	}
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	out.Body = io.NopCloser(io.MultiReader(bytes.NewReader(append(first, '\n')), gate{ctx, c.open}, bytes.NewReader(rest)))
	return out, nil
}

type gate struct {
	ctx  context.Context
	open chan struct{}
}

func (g gate) Read([]byte) (int, error) {
	select {
	case <-g.open:
		return 0, io.EOF
	case <-g.ctx.Done():
		return 0, g.ctx.Err()
	}
}

// TestFullLoadStreams: rows are emitted as records arrive, not after the
// whole object is read.
func TestFullLoadStreams(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	put(t, fake, "sourceData/hr/department/LOAD001.csv", sampleDepartments)
	open := make(chan struct{})
	src := newSource(t, fake, func(c *s3.Config) { c.Client = gatedClient{fake.Client, open} })
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	snap, err := src.Snapshot(ctx)
	require.NoError(t, err)
	tables, err := snap.Tables(ctx, tableSel{"hr", "department"})
	require.NoError(t, err)
	var rows []dms.Row
	require.NoError(t, snap.Load(ctx, tables[0], func(r dms.Row) error {
		if len(rows) == 0 {
			close(open) // the rest of the object arrives only now
		}
		rows = append(rows, r)
		return nil
	}))
	require.Equal(t, []dms.Row{{int64(201), "HR"}, {int64(202), "IT"}, {int64(203), "Finance"}}, rows)
}

// TestFullLoadMoreThan1000Files: LocalStack reads only a table's first 1000
// files; every file is read here, across S3's default 1000-key pages.
func TestFullLoadMoreThan1000Files(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	for i := range 1001 {
		put(t, fake, fmt.Sprintf("t/LOAD%04d.csv", i), fmt.Sprintf("%d,,", i))
	}
	rows := load(t, newSource(t, fake, small(nil)), "s", "t")
	require.Len(t, rows, 1001)
	require.Equal(t, dms.Row{int64(0), nil, nil}, rows[0])
	require.Equal(t, dms.Row{int64(1000), nil, nil}, rows[1000])
}
