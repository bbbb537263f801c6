package fakekinesis

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// putRecordsParsers are reused across calls: a parser keeps its copy of the
// body and its parsed values between uses.
var putRecordsParsers fastjson.ParserPool

// decodePutRecords is decode for PutRecords, the hot path of a full load
// into the built-in Kinesis. valyala/fastjson parses the body; the members
// are then copied out of the parser (the base64 payloads decoded into one
// buffer for the call), so nothing refers to the parser or to the body once
// it returns. fastjson is lenient where encoding/json is strict (it keeps
// invalid escapes and raw control characters in strings), so the fast path
// takes only the shape the SDK sends, with plain strings; anything else —
// another member, a wrong type, null, an escape it cannot reproduce exactly,
// bad base64 — goes to decode, whose encoding/json decoding gives the
// answer or the error of every other operation.
func decodePutRecords(body []byte, in *putRecordsInput) error {
	if fastPutRecords(body, in) {
		return nil
	}
	*in = putRecordsInput{}
	return decode(body, in)
}

// Members of a PutRecords body, as bits of a set.
const (
	memberStreamName = 1 << iota
	memberStreamARN
	memberRecords
	memberData
	memberPartitionKey
	memberExplicitHashKey
)

func fastPutRecords(body []byte, in *putRecordsInput) bool {
	p := putRecordsParsers.Get()
	defer putRecordsParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return false
	}
	obj, err := v.Object()
	if err != nil {
		return false
	}
	var records []*fastjson.Value
	seen, ok := 0, true
	obj.Visit(func(key []byte, v *fastjson.Value) {
		if !ok {
			return
		}
		var m int
		switch string(key) {
		case "StreamName":
			m = memberStreamName
			in.StreamName, ok = stringPtr(v)
		case "StreamARN":
			m = memberStreamARN
			in.StreamARN, ok = stringPtr(v)
		case "Records":
			m = memberRecords
			records, err = v.Array()
			ok = ok && err == nil
		default:
			ok = false
		}
		// A repeated member would need encoding/json's rules for which
		// one counts.
		ok = ok && seen&m == 0
		seen |= m
	})
	if !ok {
		return false
	}
	if seen&memberRecords == 0 {
		return true
	}

	// First the members, the payloads still base64 in the parser's
	// memory; then one buffer for all the payloads of the call (its records
	// arrive, and are pruned, together, so none keeps the others' memory
	// for long).
	in.Records = make([]putRecordsEntry, len(records))
	// The partition keys' string headers, in one allocation.
	keys := make([]string, len(records))
	size := 0
	for i, rv := range records {
		robj, err := rv.Object()
		if err != nil {
			return false
		}
		r := &in.Records[i]
		seen := 0
		robj.Visit(func(key []byte, v *fastjson.Value) {
			if !ok {
				return
			}
			var m int
			switch string(key) {
			case "Data":
				m = memberData
				r.Data, err = v.StringBytes()
				// encoding/json refuses raw line breaks in a string;
				// base64 would skip them.
				ok = err == nil && bytes.IndexByte(r.Data, '\n') < 0 && bytes.IndexByte(r.Data, '\r') < 0
				if r.Data == nil {
					r.Data = []byte{} // "" is an empty payload, not a missing one
				}
			case "PartitionKey":
				m = memberPartitionKey
				keys[i], ok = plainString(v)
				r.PartitionKey = &keys[i]
			case "ExplicitHashKey":
				m = memberExplicitHashKey
				r.ExplicitHashKey, ok = stringPtr(v)
			default:
				ok = false
			}
			ok = ok && seen&m == 0
			seen |= m
		})
		if !ok {
			return false
		}
		size += base64.StdEncoding.DecodedLen(len(r.Data))
	}
	buf := make([]byte, size)
	for i := range in.Records {
		r := &in.Records[i]
		if r.Data == nil {
			continue
		}
		n, err := base64.StdEncoding.Decode(buf, r.Data)
		if err != nil {
			return false
		}
		// Full slice expressions: a record's payload never grows into the
		// next one's.
		r.Data, buf = buf[:n:n], buf[n:]
	}
	return true
}

// plainString copies a JSON string member out of the parser when fastjson
// read it exactly as encoding/json does: no raw control characters, no
// escape fastjson keeps verbatim (it leaves a backslash) or replaces (a
// broken surrogate pair, U+FFFD), valid UTF-8.
func plainString(v *fastjson.Value) (string, bool) {
	b, err := v.StringBytes()
	if err != nil {
		return "", false
	}
	ascii := true
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return "", false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && (!utf8.Valid(b) || bytes.Contains(b, []byte(string(utf8.RuneError)))) {
		return "", false
	}
	return string(b), true
}

func stringPtr(v *fastjson.Value) (*string, bool) {
	s, ok := plainString(v)
	return &s, ok
}
