package fakekinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/minidms/minidms/fakedms/internal/wire"
)

// codec renders responses with the SDK's own awsJson 1.1 serializer.
//
// Since v1.55 the kinesis module's output types (kinesis.PutRecordOutput, …)
// serialize themselves through smithy.ShapeSerializer, driven by the schemas
// in service/kinesis/schemas (member names, timestamp format, blob
// encoding). smithy-go keeps its JSON ShapeSerializer internal; its public
// entry point is the client protocol's SerializeRequest, which writes any
// smithy.Serializable into a request body. The codec hands it a scratch
// request and keeps the bytes: the responses are then byte-for-byte what the
// SDK itself produces (timestamps as epoch-second numbers with millisecond
// fractions, blobs as standard base64, nil members omitted).
type codec struct {
	proto *awsjson.Protocol
	op    *smithy.OperationSchema
}

func newCodec() codec {
	return codec{
		proto: awsjson.New11(schemas.Kinesis_20131202),
		// Only the operation name (for the scratch request's X-Amz-Target)
		// and a non-nil, non-streaming input schema are read from it.
		op: smithy.NewOperationSchema(schemas.PutRecord, schemas.PutRecordOutput, nil),
	}
}

func (c codec) encode(v smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	if err := c.proto.SerializeRequest(context.Background(), c.op, v, req); err != nil {
		return nil, err
	}
	r := req.GetStream()
	if r == nil {
		return []byte("{}"), nil
	}
	return io.ReadAll(r)
}

// decode parses a request body into in (a struct with json tags) with
// encoding/json. A body that is not one JSON object, or a member of the
// wrong JSON type, is a SerializationException as on AWS.
//
// PutRecords, the one call whose decoding shows in a profile (a full load
// sends 500 base64 payloads a call), goes through decodePutRecords first,
// on valyala/fastjson: for the SDK's 500-record body it is 4–6× as fast as
// encoding/json (BenchmarkDecodePutRecords; encoding/json with the payloads
// as strings, base64-decoded into one buffer, was no faster) and a third
// faster than goccy/go-json, used before, whose encoder packages took 20 s
// of CPU to compile on a cold build cache against 0.3 s for fastjson.
func decode(body []byte, in any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return serializationErr("fakekinesis: request body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return serializationErr(fmt.Sprintf("fakekinesis: member %s: cannot use JSON %s as %s", te.Field, te.Value, te.Type))
		}
		return serializationErr("fakekinesis: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return serializationErr("fakekinesis: unexpected data after the JSON object")
	}
	return nil
}

// epochTime is a timestamp member of a request: epoch seconds as a JSON
// number, with an optional fraction (the SDK sends milliseconds).
type epochTime struct{ time.Time }

func (e *epochTime) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return fmt.Errorf("timestamp %s: want epoch seconds as a JSON number", b)
	}
	t, err := parseEpoch(string(b))
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	e.Time = t
	return nil
}

// parseEpoch parses decimal epoch seconds exactly (up to nanoseconds) and
// falls back to float parsing for exponent notation.
func parseEpoch(s string) (time.Time, error) {
	if !strings.ContainsAny(s, "eE") {
		intPart, frac, _ := strings.Cut(s, ".")
		sec, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return time.Time{}, err
		}
		if len(frac) > 9 {
			frac = frac[:9]
		}
		var nsec int64
		if frac != "" {
			n, err := strconv.ParseUint(frac, 10, 64)
			if err != nil {
				return time.Time{}, err
			}
			nsec = int64(n) * int64(math.Pow10(9-len(frac)))
		}
		if strings.HasPrefix(intPart, "-") {
			nsec = -nsec
		}
		return time.Unix(sec, nsec).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

// apiError is an error code the SDK does not model, or one that needs a
// status other than 400; the modeled ones are the SDK's own
// types.*Exception values.
type apiError = wire.Error

func serializationErr(msg string) error {
	return &apiError{Code: "SerializationException", Message: msg, Status: http.StatusBadRequest}
}

func errf(format string, args ...any) *string { return aws.String(fmt.Sprintf(format, args...)) }

func notFound(format string, args ...any) error {
	return &types.ResourceNotFoundException{Message: errf(format, args...)}
}

func inUse(format string, args ...any) error {
	return &types.ResourceInUseException{Message: errf(format, args...)}
}

func invalidArg(format string, args ...any) error {
	return &types.InvalidArgumentException{Message: errf(format, args...)}
}

// validation reports model-constraint violations the way Kinesis (and
// kinesalite) do: "1 validation error detected: Value … at 'member' failed
// to satisfy constraint: …".
func validation(problems ...string) error {
	n := len(problems)
	plural := ""
	if n > 1 {
		plural = "s"
	}
	return &types.ValidationException{Message: errf("%d validation error%s detected: %s", n, plural, strings.Join(problems, "; "))}
}

func mustNotBeNull(member string) string {
	return fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}
