package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSigningKeys(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t"}
	noEnv := func(string) string { return "" }
	for _, tt := range []struct {
		name    string
		require bool
		list    string
		getenv  func(string) string
		want    [][2]string
		err     string
	}{
		{name: "off", getenv: noEnv},
		{name: "from the environment", require: true, getenv: func(k string) string { return env[k] }, want: [][2]string{{"AKID", "s3cr3t"}}},
		{name: "from the flag", require: true, list: "A:x,B:y", getenv: noEnv, want: [][2]string{{"A", "x"}, {"B", "y"}}},
		{name: "nothing to check against", require: true, getenv: noEnv, err: "-require-signature needs -credentials or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{name: "bad pair", require: true, list: "A", getenv: noEnv, err: `-credentials: "A" is not ID:SECRET`},
		{name: "credentials alone", list: "A:x", getenv: noEnv, err: "-credentials needs -require-signature"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := signingKeys(tt.require, tt.list, tt.getenv)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:4566": true, "127.9.9.9:1": true, "[::1]:4566": true, "0.0.0.0:4566": false, "192.0.2.1:4566": false} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		require.NoError(t, err)
		require.Equal(t, want, loopback(a), addr)
	}
}
