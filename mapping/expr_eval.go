package mapping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Header is what an expression's header references ($AR_H_…, $AR_M_…)
// read for one change.
type Header struct {
	// Operation is "INSERT", "UPDATE" or "DELETE"; full-load rows are
	// "INSERT", as DMS reports them.
	Operation string
	// Timestamp is when the change happened (full load: when the row was
	// read); CommitTimestamp when its transaction committed (full load: the
	// same as Timestamp).
	Timestamp       time.Time
	CommitTimestamp time.Time
	// TransactionID, StreamPosition and ChangeSeq are "" for full-load rows.
	TransactionID  string
	StreamPosition string
	ChangeSeq      string
	// SourceSchema and SourceTable name the change's source table.
	SourceSchema string
	SourceTable  string
}

// Operations as Header.Operation spells them.
const (
	OperationInsert = "INSERT"
	OperationUpdate = "UPDATE"
	OperationDelete = "DELETE"
)

// Eval evaluates the expression. column returns a source column's value
// (nil for NULL) and false when the table has no such column; values are
// int64, uint64, int, float32, float64, string, []byte or bool. The result
// is nil (NULL), int64, float64, string or []byte: SQLite's storage classes.
// h may be nil when the expression reads no header.
func (e *Expression) Eval(column func(name string) (any, bool), h *Header) (any, error) {
	return e.root.eval(accessorEnv{get: column, h: h})
}

// env is what evaluation reads: the row's columns and the change's header.
type env interface {
	column(name string) (v any, aff affinity, ok bool)
	header() *Header
}

type accessorEnv struct {
	get func(string) (any, bool)
	h   *Header
}

func (a accessorEnv) column(name string) (any, affinity, bool) {
	if a.get == nil {
		return nil, affNone, false
	}
	v, ok := a.get(name)
	if !ok {
		return nil, affNone, false
	}
	v = storage(v)
	aff := affText
	switch v.(type) {
	case int64, float64:
		aff = affNumeric
	case []byte, nil:
		aff = affNone
	}
	return v, aff, true
}

func (a accessorEnv) header() *Header { return a.h }

// affinity is SQLite's column affinity, which decides how comparisons
// convert their operands.
type affinity uint8

const (
	affNone affinity = iota
	affText
	affNumeric
)

// storage converts a neutral Go value to one of SQLite's storage classes:
// nil, int64, float64, string or []byte.
func storage(v any) any {
	switch t := v.(type) {
	case nil, int64, float64, string, []byte:
		return v
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t)
		}
		return float64(t)
	case uint32:
		return int64(t)
	case float32:
		return float64(t)
	case bool:
		if t {
			return int64(1)
		}
		return int64(0)
	}
	return fmt.Sprint(v)
}

var errTooLong = fmt.Errorf("expression result longer than %d bytes", maxTextLen)

func (n *node) eval(e env) (any, error) {
	switch n.kind {
	case nLiteral:
		return n.val, nil
	case nColumn:
		v, _, ok := e.column(n.name)
		if !ok {
			return nil, fmt.Errorf("unknown column $%s", n.name)
		}
		return v, nil
	case nHeader:
		return headerValue(e.header(), n.name), nil
	case nUnary:
		return n.evalUnary(e)
	case nBinary:
		return n.evalBinary(e)
	case nAnd, nOr:
		return n.evalLogic(e)
	case nIs:
		a, b, err := n.pair(e)
		if err != nil {
			return nil, err
		}
		a, b = compareAffinity(n.args[0], a, n.args[1], b, e)
		eq := a == nil && b == nil || a != nil && b != nil && compare(a, b) == 0
		return boolValue(eq != (n.name == "NOT")), nil
	case nLike:
		a, b, err := n.pair(e)
		if err != nil || a == nil || b == nil {
			return nil, err
		}
		return boolValue(like(text(b), text(a)) != n.not), nil
	case nBetween:
		return n.evalBetween(e)
	case nIn:
		return n.evalIn(e)
	case nCase:
		return n.evalCase(e)
	case nCast:
		v, err := n.args[0].eval(e)
		if err != nil {
			return nil, err
		}
		return cast(v, castAffinity(n.name)), nil
	case nCall:
		return n.evalCall(e)
	}
	return nil, fmt.Errorf("unknown expression node %d", n.kind)
}

func (n *node) pair(e env) (a, b any, err error) {
	if a, err = n.args[0].eval(e); err != nil {
		return nil, nil, err
	}
	if b, err = n.args[1].eval(e); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func headerValue(h *Header, name string) any {
	if h == nil {
		return nil
	}
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format("2006-01-02 15:04:05.000000")
	}
	switch name {
	case HeaderOperation:
		return h.Operation
	case HeaderTimestamp:
		return ts(h.Timestamp)
	case HeaderCommitTimestamp:
		return ts(h.CommitTimestamp)
	case HeaderTransactionID:
		return h.TransactionID
	case HeaderStreamPosition:
		return h.StreamPosition
	case HeaderChangeSeq:
		return h.ChangeSeq
	case MetaSourceSchema:
		return h.SourceSchema
	case MetaSourceTable:
		return h.SourceTable
	}
	return nil
}

func (n *node) evalUnary(e env) (any, error) {
	v, err := n.args[0].eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	switch n.name {
	case "NOT":
		return boolValue(!truthy(v)), nil
	case "+":
		return v, nil
	case "~":
		return ^toInt(v), nil
	}
	switch x := numeric(v).(type) {
	case int64:
		if x == math.MinInt64 {
			return -float64(x), nil
		}
		return -x, nil
	case float64:
		return -x, nil
	}
	return nil, nil
}

func (n *node) evalLogic(e env) (any, error) {
	// Three-valued logic: a NULL operand makes the result NULL unless the
	// other operand decides it.
	a, err := n.args[0].eval(e)
	if err != nil {
		return nil, err
	}
	decisive := n.kind == nOr // OR is decided by a true operand, AND by a false one
	if a != nil && truthy(a) == decisive {
		return boolValue(decisive), nil
	}
	b, err := n.args[1].eval(e)
	if err != nil {
		return nil, err
	}
	if b != nil && truthy(b) == decisive {
		return boolValue(decisive), nil
	}
	if a == nil || b == nil {
		return nil, nil
	}
	return boolValue(!decisive), nil
}

func (n *node) evalBinary(e env) (any, error) {
	a, b, err := n.pair(e)
	if err != nil || a == nil || b == nil {
		return nil, err
	}
	switch n.name {
	case "||":
		s := text(a) + text(b)
		if len(s) > maxTextLen {
			return nil, errTooLong
		}
		return s, nil
	case "=", "!=", "<", "<=", ">", ">=":
		a, b = compareAffinity(n.args[0], a, n.args[1], b, e)
		c := compare(a, b)
		var r bool
		switch n.name {
		case "=":
			r = c == 0
		case "!=":
			r = c != 0
		case "<":
			r = c < 0
		case "<=":
			r = c <= 0
		case ">":
			r = c > 0
		default:
			r = c >= 0
		}
		return boolValue(r), nil
	case "&", "|", "<<", ">>":
		x, y := toInt(a), toInt(b)
		switch n.name {
		case "&":
			return x & y, nil
		case "|":
			return x | y, nil
		case "<<":
			return shift(x, y), nil
		}
		return shift(x, -y), nil
	}
	return arith(n.name, numeric(a), numeric(b)), nil
}

// shift is SQLite's << (a negative count shifts right, arithmetically).
func shift(x, by int64) int64 {
	switch {
	case by >= 64:
		return 0
	case by <= -64:
		if x < 0 {
			return -1
		}
		return 0
	case by >= 0:
		return x << by
	}
	return x >> -by
}

// arith applies + - * / % to two numbers: integers while they stay exact,
// reals otherwise; division by zero is NULL.
func arith(op string, a, b any) any {
	x, xi := a.(int64)
	y, yi := b.(int64)
	if xi && yi {
		switch op {
		case "+":
			if r := x + y; (r > x) == (y > 0) {
				return r
			}
		case "-":
			if r := x - y; (r < x) == (y > 0) {
				return r
			}
		case "*":
			if x == 0 || y == 0 {
				return int64(0)
			}
			if r := x * y; r/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
				return r
			}
		case "/":
			if y == 0 {
				return nil
			}
			if !(x == math.MinInt64 && y == -1) {
				return x / y
			}
		case "%":
			if y == 0 {
				return nil
			}
			if y == -1 {
				return int64(0)
			}
			return x % y
		}
	}
	f, g := toFloat(a), toFloat(b)
	switch op {
	case "+":
		return f + g
	case "-":
		return f - g
	case "*":
		return f * g
	case "/":
		if g == 0 {
			return nil
		}
		return f / g
	}
	// SQLite's % on reals works on their integer parts.
	xi64, yi64 := int64(f), int64(g)
	if yi64 == 0 {
		return nil
	}
	if yi64 == -1 {
		return float64(0)
	}
	return float64(xi64 % yi64)
}

func (n *node) evalBetween(e env) (any, error) {
	x, err := n.args[0].eval(e)
	if err != nil {
		return nil, err
	}
	lo, err := n.args[1].eval(e)
	if err != nil {
		return nil, err
	}
	hi, err := n.args[2].eval(e)
	if err != nil {
		return nil, err
	}
	ge := cmpNull(n.args[0], x, n.args[1], lo, e, func(c int) bool { return c >= 0 })
	le := cmpNull(n.args[0], x, n.args[2], hi, e, func(c int) bool { return c <= 0 })
	// x BETWEEN lo AND hi is x >= lo AND x <= hi, with its NULL logic.
	var r any
	switch {
	case ge == 0 || le == 0:
		r = int64(0)
	case ge < 0 || le < 0:
		r = nil
	default:
		r = int64(1)
	}
	if n.not && r != nil {
		return boolValue(r == int64(0)), nil
	}
	return r, nil
}

// cmpNull compares with NULL logic: -1 unknown, 0 false, 1 true.
func cmpNull(an *node, a any, bn *node, b any, e env, ok func(int) bool) int {
	if a == nil || b == nil {
		return -1
	}
	a, b = compareAffinity(an, a, bn, b, e)
	if ok(compare(a, b)) {
		return 1
	}
	return 0
}

func (n *node) evalIn(e env) (any, error) {
	x, err := n.args[0].eval(e)
	if err != nil || x == nil {
		return nil, err
	}
	sawNull := false
	for _, item := range n.args[1:] {
		v, err := item.eval(e)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		a, b := compareAffinity(n.args[0], x, item, v, e)
		if compare(a, b) == 0 {
			return boolValue(!n.not), nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return boolValue(n.not), nil
}

func (n *node) evalCase(e env) (any, error) {
	var op any
	if n.operand != nil {
		v, err := n.operand.eval(e)
		if err != nil {
			return nil, err
		}
		op = v
	}
	for i := 0; i+1 < len(n.args); i += 2 {
		w, err := n.args[i].eval(e)
		if err != nil {
			return nil, err
		}
		var hit bool
		if n.operand != nil {
			if op != nil && w != nil {
				a, b := compareAffinity(n.operand, op, n.args[i], w, e)
				hit = compare(a, b) == 0
			}
		} else {
			hit = w != nil && truthy(w)
		}
		if hit {
			return n.args[i+1].eval(e)
		}
	}
	if n.els != nil {
		return n.els.eval(e)
	}
	return nil, nil
}

// affinityOf is the affinity of an operand: a column's, a CAST's, or none.
func affinityOf(n *node, e env) affinity {
	switch n.kind {
	case nColumn:
		_, aff, _ := e.column(n.name)
		return aff
	case nCast:
		switch castAffinity(n.name) {
		case castText:
			return affText
		case castInteger, castReal, castNumeric:
			return affNumeric
		}
	}
	return affNone
}

// compareAffinity converts comparison operands as SQLite does: a numeric
// operand makes a text operand numeric (when it looks like a number), a text
// operand makes an operand without affinity text.
func compareAffinity(an *node, a any, bn *node, b any, e env) (any, any) {
	fa, fb := affinityOf(an, e), affinityOf(bn, e)
	switch {
	case fa == affNumeric && fb != affNumeric:
		b = numericIfNumber(b)
	case fb == affNumeric && fa != affNumeric:
		a = numericIfNumber(a)
	case fa == affText && fb == affNone:
		b = textIfNumber(b)
	case fb == affText && fa == affNone:
		a = textIfNumber(a)
	}
	return a, b
}

func numericIfNumber(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if n, ok := parseNumber(strings.TrimSpace(s)); ok {
		return n
	}
	return v
}

func textIfNumber(v any) any {
	switch v.(type) {
	case int64, float64:
		return text(v)
	}
	return v
}

// compare orders two non-NULL values: numbers before text before blobs;
// numbers numerically, text and blobs byte by byte.
func compare(a, b any) int {
	ca, cb := class(a), class(b)
	if ca != cb {
		return ca - cb
	}
	switch ca {
	case 1:
		x, xi := a.(int64)
		y, yi := b.(int64)
		if xi && yi {
			return cmpOrdered(x, y)
		}
		return cmpOrdered(toFloat(a), toFloat(b))
	case 2:
		return strings.Compare(a.(string), b.(string))
	}
	return strings.Compare(string(a.([]byte)), string(b.([]byte)))
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func class(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64, float64:
		return 1
	case string:
		return 2
	}
	return 3
}

func boolValue(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func truthy(v any) bool {
	switch x := numeric(v).(type) {
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	return false
}

// numeric converts a value to a number as SQLite's arithmetic does: text
// and blobs by their longest numeric prefix (0 when there is none).
func numeric(v any) any {
	switch x := v.(type) {
	case int64, float64:
		return v
	case string:
		return numberPrefix(x)
	case []byte:
		return numberPrefix(string(x))
	}
	return int64(0)
}

func numberPrefix(s string) any {
	s = strings.TrimLeft(s, " \t\n\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := end
	end = scanNumber(s, end)
	if end == digits || end == digits+1 && s[digits] == '.' {
		return int64(0)
	}
	n, _ := parseNumber(s[:end])
	return n
}

// parseNumber parses a whole string as an integer or a real.
func parseNumber(s string) (any, bool) {
	if s == "" {
		return nil, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, false
	}
	if strings.ContainsAny(s, "xXpPnN_iI") { // hex floats, NaN, Inf, underscores are not SQL numbers
		return nil, false
	}
	return f, true
}

func toInt(v any) int64 {
	switch x := numeric(v).(type) {
	case int64:
		return x
	case float64:
		return floatToInt(x)
	}
	return 0
}

// floatToInt truncates toward zero, saturating as SQLite does.
func floatToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func toFloat(v any) float64 {
	switch x := numeric(v).(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// text renders a value as SQLite does: integers in decimal, reals with 15
// significant digits and always a decimal point or exponent.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatReal(x)
	}
	return fmt.Sprint(v)
}

func formatReal(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return ""
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

// Cast target affinities (CAST(x AS type)), by SQLite's type-name rules.
type castKind uint8

const (
	castBlob castKind = iota
	castText
	castInteger
	castReal
	castNumeric
)

func castAffinity(typeName string) castKind {
	switch t := strings.ToUpper(typeName); {
	case strings.Contains(t, "INT"):
		return castInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return castText
	case strings.Contains(t, "BLOB"), t == "":
		return castBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return castReal
	}
	return castNumeric
}

func cast(v any, to castKind) any {
	if v == nil {
		return nil
	}
	switch to {
	case castText:
		return text(v)
	case castBlob:
		if b, ok := v.([]byte); ok {
			return b
		}
		return []byte(text(v))
	case castInteger:
		return toInt(v)
	case castReal:
		return toFloat(v)
	}
	n := numeric(v)
	if f, ok := n.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return n
}

// like matches SQLite's LIKE: % any run, _ one character, ASCII letters
// case-insensitively. It runs in time proportional to the product of the
// lengths at worst.
func like(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	star, starT := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == '%':
			star, starT = pi, ti
			pi++
		case pi < len(p) && (p[pi] == '_' || foldASCII(p[pi]) == foldASCII(t[ti])):
			pi++
			ti++
		case star >= 0:
			starT++
			pi, ti = star+1, starT
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

func foldASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}
