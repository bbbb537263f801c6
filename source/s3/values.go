package s3

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/minidms/minidms/dms"
)

// errNotNullable is an empty (or CsvNullValue) field in a column that is not
// nullable.
var errNotNullable = errors.New("empty value in a column that is not nullable")

// row converts a record's fields to a row of t.
func (t *table) row(fields []field, f *csvFormat) (dms.Row, error) {
	if len(fields) != len(t.cols) {
		return nil, fmt.Errorf("%d values for %d columns", len(fields), len(t.cols))
	}
	row := make(dms.Row, len(t.cols))
	for i := range t.cols {
		c := &t.cols[i]
		v, err := c.value(fields[i], f)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		row[i] = v
	}
	return row, nil
}

// value converts one field to the Go type dms.Row prescribes for the
// column's type.
func (c *column) value(fd field, f *csvFormat) (any, error) {
	if !fd.quoted && (fd.text == "" || f.null != "" && fd.text == f.null) {
		if !c.Nullable {
			return nil, errNotNullable
		}
		return nil, nil
	}
	s := fd.text
	invalid := func() error { return fmt.Errorf("invalid %s value %q", c.SourceType, s) }
	switch c.Type {
	case dms.TypeString, dms.TypeCLOB:
		return s, nil
	case dms.TypeInt1, dms.TypeInt2, dms.TypeInt4, dms.TypeInt8:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, intBits(c.Type))
		if err != nil {
			return nil, invalid()
		}
		return n, nil
	case dms.TypeUint1, dms.TypeUint2, dms.TypeUint4, dms.TypeUint8:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, intBits(c.Type))
		if err != nil {
			return nil, invalid()
		}
		return n, nil
	case dms.TypeReal4, dms.TypeReal8:
		bits := 64
		if c.Type == dms.TypeReal4 {
			bits = 32
		}
		// NaN and infinities have no JSON form, so targets could not carry them.
		x, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, invalid()
		}
		if bits == 32 {
			return float32(x), nil
		}
		return x, nil
	case dms.TypeNumeric:
		v, ok := numeric(strings.TrimSpace(s), c.Precision, c.Scale)
		if !ok {
			return nil, invalid()
		}
		return v, nil
	case dms.TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "t", "y":
			return true, nil
		case "false", "0", "f", "n":
			return false, nil
		}
		return nil, invalid()
	case dms.TypeBytes, dms.TypeBLOB:
		h := strings.TrimSpace(s)
		if len(h) >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
			h = h[2:]
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, invalid()
		}
		return b, nil
	case dms.TypeDate, dms.TypeTime, dms.TypeDateTime:
		t, ok := parseTime(strings.TrimSpace(s), c.layouts)
		if !ok {
			return nil, invalid()
		}
		return formatTime(t, c.Type, c.Scale), nil
	}
	return nil, fmt.Errorf("unsupported type %s", c.Type)
}

// intBits is the width of an integer type.
func intBits(t dms.DataType) int {
	switch t {
	case dms.TypeInt1, dms.TypeUint1:
		return 8
	case dms.TypeInt2, dms.TypeUint2:
		return 16
	case dms.TypeInt4, dms.TypeUint4:
		return 32
	}
	return 64
}

func parseTime(s string, layouts []string) (time.Time, bool) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatTime renders a date or time as dms.Row prescribes. Go's formatter
// truncates fractional seconds, which is what AWS does beyond ColumnScale.
func formatTime(t time.Time, typ dms.DataType, scale int) string {
	frac := ""
	if scale > 0 {
		frac = "." + strings.Repeat("0", scale)
	}
	switch typ {
	case dms.TypeDate:
		return t.Format("2006-01-02")
	case dms.TypeTime:
		return t.Format("15:04:05" + frac)
	}
	return t.Format("2006-01-02 15:04:05" + frac)
}

// numeric checks a decimal against NUMERIC(precision, scale) and returns
// it as the column stores it: no sign for positives, no superfluous leading
// zeros, exactly scale fractional digits. A value with more fractional
// digits than the scale is refused rather than rounded, as is one with more
// integer digits than precision-scale, and exponents.
func numeric(s string, precision, scale int) (string, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !digits(intPart) || !digits(frac) || len(frac) > scale {
		return "", false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > precision-scale {
		return "", false
	}
	if intPart == "" {
		intPart = "0"
	}
	frac += strings.Repeat("0", scale-len(frac))
	out := intPart
	if scale > 0 {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
