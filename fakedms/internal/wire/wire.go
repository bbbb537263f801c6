// Package wire holds what fakedms's DMS API and its built-in Kinesis
// share of the awsJson 1.1 protocol: the error values the SDK does not
// model, how any error is written to the wire, and request ids.
package wire

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	smithy "github.com/aws/smithy-go"
)

// ContentType is awsJson 1.1's media type.
const ContentType = "application/x-amz-json-1.1"

// Error is an error code the SDK does not model (SerializationException,
// UnknownOperationException, InternalFailure, …), or one that needs a
// status other than 400. Modeled faults are the SDK's own types.
type Error struct {
	Code, Message string
	Status        int
}

func (e *Error) Error() string                 { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string             { return e.Code }
func (e *Error) ErrorMessage() string          { return e.Message }
func (e *Error) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// WriteError writes err as AWS does: the status (400 for the SDK's modeled
// faults, 500 for anything else), X-Amzn-ErrorType and a body
// {"__type","message"}. It returns what it wrote, for the log.
func WriteError(w http.ResponseWriter, err error) (code, msg string, status int) {
	code, msg, status = "InternalFailure", err.Error(), http.StatusInternalServerError
	if ae, ok := errors.AsType[*Error](err); ok {
		code, msg, status = ae.Code, ae.Message, ae.Status
	} else if ae, ok := errors.AsType[smithy.APIError](err); ok {
		code, msg, status = ae.ErrorCode(), ae.ErrorMessage(), http.StatusBadRequest
	}
	body, _ := json.Marshal(struct { // strings always marshal
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, msg})
	h := w.Header()
	h.Set("x-amzn-RequestId", RequestID())
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", code)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	return code, msg, status
}

// RequestID returns a random UUID-shaped request id.
func RequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
