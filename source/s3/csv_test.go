package s3

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// split reads every record of in; unquoted fields are written bare, quoted
// ones in «», bad records as "BAD: reason".
func split(t *testing.T, in string, f csvFormat, maxSize int) []string {
	t.Helper()
	// One byte per read, so delimiters straddle every buffer boundary.
	rr := newRecordReader(iotest.OneByteReader(strings.NewReader(in)), &f)
	if maxSize > 0 {
		rr.maxSize = maxSize
	}
	var out []string
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		require.Equal(t, len(out)+1, rr.n, "record numbers count every record")
		if rec.bad != "" {
			out = append(out, "BAD: "+rec.bad)
			continue
		}
		var parts []string
		for _, fd := range rec.fields {
			if fd.quoted {
				parts = append(parts, "«"+fd.text+"»")
			} else {
				parts = append(parts, fd.text)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
}

func TestRecordReader(t *testing.T) {
	std := csvFormat{delim: ",", rowDelim: "\n", rfc4180: true}
	plain := csvFormat{delim: ",", rowDelim: "\n"}
	crlf := csvFormat{delim: ",", rowDelim: "\r\n", rfc4180: true}
	multi := csvFormat{delim: "||", rowDelim: "<EOR>", rfc4180: true}
	tab := csvFormat{delim: "\t", rowDelim: "\n", rfc4180: true}
	tests := []struct {
		name string
		f    csvFormat
		in   string
		want []string
	}{
		{"empty input", std, "", nil},
		{"no final delimiter", std, "1,a\n2,b", []string{"1|a", "2|b"}},
		{"final delimiter", std, "1,a\n2,b\n", []string{"1|a", "2|b"}},
		{"empty fields", std, ",,\n", []string{"||"}},
		{"blank lines are records", std, "1\n\n2\n", []string{"1", "", "2"}},
		{"quoted delimiters and newlines", std, "1,\"a,b\nc\",x\n", []string{"1|«a,b\nc»|x"}},
		{"escaped quotes", std, `"say ""hi""",""` + "\n", []string{`«say "hi"»|«»`}},
		{"quoted at end of input", std, `1,"a"`, []string{"1|«a»"}},
		{"unbalanced quote", std, "1,\"abc\n2,x\n", []string{"BAD: unbalanced quotes"}},
		{"quote inside unquoted field", std, "1,ab\"c\n2,x\n", []string{"BAD: quote inside an unquoted field", "2|x"}},
		{"text after closing quote", std, "1,\"ab\"c,d\n2,x\n", []string{"BAD: text after the closing quote of a field", "2|x"}},
		{"rfc4180 off: quotes are literal", plain, "1,\"a,b\"\n\"\"\n", []string{`1|"a|b"`, `""`}},
		{"crlf rows", crlf, "1,a\r\n2,b\nc\r\n", []string{"1|a", "2|b\nc"}},
		{"crlf rows with quoted crlf", crlf, "\"x\r\ny\",z\r\n", []string{"«x\r\ny»|z"}},
		{"multi-char delimiters", multi, "1||a|b||<EOR>2||c<EOR", []string{"1|a|b|", "2|c<EOR"}},
		{"multi-char delimiter not matched across a closing quote", multi, `"a|"|b<EOR>`, []string{"BAD: text after the closing quote of a field"}},
		{"quoted multi-char delimiter", multi, `"a||b"||c<EOR>`, []string{"«a||b»|c"}},
		{"tab delimiter", tab, "1\t\"x\ty\"\t\n", []string{"1|«x\ty»|"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, split(t, tt.in, tt.f, 0))
		})
	}
}

func TestRecordReaderOversizedRecord(t *testing.T) {
	std := csvFormat{delim: ",", rowDelim: "\r\n", rfc4180: true}
	// The oversized record holds an open quote: reading resumes at the next
	// row delimiter all the same.
	in := "1,a\r\n2,\"" + strings.Repeat("x", 40) + "\r\n3,b\r\n"
	require.Equal(t, []string{"1|a", "BAD: record longer than 20 bytes", "3|b"}, split(t, in, std, 20))
	require.Equal(t, []string{"BAD: record longer than 4 bytes"}, split(t, "123456789", std, 4))
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`\n`: "\n", `\r\n`: "\r\n", `\t`: "\t", `\\`: `\`, `|`: "|", `a\\n`: `a\n`, "\n": "\n",
	} {
		require.Equal(t, want, unescape(in), "unescape(%q)", in)
	}
}
