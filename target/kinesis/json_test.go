package kinesis

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// Every character that needs escaping, at every offset of the eight-byte
// fast path, comes out escaped.
func TestAppendStringEscapesEverywhere(t *testing.T) {
	specials := map[string]string{
		`"`: `\"`, `\`: `\\`, "\n": `\n`, "\r": `\r`, "\t": `\t`, "\b": `\b`, "\f": `\f`,
		"\x00": `\u0000`, "\x1f": `\u001f`, "\x7f": "\x7f", "/": "/", "é": "é", "😀": "😀", "\xff": "\uFFFD",
	}
	for in, esc := range specials {
		for n := range 20 {
			for _, tail := range []int{0, 1, 9} {
				s := strings.Repeat("a", n) + in + strings.Repeat("b", tail)
				want := `"` + strings.Repeat("a", n) + esc + strings.Repeat("b", tail) + `"`
				require.Equal(t, want, string(appendString(nil, s)), "%q", s)
			}
		}
	}
}

// Whatever the input, the output is one valid JSON string that decodes to
// the input (with invalid UTF-8 replaced).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text", "q\"b\\s\n\x00\x1f", "emoji 😀 日本", "bad \xff\xfe utf8 \xc3", strings.Repeat("\"", 17)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		require.True(t, utf8.Valid(out))
		var back string
		require.NoError(t, json.Unmarshal(out, &back), "%q", out)
		var want strings.Builder // each invalid byte becomes U+FFFD
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			want.WriteRune(r)
			i += size
		}
		require.Equal(t, want.String(), back)
	})
}
