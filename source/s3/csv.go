package s3

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// encoding/csv is not used: its field separator is a single rune and its
// records always end at "\n" (or "\r\n"), while CsvDelimiter and
// CsvRowDelimiter may be any string, and Rfc4180=false needs quotes read
// literally.

// maxRecordBytes bounds one record, so an object without row delimiters (or
// with a quote that never closes) cannot fill memory.
const maxRecordBytes = 16 << 20

// csvFormat is how the files of a source split into records and fields.
type csvFormat struct {
	delim, rowDelim string
	rfc4180         bool
	null            string
}

// field is one field of a record. quoted tells a quoted empty field (an
// empty string) from an unquoted one (NULL).
type field struct {
	text   string
	quoted bool
}

// record is one record of an object. bad, when not empty, says why the
// record cannot be split into fields; fields are then unusable.
type record struct {
	fields []field
	bad    string
}

// blank reports whether the record is an empty line.
func (r record) blank() bool {
	return r.bad == "" && len(r.fields) == 1 && r.fields[0].text == "" && !r.fields[0].quoted
}

// recordReader splits a stream into records, reading it through a bufio
// reader so memory holds one record at a time. It takes no context: it
// reads an object's body, which the context of the object's request
// closes.
type recordReader struct {
	r       *bufio.Reader
	f       *csvFormat
	maxSize int
	// n counts the records returned, blank and bad ones included, so it is
	// the 1-based number of the last record returned.
	n   int
	buf []byte
}

func newRecordReader(r io.Reader, f *csvFormat) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10), f: f, maxSize: maxRecordBytes}
}

// Field states.
const (
	unquoted     = iota // in an unquoted field, or at the start of any field
	inQuotes            // inside a quoted field
	quoteInQuote        // just read a quote inside a quoted field
	afterQuote          // after the closing quote of a quoted field
)

// next returns the next record, or io.EOF after the last one. A record
// ends at the row delimiter or at the end of the stream; an empty stream
// has no record, and neither has the end of the stream right after a row
// delimiter.
func (rr *recordReader) next() (record, error) {
	f := rr.f
	var rec record
	state := unquoted
	quoted := false
	// quoteEnd is where the quoted content ends in buf, so that a delimiter
	// is never matched across the closing quote.
	quoteEnd := 0
	size := 0
	rr.buf = rr.buf[:0]

	endField := func(dlen int) {
		end := len(rr.buf) - dlen
		fd := field{quoted: quoted}
		if quoted {
			fd.text = string(rr.buf[:quoteEnd])
			if end > quoteEnd && rec.bad == "" {
				rec.bad = "text after the closing quote of a field"
			}
		} else {
			fd.text = string(rr.buf[:end])
		}
		rec.fields = append(rec.fields, fd)
		rr.buf = rr.buf[:0]
		state, quoted, quoteEnd = unquoted, false, 0
	}

	for {
		b, err := rr.r.ReadByte()
		if err == io.EOF {
			if size == 0 {
				return record{}, io.EOF
			}
			if state == inQuotes && rec.bad == "" {
				rec.bad = "unbalanced quotes"
			}
			if state == quoteInQuote {
				quoteEnd = len(rr.buf)
			}
			endField(0)
			rr.n++
			return rec, nil
		}
		if err != nil {
			return record{}, err
		}
		size++
		if size > rr.maxSize {
			rr.n++
			return record{bad: fmt.Sprintf("record longer than %d bytes", rr.maxSize)}, rr.skipRecord()
		}
		switch state {
		case inQuotes:
			if b == '"' {
				state = quoteInQuote
			} else {
				rr.buf = append(rr.buf, b)
			}
			continue
		case quoteInQuote:
			if b == '"' { // "" is an escaped quote
				rr.buf = append(rr.buf, b)
				state = inQuotes
				continue
			}
			state, quoteEnd = afterQuote, len(rr.buf)
		case unquoted:
			if f.rfc4180 && b == '"' {
				if len(rr.buf) == 0 {
					state, quoted = inQuotes, true
					continue
				}
				if rec.bad == "" {
					rec.bad = "quote inside an unquoted field"
				}
			}
		}
		rr.buf = append(rr.buf, b)
		tail := rr.buf[quoteEnd:]
		if bytes.HasSuffix(tail, []byte(f.rowDelim)) {
			endField(len(f.rowDelim))
			rr.n++
			return rec, nil
		}
		if bytes.HasSuffix(tail, []byte(f.delim)) {
			endField(len(f.delim))
		}
	}
}

// skipRecord discards input up to and including the next row delimiter,
// quotes or not: after an oversized record nothing can be trusted but the
// row delimiter.
func (rr *recordReader) skipRecord() error {
	d := []byte(rr.f.rowDelim)
	window := make([]byte, 0, len(d))
	for {
		b, err := rr.r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(window) == len(d) {
			window = append(window[:0], window[1:]...)
		}
		window = append(window, b)
		if bytes.Equal(window, d) {
			return nil
		}
	}
}

// unescape reads the escapes \n, \r, \t and \\ in a delimiter setting: AWS
// shows CsvRowDelimiter's default as the two characters `\n`, so a setting
// copied from DescribeEndpoints means a newline.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r", `\t`, "\t").Replace(s)
}
