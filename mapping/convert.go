package mapping

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dmsTypeOf returns the DMS type name (Column.Type) of a data-type type.
func dmsTypeOf(dataType string) (string, bool) {
	switch t := strings.ToUpper(dataType); t {
	case "INT1", "INT2", "INT4", "INT8", "UINT1", "UINT2", "UINT4", "UINT8",
		"NUMERIC", "REAL4", "REAL8", "STRING", "WSTRING", "CLOB", "NCLOB",
		"BYTES", "BLOB", "DATE", "TIME", "DATETIME", "BOOLEAN":
		return t, true
	}
	return "", false
}

// columnOf is the column a data-type describes.
func columnOf(name string, dt *DataType) Column {
	t, _ := dmsTypeOf(dt.Type)
	c := Column{Name: name, Type: t, Nullable: true}
	switch t {
	case "NUMERIC":
		c.Precision, c.Scale = dt.Precision, dt.Scale
	case "DATETIME", "TIME":
		c.Scale = dt.Precision // fractional second digits
	default:
		c.Length = dt.Length
	}
	return c
}

// convertValue converts a value to the Go type of a column's DMS type:
// int64 (INT*), uint64 (UINT*), string (NUMERIC as decimal text; the text,
// date and time types), float32 (REAL4), float64 (REAL8), []byte (BYTES,
// BLOB) or bool (BOOLEAN). Text is cut to the column's Length in
// characters, as DMS truncates. A value that is not a number where one is
// needed is an error.
func convertValue(v any, c Column) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() error {
		return fmt.Errorf("cannot convert %s to %s for column %s", describeValue(v), c.Type, c.Name)
	}
	switch c.Type {
	case "INT1", "INT2", "INT4", "INT8":
		if u, ok := v.(uint64); ok {
			if u > math.MaxInt64 {
				return nil, bad()
			}
			return int64(u), nil
		}
		n, ok := toNumber(v)
		if !ok {
			return nil, bad()
		}
		if f, isFloat := n.(float64); isFloat {
			if math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
				return nil, bad()
			}
			return int64(f), nil
		}
		return n, nil
	case "UINT1", "UINT2", "UINT4", "UINT8":
		if u, ok := v.(uint64); ok {
			return u, nil
		}
		n, ok := toNumber(v)
		if !ok {
			return nil, bad()
		}
		switch x := n.(type) {
		case int64:
			if x < 0 {
				return nil, bad()
			}
			return uint64(x), nil
		case float64:
			if math.IsNaN(x) || x < 0 || x >= math.MaxUint64 {
				return nil, bad()
			}
			return uint64(x), nil
		}
		return nil, bad()
	case "REAL4", "REAL8":
		var f float64
		switch x := v.(type) {
		case float32:
			f = float64(x)
		case uint64:
			f = float64(x)
		default:
			n, ok := toNumber(v)
			if !ok {
				return nil, bad()
			}
			f = toFloat(n)
		}
		if c.Type == "REAL4" {
			return float32(f), nil
		}
		return f, nil
	case "NUMERIC":
		r, ok := toRat(v)
		if !ok {
			return nil, bad()
		}
		if c.Scale > 0 {
			return r.FloatString(c.Scale), nil
		}
		if r.IsInt() {
			return r.Num().String(), nil
		}
		if s, isText := v.(string); isText {
			return strings.TrimSpace(s), nil
		}
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case "BOOLEAN":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "t", "yes", "y", "1":
				return true, nil
			case "false", "f", "no", "n", "0":
				return false, nil
			}
			return nil, bad()
		}
		n, ok := toNumber(v)
		if !ok {
			return nil, bad()
		}
		return toFloat(n) != 0, nil
	case "BYTES", "BLOB":
		if b, ok := v.([]byte); ok {
			return b, nil
		}
		return []byte(valueText(v)), nil
	}
	s := valueText(v)
	if c.Length > 0 && utf8.RuneCountInString(s) > c.Length {
		s = string([]rune(s)[:c.Length])
	}
	return s, nil
}

// valueText renders a neutral value as text: numbers in their shortest
// exact form, booleans as true/false.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func describeValue(v any) string {
	s := valueText(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%T %q", v, s)
}

// toNumber reads a value as an int64 or float64; text must be a whole
// number.
func toNumber(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return parseNumber(strings.TrimSpace(x))
	case []byte:
		return parseNumber(strings.TrimSpace(string(x)))
	}
	switch x := storage(v).(type) {
	case int64, float64:
		return x, true
	}
	return nil, false
}

func toRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case uint64:
		return new(big.Rat).SetUint64(x), true
	case string:
		s := strings.TrimSpace(x)
		if strings.Contains(s, "/") {
			return nil, false
		}
		return new(big.Rat).SetString(s)
	}
	n, ok := toNumber(v)
	if !ok {
		return nil, false
	}
	if i, isInt := n.(int64); isInt {
		return new(big.Rat).SetInt64(i), true
	}
	f := n.(float64)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return new(big.Rat).SetFloat64(f), true
}
