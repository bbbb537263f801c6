package fakedms_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

// Bad request bodies get an AWS-style 400 with a message that says what is
// wrong, and change nothing.
func TestBadInput(t *testing.T) {
	h := fakedms.NewHandler(withDatabases()...)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	before := inventory(t, h)
	for _, tt := range []struct {
		name, op, body, code, contains string
	}{
		{"malformed JSON", "CreateEndpoint", `{"EndpointIdentifier":`, "SerializationException", ""},
		{"wrong type", "CreateReplicationInstance", `{"ReplicationInstanceIdentifier":7,"ReplicationInstanceClass":"dms.t3.micro"}`, "SerializationException", "ReplicationInstanceIdentifier"},
		{"invalid UTF-8", "CreateReplicationInstance", "{\"ReplicationInstanceIdentifier\":\"a\xff\",\"ReplicationInstanceClass\":\"dms.t3.micro\"}", "InvalidParameterValueException", "The parameter ReplicationInstanceIdentifier is not a valid identifier."},
		{"deep nesting", "DescribeEndpoints", `{"Filters":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "SerializationException", ""},
		{"huge body", "CreateEndpoint", `{"EndpointIdentifier":"` + strings.Repeat("a", 9<<20) + `"}`, "SerializationException", "request body too large"},
		{"missing required member", "CreateReplicationInstance", `{"ReplicationInstanceClass":"dms.t3.micro"}`, "InvalidParameterValueException",
			"The parameter ReplicationInstanceIdentifier must be provided and must not be blank."},
		{"not an object", "DescribeEndpoints", `[1,2]`, "SerializationException", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(tt.body)))
			req.Header.Set("X-Amz-Target", "AmazonDMSv20160101."+tt.op)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			require.NotEmpty(t, e.Message)
			require.Equal(t, e.Type, rec.Header().Get("X-Amzn-ErrorType"))
			require.Equal(t, tt.code, e.Type, e.Message)
			require.Contains(t, e.Message, tt.contains)
			require.Equal(t, before, inventory(t, h), "a rejected request changes nothing")
		})
	}
}
