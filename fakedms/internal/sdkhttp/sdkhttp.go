// Package sdkhttp holds the HTTP client wrapper that fakedms's own SDK
// clients and the Kinesis conformance suite share.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// RaceFree wraps an SDK HTTP client to avoid a race between aws-sdk-go-v2
// (smithy-go v1.28.9) and net/http that a fast local server triggers now
// and then, about one large request in a few hundred to a few thousand on
// a loaded machine.
//
// smithy-go closes the request body as soon as http.Client.Do returns.
// When the response arrives before net/http's transport has finished its
// check for body bytes beyond Content-Length, that check reads the closed
// body through its WriteTo method, which returns io.EOF; net/http takes
// that for a write error and closes the connection while the SDK is still
// reading the response: the call fails with "StatusCode: 200 …
// deserialization failed … use of closed network connection". The SDK's
// default retryer retries that error, so a PutRecords can be stored twice
// and a Create can run twice. Hiding WriteTo from the transport closes the
// window.
func RaceFree(base aws.HTTPClient) aws.HTTPClient { return bodyWithoutWriteTo{base} }

type bodyWithoutWriteTo struct{ aws.HTTPClient }

func (c bodyWithoutWriteTo) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r = r.WithContext(r.Context()) // a shallow copy
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return c.HTTPClient.Do(r)
}
