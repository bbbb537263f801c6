package s3_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"
)

// FakeS3 is an in-memory S3 (gofakes3 with its s3mem backend) on an
// httptest server, with a bucket and a client for it.
type FakeS3 struct {
	Server *httptest.Server
	Client *awss3.Client
	Bucket string
	// Clock sets the objects' LastModified; nil when the real clock is used.
	Clock gofakes3.TimeSourceAdvancer
	http  *http.Client
}

// StartFakeS3 starts a fake S3 holding one empty bucket. With a non-zero
// at, objects get LastModified from a clock standing at at (see
// FakeS3.Clock). Close releases it.
func StartFakeS3(ctx context.Context, bucket string, at time.Time) (*FakeS3, error) {
	var backendOpts []s3mem.Option
	// The skew check compares request times with the fake's clock; a fixed
	// clock would fail it.
	opts := []gofakes3.Option{gofakes3.WithTimeSkewLimit(0)}
	f := &FakeS3{Bucket: bucket}
	if !at.IsZero() {
		// Listings take LastModified from the backend's clock, GetObject
		// from the server's: both must be set.
		f.Clock = gofakes3.FixedTimeSource(at)
		backendOpts = append(backendOpts, s3mem.WithTimeSource(f.Clock))
		opts = append(opts, gofakes3.WithTimeSource(f.Clock))
	}
	faker := gofakes3.New(s3mem.New(backendOpts...), opts...)
	f.Server = httptest.NewServer(faker.Server())
	// An own transport, so Close can drop its idle connections and leave no
	// goroutine behind.
	f.http = &http.Client{Transport: &http.Transport{}}
	f.Client = awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(f.Server.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", ""),
		HTTPClient:   f.http,
		// gofakes3 copes with the SDK's default CRC32 checksums (see
		// TestFakeS3DefaultChecksums); only sending them when an operation
		// requires them keeps requests plain.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	if _, err := f.Client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// NewFakeS3 is StartFakeS3 for a test, closed when the test ends.
func NewFakeS3(t testing.TB, bucket string) *FakeS3 {
	t.Helper()
	f, err := StartFakeS3(t.Context(), bucket, time.Time{})
	if err != nil {
		t.Fatalf("start fake S3: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// Put stores an object.
func (f *FakeS3) Put(ctx context.Context, key, body string) error {
	_, err := f.Client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(f.Bucket), Key: aws.String(key), Body: strings.NewReader(body),
	})
	return err
}

// Close stops the server and drops the client's connections.
func (f *FakeS3) Close() {
	f.Server.Close()
	f.http.CloseIdleConnections()
}

// TestFakeS3DefaultChecksums shows that gofakes3 copes with the checksums
// the SDK sends and validates by default (config.LoadDefaultConfig sets
// "when supported"; s3.New without it sends none): PutObject carries a
// CRC32 (a header over plain HTTP), and GetObject is validated.
func TestFakeS3DefaultChecksums(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	faker := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			sent = append(sent, r.Header.Get("X-Amz-Checksum-Crc32"))
			mu.Unlock()
		}
		faker.ServeHTTP(w, r)
	}))
	defer srv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := awss3.New(awss3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", ""),
		HTTPClient:                 &http.Client{Transport: transport},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
	ctx := t.Context()
	_, err := client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bucket")})
	require.NoError(t, err)
	body := strings.Repeat("101,Smith,Bob,2014-06-04,New York\n", 1000)
	_, err = client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String("bucket"), Key: aws.String("a.csv"), Body: strings.NewReader(body),
	})
	require.NoError(t, err)
	out, err := client.GetObject(ctx, &awss3.GetObjectInput{
		Bucket: aws.String("bucket"), Key: aws.String("a.csv"), ChecksumMode: types.ChecksumModeEnabled,
	})
	require.NoError(t, err)
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"", "0+b58Q=="}, sent) // CreateBucket, PutObject (CRC32 computed with Python's zlib)
}
