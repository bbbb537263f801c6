package fakedms_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/minidms/minidms/fakedms"
)

// FuzzDMSOperations sends arbitrary bodies to every DMS operation: the
// answer is always a 200 or an AWS-style 400 ({"__type","message"} and the
// X-Amzn-ErrorType header), never a panic or a 500, and a rejected request
// changes nothing.
func FuzzDMSOperations(f *testing.F) {
	ops := fakedms.Operations()
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	for i := range ops {
		for _, body := range []string{
			"", "{}", "null", "[]", `"x"`, "{", deep, `{"Unknown":1}`, "\xff\xfe{}",
			`{"ReplicationTaskArn":1,"Filters":"x","MaxRecords":"20","Marker":{}}`,
			`{"EndpointIdentifier":"a","EndpointType":"source","EngineName":"mariadb","Port":99999999999}`,
			`{"ReplicationInstanceIdentifier":"ab\u0000c","ReplicationInstanceClass":"dms.t3.micro","AllocatedStorage":-1}`,
			`{"CdcStartTime":"yesterday","TableMappings":"{\"rules\":[{]}"}`,
		} {
			f.Add(uint16(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, opIndex uint16, body []byte) {
		h := fakedms.NewHandler(withDatabases()...)
		defer h.Close()
		op := ops[int(opIndex)%len(ops)]
		before := inventory(t, h)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonDMSv20160101."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: 200 with invalid JSON %q", op, rec.Body.String())
			}
		case http.StatusBadRequest:
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Type == "" || e.Message == "" {
				t.Fatalf("%s: 400 without an AWS error body: %q", op, rec.Body.String())
			}
			if got := rec.Header().Get("X-Amzn-ErrorType"); got != e.Type {
				t.Fatalf("%s: X-Amzn-ErrorType %q, body __type %q", op, got, e.Type)
			}
			if after := inventory(t, h); after != before {
				t.Fatalf("%s: a rejected request changed the state: %s -> %s", op, before, after)
			}
		default:
			t.Fatalf("%s: HTTP %d: %s", op, rec.Code, rec.Body.String())
		}
	})
}

// inventory summarises what a handler holds, through its own API.
func inventory(t *testing.T, h http.Handler) string {
	t.Helper()
	var out []string
	for _, op := range []string{"DescribeReplicationInstances", "DescribeEndpoints", "DescribeReplicationTasks", "DescribeReplicationSubnetGroups"} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "AmazonDMSv20160101."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		out = append(out, op+":"+rec.Body.String())
	}
	return strings.Join(out, "\n")
}
