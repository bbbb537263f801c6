package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBrowser: the standalone server serves the resource browser and logs
// its address.
func TestBrowser(t *testing.T) {
	url, stop := startBinary(t)
	resp, err := http.Get(url + "/_minidms/tasks")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "<title>Replication tasks · minidms</title>")
	require.Contains(t, string(body), "No replication tasks.")
	require.Contains(t, stop(), "browser="+url+"/_minidms/")
}
