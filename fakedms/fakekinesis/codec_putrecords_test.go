package fakekinesis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchBody is a PutRecords body as the SDK sends it for the
// BenchmarkPutRecords batch: 500 records of 100 bytes.
func benchBody() []byte {
	type rec struct {
		Data         []byte
		PartitionKey string
	}
	in := struct {
		Records    []rec
		StreamName string
	}{StreamName: "bench"}
	for i := range 500 {
		data := make([]byte, 100)
		copy(data, fmt.Sprintf(`{"id":%d}`, i))
		in.Records = append(in.Records, rec{Data: data, PartitionKey: fmt.Sprint("key-", i)})
	}
	b, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	return b
}

// putRecordsBodies are bodies the fast path must take, or must leave to
// encoding/json, with the same result either way.
var putRecordsBodies = []string{
	`{"StreamName":"s","Records":[{"Data":"AQID","PartitionKey":"k"}]}`,
	`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Records":[{"Data":"AQID","PartitionKey":"k","ExplicitHashKey":"12"}]}`,
	` {"Records":[{"PartitionKey":"k","Data":""},{"Data":"AA==","PartitionKey":"é"}]} `,
	`{"Records":[]}`,
	`{"Records":[{}]}`,
	`{}`,
	`{"StreamName":"s"}`,
	// encoding/json's business: other spellings, null, repeats, escapes.
	`{"streamname":"s","records":[{"data":"AQID","partitionkey":"k"}]}`,
	`{"StreamName":null,"Records":[{"Data":null,"PartitionKey":null}]}`,
	`{"Records":null}`,
	`{"Records":[null]}`,
	`{"StreamName":"a","StreamName":"b","Records":[{"Data":"AA==","Data":"AQ=="}]}`,
	"{\"Records\":[{\"Data\":\"AQ\nID\",\"PartitionKey\":\"k\"}]}",
	"{\"Records\":[{\"Data\":\"AQID\",\"PartitionKey\":\"k\r\"}]}",
	`{"Records":[{"Data":"AQ\nID","PartitionKey":"k\u0041"}]}`,
	`{"Records":[{"Data":"AQ\/ID","PartitionKey":"\ud83d\ude00"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"\ud800\u0041"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"\ud800x"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"\udc00\ud800"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"\q"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"\u00e9\"\\"}]}`,
	`{"Records":[{"Data":"AQ\qID","PartitionKey":"k"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"a` + "\x01" + `"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"` + "\xff" + `"}]}`,
	`{"Records":[{"Data":"AQID","PartitionKey":"` + "\uFFFD" + `"}]}`,
	`{"Stream\u004eame":"s","Records":[{"Data":"AQID"}]}`,
	`{"Unknown":1,"Records":[{"Data":"AQID","Other":[1,{"a":null}]}]}`,
	// Errors, with encoding/json's messages.
	`{"Records":[{"Data":"!!!","PartitionKey":"k"}]}`,
	`{"Records":[{"Data":"AQI","PartitionKey":"k"}]}`,
	`{"Records":{}}`,
	`{"Records":[1]}`,
	`{"StreamName":5}`,
	`{"Records":[{"Data":5}]}`,
	`{"Records":[{"Data":"AQID",}]}`,
	`{"Records":[{"Data":"AQID"}]`,
	`{"Records":[]} {}`,
	`{"Records":[]}x`,
	`[]`,
	`"s"`,
	``,
	"\v{}",
	`{"Records":` + strings.Repeat("[", 400) + strings.Repeat("]", 400) + `}`,
}

// checkPutRecords decodes body with decodePutRecords and with encoding/json
// alone (decode) and fails unless both give the same input or error.
func checkPutRecords(t *testing.T, body []byte) (fast bool) {
	var got, want putRecordsInput
	gotErr := decodePutRecords(body, &got)
	wantErr := decode(body, &want)
	if wantErr != nil {
		require.EqualError(t, gotErr, wantErr.Error(), "body %q", body)
		return false
	}
	require.NoError(t, gotErr, "body %q", body)
	// DeepEqual tells a nil payload or list from an empty one.
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q: decoded %s, encoding/json %s", body, dump(got), dump(want))
	}
	return fastPutRecords(body, &putRecordsInput{})
}

func dump(in putRecordsInput) string {
	b, _ := json.Marshal(in)
	return fmt.Sprintf("%s (records nil: %t)", b, in.Records == nil)
}

func TestDecodePutRecords(t *testing.T) {
	for _, body := range putRecordsBodies {
		checkPutRecords(t, []byte(body))
	}
	require.True(t, checkPutRecords(t, benchBody()), "the SDK's body takes the fast path")
	require.True(t, checkPutRecords(t, []byte(putRecordsBodies[2])), "a UTF-8 partition key takes the fast path")

	// The payloads share one buffer; none reaches into the next.
	var in putRecordsInput
	require.NoError(t, decodePutRecords(benchBody(), &in))
	first := in.Records[0].Data
	require.Len(t, first, 100)
	require.Equal(t, 100, cap(first))
	_ = append(first, 'x')
	require.Equal(t, `{"id":1}`, string(in.Records[1].Data[:8]))
}

func FuzzDecodePutRecords(f *testing.F) {
	for _, body := range putRecordsBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPutRecords(t, body)
	})
}

// BenchmarkDecodePutRecords decodes the SDK's body for a 500-record call
// with the fast path, and with encoding/json alone for comparison.
func BenchmarkDecodePutRecords(b *testing.B) {
	body := benchBody()
	for _, c := range []struct {
		name   string
		decode func([]byte, *putRecordsInput) error
	}{
		{"fastjson", decodePutRecords},
		{"encoding-json", func(body []byte, in *putRecordsInput) error { return decode(body, in) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var in putRecordsInput
				if err := c.decode(body, &in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
