package fakekinesis_test

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
)

func TestConformanceBuiltin(t *testing.T) {
	hs := httptest.NewServer(fakekinesis.New())
	t.Cleanup(hs.Close)
	kinesistest.Run(t, func(t *testing.T) *kinesis.Client { return newClient(hs.URL) })
}

// TestConformanceKinesalite runs the same suite against kinesalite, the
// test environment's third-party Kinesis (skipped unless it is configured:
// see dmstest.KinesisEndpoint).
func TestConformanceKinesalite(t *testing.T) {
	endpoint := dmstest.KinesisEndpoint(t)
	kinesistest.Run(t, func(t *testing.T) *kinesis.Client { return newClient(endpoint) })
}
