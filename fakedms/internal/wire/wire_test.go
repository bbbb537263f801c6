package wire

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"
)

func TestWriteError(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"unmodeled", &Error{Code: "SerializationException", Message: `bad "json"`, Status: http.StatusBadRequest}, 400,
			`{"__type":"SerializationException","message":"bad \"json\""}`},
		{"the SDK's fault", &types.ResourceNotFoundFault{Message: aws.String("No Tasks found matching provided filters")}, 400,
			`{"__type":"ResourceNotFoundFault","message":"No Tasks found matching provided filters"}`},
		{"anything else", errors.New("boom <1>"), 500, `{"__type":"InternalFailure","message":"boom \u003c1\u003e"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			require.Equal(t, tt.status, rec.Code)
			require.Equal(t, tt.body, rec.Body.String())
			require.Equal(t, ContentType, rec.Header().Get("Content-Type"))
			require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, rec.Header().Get("x-amzn-RequestId"))
		})
	}
	require.Equal(t, "SerializationException: m", (&Error{Code: "SerializationException", Message: "m"}).Error())
}
