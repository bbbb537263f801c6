package fakedms

// Optional SigV4 verification (WithCredentials): every request must be
// signed with one of the configured key pairs, as AWS requires. The
// signature is recomputed with the SDK's own v4 signer over exactly the
// headers the client signed, and compared in constant time.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxClockSkew is how far a request's X-Amz-Date may be from the server's
// clock: AWS allows 15 minutes.
const maxClockSkew = 15 * time.Minute

// sigVerifier checks the signatures of requests before next sees them.
type sigVerifier struct {
	secrets map[string]string // access key id → secret access key
	now     func() time.Time
	next    http.Handler
	write   func(w http.ResponseWriter, err *apiError)
}

// authHeader is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header.
type authHeader struct {
	keyID, date, region, service string
	signedHeaders                []string
	signature                    string
}

func parseAuth(h string) (authHeader, bool) {
	const scheme = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, scheme) {
		return authHeader{}, false
	}
	var a authHeader
	for _, part := range strings.Split(strings.TrimPrefix(h, scheme), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authHeader{}, false
		}
		switch k {
		case "Credential":
			scope := strings.Split(v, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" {
				return authHeader{}, false
			}
			a.keyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	return a, a.keyID != "" && a.signature != "" && len(a.signedHeaders) > 0
}

func (v *sigVerifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := v.verify(r); err != nil {
		v.write(w, err)
		return
	}
	v.next.ServeHTTP(w, r)
}

func (v *sigVerifier) verify(r *http.Request) *apiError {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return &apiError{Code: "MissingAuthenticationTokenException", Status: http.StatusForbidden, Message: "Missing Authentication Token"}
	}
	a, ok := parseAuth(raw)
	if !ok {
		return &apiError{Code: "IncompleteSignatureException", Status: http.StatusBadRequest,
			Message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of AWS4-HMAC-SHA256."}
	}
	secret, known := v.secrets[a.keyID]
	if !known {
		return &apiError{Code: "UnrecognizedClientException", Status: http.StatusBadRequest, Message: "The security token included in the request is invalid."}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &apiError{Code: "IncompleteSignatureException", Status: http.StatusBadRequest, Message: "Date must be in ISO-8601 'basic format'. Got " + fmt.Sprintf("'%s'", r.Header.Get("X-Amz-Date"))}
	}
	if skew := v.now().Sub(at); skew > maxClockSkew || skew < -maxClockSkew {
		return &apiError{Code: "InvalidSignatureException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", at.Format("20060102T150405Z"),
				v.now().Add(-maxClockSkew).UTC().Format("20060102T150405Z"), v.now().UTC().Format("20060102T150405Z"))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBytes))
	if err != nil {
		return &apiError{Code: "SerializationException", Status: http.StatusBadRequest, Message: "fakedms: read request body: " + err.Error()}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	// The request as the client signed it: only its signed headers.
	clone := &http.Request{Method: r.Method, URL: r.URL, Host: r.Host, Header: http.Header{}}
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			clone.ContentLength = int64(len(body))
		default:
			clone.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: a.keyID, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, clone, payload, a.service, a.region, at); err != nil {
		return &apiError{Code: "InvalidSignatureException", Status: http.StatusBadRequest, Message: "fakedms: cannot verify the signature: " + err.Error()}
	}
	want, _ := parseAuth(clone.Header.Get("Authorization"))
	if !hmac.Equal([]byte(want.signature), []byte(a.signature)) {
		return &apiError{Code: "InvalidSignatureException", Status: http.StatusBadRequest,
			Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return nil
}

// clientKeyPair is what the server's own clients sign with.
func (c *config) clientKeyPair() (id, secret, session string) {
	if c.secrets == nil {
		return "fakedms", "fakedms", ""
	}
	return c.firstKeyID, c.secrets[c.firstKeyID], ""
}
