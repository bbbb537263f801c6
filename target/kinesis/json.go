package kinesis

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// jsonWriter appends JSON to a byte slice the way the cJSON C library prints
// it, formatted (cJSON_Print) or not (cJSON_PrintUnformatted):
//
//	{
//		"key":	value,
//		"obj":	{
//			"k":	1
//		},
//		"empty":	{
//		},
//		"arr":	["a", "b"]
//	}
//
// It holds no maps and allocates only when the slice grows.
type jsonWriter struct {
	b      []byte
	pretty bool
	depth  int
	// empty has bit d set while the object opened at depth d has no member.
	empty uint64
	// scratch holds the text of a number while it is checked for round
	// tripping; kept here so checking allocates nothing.
	scratch []byte
}

func (w *jsonWriter) tabs(n int) {
	for ; n > 0; n-- {
		w.b = append(w.b, '\t')
	}
}

// open starts an object (as a value: after key, or at the top).
func (w *jsonWriter) open() {
	w.b = append(w.b, '{')
	w.depth++
	w.empty |= 1 << w.depth
	if w.pretty {
		w.b = append(w.b, '\n')
	}
}

// close ends the innermost object.
func (w *jsonWriter) close() {
	if w.pretty {
		if w.empty&(1<<w.depth) == 0 {
			w.b = append(w.b, '\n')
		}
		w.tabs(w.depth - 1)
	}
	w.empty &^= 1 << w.depth
	w.depth--
	w.b = append(w.b, '}')
}

// sep writes what goes before a member of the innermost object.
func (w *jsonWriter) sep() {
	if w.empty&(1<<w.depth) != 0 {
		w.empty &^= 1 << w.depth
	} else {
		w.b = append(w.b, ',')
		if w.pretty {
			w.b = append(w.b, '\n')
		}
	}
	if w.pretty {
		w.tabs(w.depth)
	}
}

// key starts a member whose name needs no escaping (the format's own keys).
func (w *jsonWriter) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	if w.pretty {
		w.b = append(w.b, '\t')
	}
}

// name starts a member whose name comes from the source (a column name).
func (w *jsonWriter) name(k string) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
	if w.pretty {
		w.b = append(w.b, '\t')
	}
}

func (w *jsonWriter) str(s string) { w.b = appendString(w.b, s) }

// openArray starts an array. cJSON counts an array as a nesting level,
// which shows in the indentation of the objects inside it.
func (w *jsonWriter) openArray() {
	w.b = append(w.b, '[')
	w.depth++
}

// element writes what goes before the n-th (0-based) element of an array.
func (w *jsonWriter) element(n int) {
	if n > 0 {
		w.b = append(w.b, ',')
		if w.pretty {
			w.b = append(w.b, ' ')
		}
	}
}

func (w *jsonWriter) closeArray() {
	w.depth--
	w.b = append(w.b, ']')
}

func (w *jsonWriter) strArray(items []string) {
	w.b = append(w.b, '[')
	for i, s := range items {
		if i > 0 {
			w.b = append(w.b, ',')
			if w.pretty {
				w.b = append(w.b, ' ')
			}
		}
		w.b = appendString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// number appends d as cJSON's print_number does: integers within the C int
// range with %d, others with %1.15g unless that does not read back as d
// (within one DBL_EPSILON, cJSON's compare_double), then with %1.17g; NaN and
// infinities as null.
func (w *jsonWriter) number(d float64) {
	switch {
	case math.IsNaN(d) || math.IsInf(d, 0):
		w.b = append(w.b, "null"...)
		return
	case d > math.MinInt32-1 && d < math.MaxInt32+1 && d == math.Trunc(d):
		w.b = strconv.AppendInt(w.b, int64(d), 10)
		return
	}
	w.scratch = strconv.AppendFloat(w.scratch[:0], d, 'g', 15, 64)
	// The scratch buffer outlives the call, so viewing it as a string
	// allocates nothing; ParseFloat does not keep the string on success. Like
	// sscanf, it reads a number beyond the double range as an infinity, which
	// compare_double then takes for equal.
	back, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(w.scratch), len(w.scratch)), 64)
	if (err == nil || errors.Is(err, strconv.ErrRange)) && sameDouble(back, d) {
		w.b = append(w.b, w.scratch...)
		return
	}
	w.b = strconv.AppendFloat(w.b, d, 'g', 17, 64)
}

// sameDouble is cJSON's compare_double.
func sameDouble(a, b float64) bool {
	m := math.Max(math.Abs(a), math.Abs(b))
	return math.Abs(a-b) <= m*epsilon
}

const epsilon = 2.220446049250313e-16 // DBL_EPSILON

// appendTimestamp appends t in UTC as "2019-10-31T22:53:59.721201Z", the
// layout of metadata.timestamp and commit-timestamp.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, min, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z', '"')
}

func appendDigits(b []byte, v, width int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + v)
	return append(b, tmp[i:]...)
}

const hexDigits = "0123456789abcdef"

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// appendString appends s as a JSON string escaped as cJSON escapes: the
// quote, the backslash and control characters (\b \f \n \r \t by name, the
// rest as \u00xx); everything else, '/' and non-ASCII included, as is.
// Invalid UTF-8 becomes U+FFFD so that every record is valid JSON.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendStringBody(b, s)
	return append(b, '"')
}

// appendStringBody appends s escaped as appendString does, without quotes.
func appendStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			// Skip eight bytes at once when none is a control character,
			// '"', '\\' or non-ASCII (the compiler makes this one load).
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if ((w-0x2020202020202020)|((w^0x2222222222222222)-ones)|((w^0x5c5c5c5c5c5c5c5c)-ones)|w)&highs == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(b, s[start:]...)
}
