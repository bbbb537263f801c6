package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

type recordingClient struct{ body io.ReadCloser }

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	c.body = r.Body
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// The transport never sees the body's WriteTo, the method the race goes
// through; the bytes are unchanged.
func TestRaceFreeHidesWriteTo(t *testing.T) {
	base := &recordingClient{}
	body := io.NopCloser(bytes.NewReader([]byte("payload"))) // has WriteTo
	_, isWriterTo := body.(io.WriterTo)
	require.True(t, isWriterTo)
	req, err := http.NewRequest(http.MethodPost, "http://example.invalid/", body)
	require.NoError(t, err)
	_, err = RaceFree(base).Do(req)
	require.NoError(t, err)
	_, isWriterTo = base.body.(io.WriterTo)
	require.False(t, isWriterTo)
	data, err := io.ReadAll(base.body)
	require.NoError(t, err)
	require.Equal(t, "payload", string(data))
	require.Equal(t, body, req.Body, "the caller's request is not changed")
}
