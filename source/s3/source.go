package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/minidms/minidms/dms"
)

// API is the part of the S3 client the source uses; *s3.Client implements
// it.
type API interface {
	ListObjectsV2(ctx context.Context, in *awss3.ListObjectsV2Input, optFns ...func(*awss3.Options)) (*awss3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
}

// Config is an S3 source endpoint: the S3Settings of a DMS S3 source, plus
// the client to read with.
type Config struct {
	Client     API
	BucketName string
	// BucketFolder is prepended to every TablePath and to CdcPath.
	BucketFolder string
	// CdcPath is the folder of the CDC files, under BucketFolder; required
	// for Changes.
	CdcPath string
	// ExternalTableDefinition is the JSON document describing the tables.
	ExternalTableDefinition string
	// CsvDelimiter separates fields; default ",".
	CsvDelimiter string
	// CsvRowDelimiter separates records; default "\n". Both delimiters may
	// be any string and may use the escapes \n, \r, \t and \\.
	CsvRowDelimiter string
	// IgnoreHeaderRows is 0 or 1; 1 skips the first record of every
	// full-load file.
	IgnoreHeaderRows int
	// Rfc4180 makes double quotes delimit fields; nil means true.
	Rfc4180 *bool
	// CsvNullValue is an unquoted field text that means NULL, besides the
	// empty field.
	CsvNullValue string
	// ExpectedBucketOwner, when set, is sent with every request.
	ExpectedBucketOwner string
	// PollInterval is how often a change stream lists CdcPath for new
	// files; default 1s.
	PollInterval time.Duration
	// Logger receives diagnostics; nil is silent.
	Logger *slog.Logger
}

// Source reads the AWS DMS S3-source layout as a dms.Source.
type Source struct {
	cfg    Config
	log    *slog.Logger
	format csvFormat
	tables []*table
	byID   map[dms.TableID]*table
	poll   time.Duration
	// skipped counts the CDC records skipped as malformed.
	skipped atomic.Int64
}

var _ dms.Source = (*Source)(nil)

// New validates cfg and returns a Source. It does no I/O. An invalid
// ExternalTableDefinition is a *DefinitionError.
func New(cfg Config) (*Source, error) {
	tables, err := parseDefinition(cfg.ExternalTableDefinition)
	if err != nil {
		return nil, err
	}
	s := &Source{
		cfg:    cfg,
		log:    cfg.Logger,
		tables: tables,
		byID:   map[dms.TableID]*table{},
		poll:   cfg.PollInterval,
		format: csvFormat{
			delim:    unescape(cfg.CsvDelimiter),
			rowDelim: unescape(cfg.CsvRowDelimiter),
			rfc4180:  cfg.Rfc4180 == nil || *cfg.Rfc4180,
			null:     cfg.CsvNullValue,
		},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.poll == 0 {
		s.poll = time.Second
	}
	if s.format.delim == "" {
		s.format.delim = ","
	}
	if s.format.rowDelim == "" {
		s.format.rowDelim = "\n"
	}
	switch {
	case cfg.Client == nil:
		return nil, errors.New("s3 source: Client is nil")
	case cfg.BucketName == "":
		return nil, errors.New("s3 source: BucketName is required")
	case cfg.IgnoreHeaderRows != 0 && cfg.IgnoreHeaderRows != 1:
		return nil, fmt.Errorf("s3 source: IgnoreHeaderRows is %d, must be 0 or 1", cfg.IgnoreHeaderRows)
	case s.poll < 0:
		return nil, fmt.Errorf("s3 source: PollInterval %s is negative", s.poll)
	case s.format.delim == s.format.rowDelim:
		return nil, fmt.Errorf("s3 source: CsvDelimiter and CsvRowDelimiter are both %q", s.format.delim)
	case s.format.rfc4180 && strings.Contains(s.format.delim+s.format.rowDelim, `"`):
		return nil, errors.New(`s3 source: with Rfc4180 a delimiter cannot contain a double quote`)
	}
	for _, t := range tables {
		s.byID[t.def.ID()] = t
	}
	return s, nil
}

// Tables returns the definition's tables that sel selects, in definition
// order.
func (s *Source) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*dms.TableDef
	for _, t := range s.tables {
		if sel.Selected(t.def.Schema, t.def.Table) {
			out = append(out, t.def)
		}
	}
	return out, nil
}

// Skipped returns how many CDC records the source's change streams have
// skipped as malformed.
func (s *Source) Skipped() int64 { return s.skipped.Load() }

// prefix joins BucketFolder and a path into an S3 key prefix ending in "/".
func (s *Source) prefix(path string) string {
	var parts []string
	for _, p := range []string{s.cfg.BucketFolder, path} {
		if p = strings.Trim(p, "/"); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "/") + "/"
}

// object is an S3 object a source reads.
type object struct {
	key      string
	modified time.Time
}

// list calls fn for every object under prefix, in S3's (lexical) key order,
// one ListObjectsV2 page at a time. Folder markers (keys ending in "/") are
// not objects.
func (s *Source) list(ctx context.Context, prefix string, fn func(object) error) error {
	in := &awss3.ListObjectsV2Input{Bucket: aws.String(s.cfg.BucketName), Prefix: aws.String(prefix)}
	if s.cfg.ExpectedBucketOwner != "" {
		in.ExpectedBucketOwner = aws.String(s.cfg.ExpectedBucketOwner)
	}
	pages := awss3.NewListObjectsV2Paginator(s.cfg.Client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3 source: list s3://%s/%s: %w", s.cfg.BucketName, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			if err := fn(object{key: key, modified: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// open starts reading an object. A missing object (deleted since it was
// listed) is reported with found false.
func (s *Source) open(ctx context.Context, key string) (out *awss3.GetObjectOutput, found bool, err error) {
	in := &awss3.GetObjectInput{Bucket: aws.String(s.cfg.BucketName), Key: aws.String(key)}
	if s.cfg.ExpectedBucketOwner != "" {
		in.ExpectedBucketOwner = aws.String(s.cfg.ExpectedBucketOwner)
	}
	out, err = s.cfg.Client.GetObject(ctx, in)
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("s3 source: get s3://%s/%s: %w", s.cfg.BucketName, key, err)
	}
	return out, true, nil
}
