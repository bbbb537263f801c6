package fakes3_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms/fakes3"
)

func client(url string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		// What aws-sdk-go-v2's LoadDefaultConfig sets: checksums on every
		// request that supports them.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
}

func TestSDKRoundTrip(t *testing.T) {
	srv := fakes3.New()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := client(hs.URL)
	ctx := t.Context()

	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("source-bucket")})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("source-bucket"), Key: aws.String("sourceData/hr/employee/LOAD001.csv"),
		Body: bytes.NewReader([]byte("101,Smith,Bob\n"))})
	require.NoError(t, err)
	require.NoError(t, srv.PutObject("source-bucket", "sourceData/hr/employee/LOAD002.csv", []byte("102,Doe,Jane\n")))

	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("source-bucket"), Prefix: aws.String("sourceData/hr/employee/")})
	require.NoError(t, err)
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	require.Equal(t, []string{"sourceData/hr/employee/LOAD001.csv", "sourceData/hr/employee/LOAD002.csv"}, keys)

	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("source-bucket"), Key: aws.String("sourceData/hr/employee/LOAD002.csv")})
	require.NoError(t, err)
	data, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	require.Equal(t, "102,Doe,Jane\n", string(data))

	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k")})
	require.ErrorContains(t, err, "NoSuchBucket")
}

func TestHandles(t *testing.T) {
	srv := fakes3.New()
	for _, tt := range []struct {
		target string
		want   bool
	}{
		{"", true},
		{"AmazonDMSv20160101.DescribeEndpoints", false},
		{"Kinesis_20131202.ListStreams", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if tt.target != "" {
			r.Header.Set("X-Amz-Target", tt.target)
		}
		require.Equal(t, tt.want, srv.Handles(r), tt.target)
	}
	require.ErrorContains(t, srv.PutObject("missing-bucket", "k", nil), "fakes3: put s3://missing-bucket/k")
}

// TestClock: objects get the clock's times, and requests signed with the
// real time are served however far the clock is from it.
func TestClock(t *testing.T) {
	at := time.Date(2024, 5, 23, 19, 17, 0, 0, time.UTC)
	srv := fakes3.New(fakes3.WithClock(func() time.Time { return at }))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := client(hs.URL)
	_, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("clock")})
	require.NoError(t, err)
	require.NoError(t, srv.PutObject("clock", "k", []byte("v")))
	list, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("clock")})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)
	require.Equal(t, at, list.Contents[0].LastModified.UTC())
}
