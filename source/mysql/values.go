package mysql

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/minidms/minidms/dms"
)

// decoder turns one column's values, as the text protocol (full load) or the
// binlog (CDC) delivers them, into the Go type dms.Row prescribes. Both paths
// produce identical values for the same stored value.
type decoder struct {
	name string
	typ  dms.DataType
	// length is the DMS length (bytes of BIT(n>1) and BINARY(n)).
	length int
	scale  int
	st     sqlType
}

func newDecoder(c colInfo) (decoder, error) {
	m, err := mapType(c.Type)
	if err != nil {
		return decoder{}, fmt.Errorf("column %s: %w", c.Name, err)
	}
	return decoder{name: c.Name, typ: m.Type, length: m.Length, scale: m.Scale, st: c.Type}, nil
}

func newDecoders(t *tableInfo) ([]decoder, error) {
	ds := make([]decoder, len(t.Cols))
	for i, c := range t.Cols {
		d, err := newDecoder(c)
		if err != nil {
			return nil, fmt.Errorf("table %s.%s: %w", t.Schema, t.Table, err)
		}
		ds[i] = d
	}
	return ds, nil
}

// selectExpr is the expression Load selects for the column: FLOAT is widened
// to DOUBLE because the text protocol prints FLOAT with only 6 significant
// digits; the widening is exact, so the float32 comes back bit for bit.
func (d decoder) selectExpr() string {
	if d.typ == dms.TypeReal4 {
		return quoteIdent(d.name) + "*1e0"
	}
	return quoteIdent(d.name)
}

// fromText converts a text-protocol value.
func (d decoder) fromText(fv *gomysql.FieldValue) (any, error) {
	if fv.Type == gomysql.FieldValueTypeNull {
		return nil, nil
	}
	switch d.typ {
	case dms.TypeInt1, dms.TypeInt2, dms.TypeInt4, dms.TypeInt8:
		switch fv.Type {
		case gomysql.FieldValueTypeSigned:
			return fv.AsInt64(), nil
		case gomysql.FieldValueTypeUnsigned:
			return int64(fv.AsUint64()), nil
		}
		return strconv.ParseInt(string(fv.AsString()), 10, 64)
	case dms.TypeUint1, dms.TypeUint2, dms.TypeUint4, dms.TypeUint8:
		switch fv.Type {
		case gomysql.FieldValueTypeSigned, gomysql.FieldValueTypeUnsigned:
			return fv.AsUint64(), nil
		}
		return strconv.ParseUint(string(fv.AsString()), 10, 64)
	case dms.TypeReal4, dms.TypeReal8:
		var f float64
		if fv.Type == gomysql.FieldValueTypeFloat {
			f = fv.AsFloat64()
		} else {
			var err error
			if f, err = strconv.ParseFloat(string(fv.AsString()), 64); err != nil {
				return nil, err
			}
		}
		if d.typ == dms.TypeReal4 {
			return float32(f), nil
		}
		return f, nil
	case dms.TypeBoolean:
		return bitTrue(fv.AsString()), nil
	case dms.TypeBytes, dms.TypeBLOB:
		b := bytes.Clone(fv.AsString())
		if b == nil {
			b = []byte{}
		}
		if d.st.Base == "bit" {
			return leftPad(b, d.length), nil
		}
		return b, nil
	case dms.TypeDate, dms.TypeDateTime, dms.TypeTime:
		return fixFraction(string(fv.AsString()), d.scale), nil
	default: // strings
		return string(fv.AsString()), nil
	}
}

// fromBinlog converts a value go-mysql decoded from a rows event (with
// ParseTime off, TIMESTAMP rendered in UTC, DECIMAL as text).
func (d decoder) fromBinlog(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch d.typ {
	case dms.TypeInt1, dms.TypeInt2, dms.TypeInt4, dms.TypeInt8:
		return toInt64(v)
	case dms.TypeUint1, dms.TypeUint2, dms.TypeUint4, dms.TypeUint8:
		return toUint64(v, d.st.Base)
	case dms.TypeNumeric:
		return toString(v)
	case dms.TypeReal4:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		}
	case dms.TypeReal8:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
	case dms.TypeBoolean:
		n, err := toInt64(v)
		return n != 0, err
	case dms.TypeBytes, dms.TypeBLOB:
		if d.st.Base == "bit" {
			n, err := toInt64(v)
			if err != nil {
				return nil, err
			}
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(n))
			return bytes.Clone(b[8-min(d.length, 8):]), nil
		}
		var b []byte
		switch x := v.(type) {
		case []byte:
			b = bytes.Clone(x)
		case string:
			b = []byte(x)
		default:
			return nil, fmt.Errorf("column %s: binlog value of type %T for %s", d.name, v, d.typ)
		}
		if b == nil {
			b = []byte{}
		}
		if d.st.isFixedBinary() && len(b) < d.length {
			// The binlog drops BINARY's trailing zero bytes; SELECT returns them.
			b = append(b, make([]byte, d.length-len(b))...)
		}
		return b, nil
	case dms.TypeDate, dms.TypeDateTime, dms.TypeTime:
		s, err := toString(v)
		if err != nil {
			return nil, err
		}
		return fixFraction(s, d.scale), nil
	default: // strings
		switch d.st.Base {
		case "enum":
			n, err := toInt64(v)
			if err != nil {
				return nil, err
			}
			if n <= 0 || int(n) > len(d.st.Elems) {
				return "", nil
			}
			return d.st.Elems[n-1], nil
		case "set":
			n, err := toInt64(v)
			if err != nil {
				return nil, err
			}
			var parts []string
			for i, e := range d.st.Elems {
				if i < 64 && uint64(n)&(1<<uint(i)) != 0 {
					parts = append(parts, e)
				}
			}
			return strings.Join(parts, ","), nil
		}
		s, err := toString(v)
		if err != nil {
			return nil, err
		}
		switch d.st.Base {
		case "char":
			// SELECT strips CHAR's padding (PAD_CHAR_TO_FULL_LENGTH off).
			s = strings.TrimRight(s, " ")
		case "json":
			s = mysqlJSONSpacing(s)
		}
		return s, nil
	}
	return nil, fmt.Errorf("column %s: binlog value of type %T for %s", d.name, v, d.typ)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case uint:
		return int64(x), nil
	}
	return 0, fmt.Errorf("binlog value of type %T is not an integer", v)
}

// toUint64 reads an unsigned column's value. Without signedness metadata
// (binlog_row_metadata=MINIMAL) go-mysql decodes it as signed: the bits are
// reinterpreted at the column's width.
func toUint64(v any, base string) (uint64, error) {
	switch x := v.(type) {
	case int8:
		return uint64(uint8(x)), nil
	case int16:
		return uint64(uint16(x)), nil
	case int32:
		if base == "mediumint" {
			return uint64(uint32(x) & 0xffffff), nil
		}
		return uint64(uint32(x)), nil
	case int64:
		return uint64(x), nil
	}
	n, err := toInt64(v)
	return uint64(n), err
}

func toString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return "", fmt.Errorf("binlog value of type %T is not text", v)
}

func bitTrue(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}

func leftPad(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

// mysqlJSONSpacing turns go-mysql's compact rendering of a MySQL binary JSON
// value into the spacing MySQL's own JSON text has (`{"a": [1, 2]}`), the
// form a SELECT returns during full load.
func mysqlJSONSpacing(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ',' || c == ':':
			if i+1 < len(s) && s[i+1] != ' ' {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// fixFraction gives a DATETIME or TIME text exactly scale fractional digits:
// the binlog decoder omits an all-zero fraction, the text protocol prints it.
func fixFraction(s string, scale int) string {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 || strings.LastIndexByte(s, ':') > dot || strings.LastIndexByte(s, '-') > dot {
		dot = -1
	}
	if scale == 0 {
		if dot >= 0 {
			return s[:dot]
		}
		return s
	}
	frac := ""
	if dot >= 0 {
		frac = s[dot+1:]
		s = s[:dot]
	}
	if len(frac) > scale {
		frac = frac[:scale]
	}
	return s + "." + frac + strings.Repeat("0", scale-len(frac))
}

// decodeRow converts a binlog row image.
func decodeRow(ds []decoder, vals []any) (dms.Row, error) {
	if len(vals) != len(ds) {
		return nil, fmt.Errorf("row has %d values for %d columns", len(vals), len(ds))
	}
	row := make(dms.Row, len(ds))
	for i, d := range ds {
		v, err := d.fromBinlog(vals[i])
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}
