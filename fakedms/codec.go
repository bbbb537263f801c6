package fakedms

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire codec. The SDK's input, output and types structs carry no json
// tags, but their exported Go field names are the awsJson member names, so
// one reflective walk serves every operation. Rules, both ways: time.Time
// is epoch seconds as a JSON number (the SDK refuses strings), []byte is
// standard base64, string-kinded types (the SDK's enums) are strings, nil
// pointers, slices, maps and empty enums are omitted, non-pointer scalars
// are always written (the SDK models them as members with a default), and
// unexported fields and the ResultMetadata of outputs are skipped.

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// encodeJSON renders v (a pointer to an SDK output struct) as awsJson.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeValue(&buf, reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encodeValue(buf *bytes.Buffer, v reflect.Value) error {
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return encodeValue(buf, v.Elem())
	}
	switch {
	case v.Type() == timeType:
		buf.WriteString(formatEpoch(v.Interface().(time.Time)))
		return nil
	case v.Type() == bytesType:
		writeString(buf, base64.StdEncoding.EncodeToString(v.Bytes()))
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		buf.WriteByte('{')
		first := true
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			fv := v.Field(i)
			if omitted(fv) {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeString(buf, f.Name)
			buf.WriteByte(':')
			if err := encodeValue(buf, fv); err != nil {
				return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
			}
		}
		buf.WriteByte('}')
	case reflect.Slice:
		buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeValue(buf, v.Index(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case reflect.Map:
		buf.WriteByte('{')
		keys := v.MapKeys()
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.String())
			buf.WriteByte(':')
			if err := encodeValue(buf, v.MapIndex(k)); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case reflect.String:
		writeString(buf, v.String())
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("float %v has no JSON form", f)
		}
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, v.Type().Bits()))
	default:
		return fmt.Errorf("cannot encode a %s", v.Type())
	}
	return nil
}

func omitted(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.String:
		return v.String() == "" // an unset enum
	}
	return false
}

// writeString writes s as a JSON string without encoding/json's detour
// through reflection: describe answers are mostly strings. Invalid UTF-8
// becomes U+FFFD, as encoding/json does.
func writeString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf.WriteString(s[start:i])
				buf.WriteString(`\ufffd`)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(hex[c>>4])
			buf.WriteByte(hex[c&0xf])
		}
		i++
		start = i
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

// formatEpoch writes t as epoch seconds with a millisecond fraction, as the
// SDKs and AWS do.
func formatEpoch(t time.Time) string {
	ms := t.UnixMilli()
	s := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// decodeJSON parses an awsJson request body into v (a pointer to an SDK
// input struct). Unknown members are ignored, as AWS does; a member of the
// wrong JSON type is an error naming its path.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil // the SDK sends "{}", but an empty body means no members
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("request body is not JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON object")
	}
	if _, ok := doc.(map[string]any); !ok {
		return fmt.Errorf("request body is not a JSON object")
	}
	return decodeValue(doc, reflect.ValueOf(v).Elem(), "$")
}

func decodeValue(doc any, v reflect.Value, path string) error {
	if doc == nil {
		v.SetZero()
		return nil
	}
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(doc, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	mismatch := func() error {
		return fmt.Errorf("member %s: cannot use JSON %s as %s", path, jsonKind(doc), v.Type())
	}
	switch {
	case v.Type() == timeType:
		n, ok := doc.(json.Number)
		if !ok {
			return fmt.Errorf("member %s: want a timestamp as epoch seconds (a JSON number), got JSON %s", path, jsonKind(doc))
		}
		t, err := parseEpoch(n.String())
		if err != nil {
			return fmt.Errorf("member %s: timestamp %s: %w", path, n, err)
		}
		v.Set(reflect.ValueOf(t))
		return nil
	case v.Type() == bytesType:
		s, ok := doc.(string)
		if !ok {
			return mismatch()
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("member %s: invalid base64: %w", path, err)
		}
		v.SetBytes(b)
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return mismatch()
		}
		for name, val := range obj {
			f, ok := v.Type().FieldByName(name)
			if !ok || !f.IsExported() || len(f.Index) != 1 {
				continue
			}
			if err := decodeValue(val, v.FieldByIndex(f.Index), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := doc.([]any)
		if !ok {
			return mismatch()
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, el := range arr {
			if err := decodeValue(el, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok || v.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		m := reflect.MakeMapWithSize(v.Type(), len(obj))
		for k, el := range obj {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(el, ev, path+"."+k); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.String:
		s, ok := doc.(string)
		if !ok {
			return mismatch()
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := doc.(bool)
		if !ok {
			return mismatch()
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := doc.(json.Number)
		if !ok {
			return mismatch()
		}
		i, err := strconv.ParseInt(n.String(), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("member %s: %s is not a %s", path, n, v.Type())
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := doc.(json.Number)
		if !ok {
			return mismatch()
		}
		f, err := strconv.ParseFloat(n.String(), v.Type().Bits())
		if err != nil {
			return fmt.Errorf("member %s: %s is not a number", path, n)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("member %s: cannot decode into %s", path, v.Type())
	}
	return nil
}

func jsonKind(doc any) string {
	switch doc.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	}
	return "null"
}

// parseEpoch parses decimal epoch seconds exactly (to the nanosecond) and
// falls back to float parsing for exponent notation.
func parseEpoch(s string) (time.Time, error) {
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, err
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	intPart, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	frac = (frac + "000000000")[:9]
	nsec, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	if strings.HasPrefix(intPart, "-") {
		nsec = -nsec
	}
	return time.Unix(sec, nsec).UTC(), nil
}
