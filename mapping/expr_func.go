package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"unicode/utf8"
)

func (n *node) evalCall(e env) (any, error) {
	// coalesce, ifnull and iif evaluate lazily, as SQLite does.
	switch n.name {
	case "coalesce", "ifnull":
		for _, a := range n.args {
			v, err := a.eval(e)
			if err != nil || v != nil {
				return v, err
			}
		}
		return nil, nil
	case "iif":
		c, err := n.args[0].eval(e)
		if err != nil {
			return nil, err
		}
		if c != nil && truthy(c) {
			return n.args[1].eval(e)
		}
		return n.args[2].eval(e)
	case "operation_indicator":
		return n.operationIndicator(e)
	}
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(e)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	switch n.name {
	case "date", "time", "datetime", "julianday", "strftime":
		return dateFunc(n.name, args, e.header()), nil
	case "typeof":
		return typeName(args[0]), nil
	case "nullif":
		if args[0] != nil && args[1] != nil && compare(args[0], args[1]) == 0 {
			return nil, nil
		}
		return args[0], nil
	case "max", "min":
		return extreme(n.name == "max", args), nil
	}
	for _, a := range args {
		if a == nil {
			return nil, nil // the remaining functions are NULL on any NULL argument
		}
	}
	return scalar(n.name, args)
}

func scalar(fn string, args []any) (any, error) {
	switch fn {
	case "lower":
		return strings.ToLower(text(args[0])), nil
	case "upper":
		return strings.ToUpper(text(args[0])), nil
	case "ltrim", "rtrim", "trim":
		cut := " "
		if len(args) == 2 {
			cut = text(args[1])
		}
		s := text(args[0])
		if fn != "rtrim" {
			s = strings.TrimLeft(s, cut)
		}
		if fn != "ltrim" {
			s = strings.TrimRight(s, cut)
		}
		return s, nil
	case "substr", "substring":
		return substr(args), nil
	case "replace":
		s, old, repl := text(args[0]), text(args[1]), text(args[2])
		if old == "" {
			return s, nil
		}
		if n := strings.Count(s, old); len(s)+n*(len(repl)-len(old)) > maxTextLen {
			return nil, errTooLong
		}
		return strings.ReplaceAll(s, old, repl), nil
	case "length":
		if b, ok := args[0].([]byte); ok {
			return int64(len(b)), nil
		}
		return int64(utf8.RuneCountInString(text(args[0]))), nil
	case "instr":
		if b, ok := args[0].([]byte); ok {
			return int64(strings.Index(string(b), text(args[1])) + 1), nil
		}
		s, sub := text(args[0]), text(args[1])
		i := strings.Index(s, sub)
		if i < 0 {
			return int64(0), nil
		}
		return int64(utf8.RuneCountInString(s[:i]) + 1), nil
	case "round":
		digits := int64(0)
		if len(args) == 2 {
			digits = min(max(toInt(args[1]), 0), 30)
		}
		f := toFloat(args[0])
		p := math.Pow(10, float64(digits))
		if r := math.Round(f*p) / p; !math.IsInf(r, 0) && !math.IsNaN(r) {
			return r, nil
		}
		return f, nil
	case "abs":
		switch x := numeric(args[0]).(type) {
		case int64:
			if x == math.MinInt64 {
				return float64(-float64(x)), nil
			}
			return max(x, -x), nil
		case float64:
			return math.Abs(x), nil
		}
	case "hex":
		var b []byte
		if x, ok := args[0].([]byte); ok {
			b = x
		} else {
			b = []byte(text(args[0]))
		}
		if 2*len(b) > maxTextLen {
			return nil, errTooLong
		}
		return strings.ToUpper(hex.EncodeToString(b)), nil
	case "hash_sha256":
		var b []byte
		if x, ok := args[0].([]byte); ok {
			b = x
		} else {
			b = []byte(text(args[0]))
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:]), nil
	}
	return nil, nil
}

// substr is SQLite's substr(X, Y[, Z]): Y is 1-based, negative Y counts
// from the end, negative Z takes the characters before Y.
func substr(args []any) any {
	var chars []rune
	var raw []byte
	isBlob := false
	if b, ok := args[0].([]byte); ok {
		raw, isBlob = b, true
	} else {
		chars = []rune(text(args[0]))
	}
	size := int64(len(chars))
	if isBlob {
		size = int64(len(raw))
	}
	start := toInt(args[1])
	length := int64(math.MaxInt64)
	if len(args) == 3 {
		length = max(toInt(args[2]), -(1 << 40)) // keeps the arithmetic below from overflowing
	}
	switch {
	case start < 0:
		start += size
		if start < 0 {
			if length != math.MaxInt64 && length > 0 {
				length = max(length+start, 0)
			}
			start = 0
		}
	case start > 0:
		start--
	case length > 0 && length != math.MaxInt64:
		length-- // position 0 is before the first character
	}
	if length < 0 {
		n := -length
		if n > start {
			n = start
		}
		start -= n
		length = n
	}
	end := size
	if start > size {
		start = size
	}
	if length < size-start {
		end = start + length
	}
	if isBlob {
		return append([]byte(nil), raw[start:end]...)
	}
	return string(chars[start:end])
}

func (n *node) operationIndicator(e env) (any, error) {
	var op string
	if h := e.header(); h != nil {
		op = h.Operation
	}
	i := 2 // insert, and full-load rows
	switch op {
	case OperationDelete:
		i = 0
	case OperationUpdate:
		i = 1
	}
	return n.args[i].eval(e)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case int64:
		return "integer"
	case float64:
		return "real"
	case string:
		return "text"
	}
	return "blob"
}

// extreme is the scalar max() / min(): NULL if any argument is NULL.
func extreme(isMax bool, args []any) any {
	var best any
	for i, a := range args {
		if a == nil {
			return nil
		}
		if c := compare(a, best); i == 0 || isMax && c > 0 || !isMax && c < 0 {
			best = a
		}
	}
	return best
}
