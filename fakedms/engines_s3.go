package fakedms

// S3: the built-in S3 served on the endpoint (fakes3), the client S3
// sources read with (the built-in S3 in process, or the endpoint given
// with WithS3Endpoint), and the s3 source factory.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms/fakes3"
	s3source "github.com/minidms/minidms/source/s3"

	"github.com/minidms/minidms/fakedms/internal/sdkhttp"

	"github.com/minidms/minidms/fakedms/internal/wire"
)

// builtinS3Poll is how often a change stream of an S3 source lists its
// CdcPath on the built-in S3, where a listing costs nothing; on an external
// S3 the source's default (1 s) applies.
const builtinS3Poll = 100 * time.Millisecond

// s3Access is how S3 sources reach their buckets.
type s3Access struct {
	client *awss3.Client
	poll   time.Duration // 0: the source's default
}

// WithS3Endpoint makes S3 source endpoints read their buckets from the S3
// API at url (LocalStack, MinIO, AWS), path-style, instead of the built-in
// S3, which is then not served.
func WithS3Endpoint(url string) Option { return func(c *config) { c.s3Endpoint = url } }

// setUpS3 makes the built-in S3 and the client of the S3 sources, or only
// the client of the external S3.
func (h *Handler) setUpS3(creds aws.CredentialsProvider) {
	opts := awss3.Options{
		Region:       h.cfg.region,
		Credentials:  creds,
		UsePathStyle: true,
		// Sources only list and get objects: no checksums to compute, and
		// none to look for in answers that may have none.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if h.cfg.s3Endpoint == "" {
		h.s3 = fakes3.New(fakes3.WithClock(h.cfg.now))
		opts.BaseEndpoint = aws.String("http://fakedms.internal")
		opts.HTTPClient = &http.Client{Transport: inProcess{h.s3}}
		h.s3Access = s3Access{client: awss3.New(opts), poll: builtinS3Poll}
		return
	}
	if h.transport == nil {
		h.transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	opts.BaseEndpoint = aws.String(h.cfg.s3Endpoint)
	opts.HTTPClient = sdkhttp.RaceFree(&http.Client{Transport: h.transport})
	h.s3Access = s3Access{client: awss3.New(opts)}
}

// serveS3 reports whether r is for the built-in S3 and serves it then: a
// request without X-Amz-Target that is not an awsJson call without its
// target (those are answered UnknownOperationException).
func (h *Handler) serveS3(w http.ResponseWriter, r *http.Request) bool {
	if h.s3 == nil || !h.s3.Handles(r) || r.Header.Get("Content-Type") == wire.ContentType {
		return false
	}
	h.s3.ServeHTTP(w, r)
	return true
}

// S3 returns the built-in S3, for seeding buckets without the protocol
// (CreateBucket, PutObject), or nil when an external S3 endpoint is
// configured.
func (h *Handler) S3() *fakes3.Server { return h.s3 }

// S3Client returns an S3 client for this server's S3 (the built-in one, or
// the endpoint of WithS3Endpoint): path-style, with the server's region and
// static credentials.
func (s *Server) S3Client(optFns ...func(*awss3.Options)) *awss3.Client {
	endpoint := s.cfg.s3Endpoint
	optFns = append([]func(*awss3.Options){func(o *awss3.Options) {
		o.UsePathStyle = true
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)
	return awss3.NewFromConfig(s.AWSConfig(), optFns...)
}

// s3Config is the source/s3 configuration of an S3 source endpoint, without
// its client: S3Settings, with the top-level ExternalTableDefinition of
// CreateEndpoint when S3Settings has none.
func s3Config(ep *types.Endpoint) s3source.Config {
	s := types.S3Settings{}
	if ep.S3Settings != nil {
		s = *ep.S3Settings
	}
	return s3source.Config{
		BucketName:              aws.ToString(s.BucketName),
		BucketFolder:            aws.ToString(s.BucketFolder),
		CdcPath:                 aws.ToString(s.CdcPath),
		ExternalTableDefinition: cmp.Or(aws.ToString(s.ExternalTableDefinition), aws.ToString(ep.ExternalTableDefinition)),
		CsvDelimiter:            aws.ToString(s.CsvDelimiter),
		CsvRowDelimiter:         aws.ToString(s.CsvRowDelimiter),
		IgnoreHeaderRows:        int(aws.ToInt32(s.IgnoreHeaderRows)),
		Rfc4180:                 s.Rfc4180,
		CsvNullValue:            aws.ToString(s.CsvNullValue),
		ExpectedBucketOwner:     aws.ToString(s.ExpectedBucketOwner),
	}
}

// noS3 stands in for a client where an S3 source is only validated.
type noS3 struct{}

var errNoS3 = errors.New("fakedms: no S3 client")

func (noS3) ListObjectsV2(context.Context, *awss3.ListObjectsV2Input, ...func(*awss3.Options)) (*awss3.ListObjectsV2Output, error) {
	return nil, errNoS3
}

func (noS3) GetObject(context.Context, *awss3.GetObjectInput, ...func(*awss3.Options)) (*awss3.GetObjectOutput, error) {
	return nil, errNoS3
}

// checkS3Source validates the settings of an S3 source endpoint as
// CreateEndpoint and ModifyEndpoint do: an invalid ExternalTableDefinition
// is refused with source/s3's message.
func checkS3Source(ep *types.Endpoint) error {
	cfg := s3Config(ep)
	cfg.Client = noS3{}
	if _, err := s3source.New(cfg); err != nil {
		if de, ok := errors.AsType[*s3source.DefinitionError](err); ok {
			return invalidParam("%s", de.Message)
		}
		return invalidParam("Invalid S3Settings: %s", strings.TrimPrefix(err.Error(), "s3 source: "))
	}
	return nil
}

// s3Source is a source/s3 Source whose connection test checks the bucket.
type s3Source struct {
	*s3source.Source
	client        *awss3.Client
	bucket, owner string
}

func newS3Source(e *endpoint, w wiring) (dms.Source, error) {
	cfg := s3Config(&e.ep)
	cfg.Client = w.s3.client
	cfg.PollInterval = w.s3.poll
	cfg.Logger = w.log
	src, err := s3source.New(cfg)
	if err != nil {
		return nil, err
	}
	return &s3Source{Source: src, client: w.s3.client, bucket: cfg.BucketName, owner: cfg.ExpectedBucketOwner}, nil
}

// Check is TestConnection of an S3 source: HeadBucket of its bucket.
func (s *s3Source) Check(ctx context.Context) error {
	in := &awss3.HeadBucketInput{Bucket: aws.String(s.bucket)}
	if s.owner != "" {
		in.ExpectedBucketOwner = aws.String(s.owner)
	}
	if _, err := s.client.HeadBucket(ctx, in); err != nil {
		_, notFound := errors.AsType[*s3types.NotFound](err)
		_, noBucket := errors.AsType[*s3types.NoSuchBucket](err)
		if notFound || noBucket {
			return fmt.Errorf("S3 bucket %s does not exist", s.bucket)
		}
		return fmt.Errorf("S3 bucket %s cannot be read: %w", s.bucket, err)
	}
	return nil
}
