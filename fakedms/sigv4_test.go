package fakedms_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

func TestRequireSignature(t *testing.T) {
	srv := fakedms.NewServer(withDatabases(fakedms.WithCredentials("AKIDEXAMPLE", "right-secret"), fakedms.WithCredentials("AKIDOTHER", "other"))...)
	t.Cleanup(srv.Close)

	// The server's own clients sign with the first pair.
	_, err := srv.DMSClient().DescribeAccountAttributes(ctx(t), &dmsapi.DescribeAccountAttributesInput{})
	require.NoError(t, err)
	_, err = srv.KinesisClient().ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	require.NoError(t, err)

	with := func(id, secret string) aws.Config {
		cfg := srv.AWSConfig()
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
		return cfg
	}
	// Any configured pair is accepted, for every service on the endpoint.
	other := with("AKIDOTHER", "other")
	_, err = dmsapi.NewFromConfig(other).DescribeAccountAttributes(ctx(t), &dmsapi.DescribeAccountAttributesInput{})
	require.NoError(t, err)
	s3c := s3.NewFromConfig(other, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3c.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("signed-bucket")})
	require.NoError(t, err)
	_, err = s3c.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String("signed-bucket"), Key: aws.String("k"), Body: bytes.NewReader([]byte("data"))})
	require.NoError(t, err)

	for _, tt := range []struct {
		name, id, secret, code, message string
	}{
		{"wrong secret", "AKIDEXAMPLE", "wrong", "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"unknown key", "AKIDUNKNOWN", "right-secret", "UnrecognizedClientException", "The security token included in the request is invalid."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dmsapi.NewFromConfig(with(tt.id, tt.secret), func(o *dmsapi.Options) { o.RetryMaxAttempts = 1 })
			_, err := c.DescribeAccountAttributes(ctx(t), &dmsapi.DescribeAccountAttributesInput{})
			requireAPIError(t, err, tt.code, tt.message)
			kc := kinesis.NewFromConfig(with(tt.id, tt.secret), func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
			_, err = kc.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
			requireAPIError(t, err, tt.code, tt.message)
		})
	}

	// An unsigned request.
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte("{}")))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "AmazonDMSv20160101.DescribeAccountAttributes")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "MissingAuthenticationTokenException", resp.Header.Get("X-Amzn-ErrorType"))

	// The resource browser stays reachable.
	page, err := http.Get(srv.URL + "/_minidms/")
	require.NoError(t, err)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode)
}
