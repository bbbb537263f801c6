package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// Expression is a parsed transformation expression (the SQLite-syntax
// subset of an add-column rule's "expression"). It is immutable and safe for
// concurrent use.
type Expression struct {
	src  string
	root *node
}

// String returns the expression as written.
func (e *Expression) String() string { return e.src }

// Columns returns the source columns the expression references ($name), in
// order of first use.
func (e *Expression) Columns() []string {
	var out []string
	seen := map[string]bool{}
	e.root.walk(func(n *node) {
		if n.kind == nColumn && !seen[n.name] {
			seen[n.name] = true
			out = append(out, n.name)
		}
	})
	return out
}

// Limits that keep a hostile expression from exhausting the stack or memory.
const (
	maxExprDepth = 100
	maxExprLen   = 64 << 10
	maxTextLen   = 1 << 20 // longest text or blob an expression may build
)

// ParseExpression parses a transformation expression. Errors say what is
// wrong and at which byte offset.
func ParseExpression(src string) (*Expression, error) {
	if len(src) > maxExprLen {
		return nil, fmt.Errorf("expression longer than %d bytes", maxExprLen)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != lxEOF {
		return nil, fmt.Errorf("unexpected %s at offset %d", t, t.pos)
	}
	return &Expression{src: src, root: root}, nil
}

type nodeKind uint8

const (
	nLiteral nodeKind = iota // val
	nColumn                  // $name
	nHeader                  // $AR_H_… / $AR_M_…
	nUnary                   // name: "-", "+", "~", "NOT"; args[0]
	nBinary                  // name: operator; args[0], args[1]
	nAnd                     // args
	nOr                      // args
	nIs                      // args[0] IS [NOT] args[1]
	nLike                    // args[0] [NOT] LIKE args[1]
	nBetween                 // args[0] [NOT] BETWEEN args[1] AND args[2]
	nIn                      // args[0] [NOT] IN (args[1:])
	nCase                    // operand (may be nil), args: when, then, when, then…; els
	nCast                    // args[0] AS name
	nCall                    // name(args)
)

type node struct {
	kind    nodeKind
	name    string
	val     any
	args    []*node
	not     bool
	operand *node // CASE operand
	els     *node // CASE ELSE
}

func (n *node) walk(f func(*node)) {
	if n == nil {
		return
	}
	f(n)
	for _, a := range n.args {
		a.walk(f)
	}
	n.operand.walk(f)
	n.els.walk(f)
}

// Headers an expression may read.
const (
	HeaderOperation       = "AR_H_OPERATION"
	HeaderTimestamp       = "AR_H_TIMESTAMP"
	HeaderCommitTimestamp = "AR_H_COMMIT_TIMESTAMP"
	HeaderTransactionID   = "AR_H_TRANSACTION_ID"
	HeaderStreamPosition  = "AR_H_STREAM_POSITION"
	HeaderChangeSeq       = "AR_H_CHANGE_SEQ"
	MetaSourceSchema      = "AR_M_SOURCE_SCHEMA"
	MetaSourceTable       = "AR_M_SOURCE_TABLE_NAME"
)

func knownHeader(name string) bool {
	switch name {
	case HeaderOperation, HeaderTimestamp, HeaderCommitTimestamp, HeaderTransactionID,
		HeaderStreamPosition, HeaderChangeSeq, MetaSourceSchema, MetaSourceTable:
		return true
	}
	return false
}

// arity gives a function's least and greatest argument count (-1: no
// limit); ok is false for an unknown function.
func arity(fn string) (lo, hi int, ok bool) {
	switch fn {
	case "lower", "upper", "length", "abs", "hex", "typeof", "hash_sha256":
		return 1, 1, true
	case "ltrim", "rtrim", "trim", "round":
		return 1, 2, true
	case "substr", "substring":
		return 2, 3, true
	case "replace", "iif", "operation_indicator":
		return 3, 3, true
	case "instr", "ifnull", "nullif":
		return 2, 2, true
	case "coalesce", "max", "min":
		return 2, -1, true
	case "date", "time", "datetime", "julianday":
		return 0, -1, true
	case "strftime":
		return 1, -1, true
	}
	return 0, 0, false
}

// Binding powers, SQLite's precedence from loosest to tightest.
const (
	bpOr = iota + 1
	bpAnd
	bpNot
	bpEquality // = == != <> IS IN LIKE BETWEEN
	bpCompare  // < <= > >=
	bpBits     // & | << >>
	bpAdd      // + -
	bpMul      // * / %
	bpConcat   // ||
	bpUnary
)

type parser struct {
	toks  []lexeme
	i     int
	depth int
}

func (p *parser) peek() lexeme { return p.toks[p.i] }

func (p *parser) next() lexeme {
	t := p.toks[p.i]
	if t.kind != lxEOF {
		p.i++
	}
	return t
}

func (p *parser) keyword(words ...string) bool {
	for k, w := range words {
		t := p.toks[min(p.i+k, len(p.toks)-1)]
		if t.kind != lxIdent || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	return true
}

func (p *parser) expect(kind lexKind, text string) error {
	t := p.next()
	if t.kind != kind || kind == lxIdent && !strings.EqualFold(t.text, text) || kind == lxOp && t.text != text {
		return fmt.Errorf("expected %s, found %s at offset %d", text, t, t.pos)
	}
	return nil
}

// expr parses an expression whose operators bind tighter than minBP.
func (p *parser) expr(minBP int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, fmt.Errorf("expression nested deeper than %d at offset %d", maxExprDepth, p.peek().pos)
	}
	left, err := p.prefix()
	if err != nil {
		return nil, err
	}
	for {
		done, err := p.infix(&left, minBP)
		if err != nil {
			return nil, err
		}
		if done {
			return left, nil
		}
	}
}

func (p *parser) prefix() (*node, error) {
	t := p.next()
	switch t.kind {
	case lxNumber:
		return &node{kind: nLiteral, val: parseNumberLiteral(t.text)}, nil
	case lxString:
		return &node{kind: nLiteral, val: t.text}, nil
	case lxColumn:
		if strings.HasPrefix(t.text, "AR_H_") || strings.HasPrefix(t.text, "AR_M_") {
			if !knownHeader(t.text) {
				return nil, fmt.Errorf("unsupported header $%s at offset %d", t.text, t.pos)
			}
			return &node{kind: nHeader, name: t.text}, nil
		}
		return &node{kind: nColumn, name: t.text}, nil
	case lxOp:
		switch t.text {
		case "(":
			n, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			return n, p.expect(lxOp, ")")
		case "-", "+", "~":
			arg, err := p.expr(bpUnary)
			if err != nil {
				return nil, err
			}
			return &node{kind: nUnary, name: t.text, args: []*node{arg}}, nil
		}
	case lxIdent:
		switch strings.ToUpper(t.text) {
		case "NULL":
			return &node{kind: nLiteral}, nil
		case "TRUE":
			return &node{kind: nLiteral, val: int64(1)}, nil
		case "FALSE":
			return &node{kind: nLiteral, val: int64(0)}, nil
		case "NOT":
			arg, err := p.expr(bpNot)
			if err != nil {
				return nil, err
			}
			return &node{kind: nUnary, name: "NOT", args: []*node{arg}}, nil
		case "CASE":
			return p.caseExpr()
		case "CAST":
			return p.castExpr()
		}
		if p.peek().kind == lxOp && p.peek().text == "(" {
			return p.call(t)
		}
		return nil, fmt.Errorf("unexpected identifier %q at offset %d (columns are written $name)", t.text, t.pos)
	}
	return nil, fmt.Errorf("unexpected %s at offset %d", t, t.pos)
}

// infix extends left with one infix operator binding tighter than minBP;
// done reports that there is none.
func (p *parser) infix(left **node, minBP int) (done bool, err error) {
	t := p.peek()
	bin := func(bp int, kind nodeKind, name string) (bool, error) {
		p.next()
		right, err := p.expr(bp)
		if err != nil {
			return false, err
		}
		*left = &node{kind: kind, name: name, args: []*node{*left, right}}
		return false, nil
	}
	switch t.kind {
	case lxOp:
		switch t.text {
		case "||":
			if bpConcat > minBP {
				return bin(bpConcat, nBinary, "||")
			}
		case "*", "/", "%":
			if bpMul > minBP {
				return bin(bpMul, nBinary, t.text)
			}
		case "+", "-":
			if bpAdd > minBP {
				return bin(bpAdd, nBinary, t.text)
			}
		case "&", "|", "<<", ">>":
			if bpBits > minBP {
				return bin(bpBits, nBinary, t.text)
			}
		case "<", "<=", ">", ">=":
			if bpCompare > minBP {
				return bin(bpCompare, nBinary, t.text)
			}
		case "=", "==", "!=", "<>":
			if bpEquality > minBP {
				name := t.text
				switch name {
				case "==":
					name = "="
				case "<>":
					name = "!="
				}
				return bin(bpEquality, nBinary, name)
			}
		}
		return true, nil
	case lxIdent:
	default:
		return true, nil
	}
	switch {
	case p.keyword("OR") && bpOr > minBP:
		return bin(bpOr, nOr, "")
	case p.keyword("AND") && bpAnd > minBP:
		return bin(bpAnd, nAnd, "")
	case bpEquality <= minBP:
		return true, nil
	case p.keyword("IS", "NOT"):
		p.next()
		return bin(bpEquality, nIs, "NOT")
	case p.keyword("IS"):
		return bin(bpEquality, nIs, "")
	}
	not := p.keyword("NOT")
	if not {
		p.i++
	}
	switch {
	case p.keyword("LIKE"):
		_, err := bin(bpEquality, nLike, "")
		(*left).not = not
		return false, err
	case p.keyword("BETWEEN"):
		p.next()
		lo, err := p.expr(bpEquality)
		if err != nil {
			return false, err
		}
		if err := p.expect(lxIdent, "AND"); err != nil {
			return false, err
		}
		hi, err := p.expr(bpEquality)
		if err != nil {
			return false, err
		}
		*left = &node{kind: nBetween, not: not, args: []*node{*left, lo, hi}}
		return false, nil
	case p.keyword("IN"):
		p.next()
		if err := p.expect(lxOp, "("); err != nil {
			return false, err
		}
		args := []*node{*left}
		list, err := p.list()
		if err != nil {
			return false, err
		}
		if len(list) == 0 {
			return false, fmt.Errorf("empty IN list at offset %d", t.pos)
		}
		*left = &node{kind: nIn, not: not, args: append(args, list...)}
		return false, nil
	}
	if not {
		return false, fmt.Errorf("expected LIKE, BETWEEN or IN after NOT at offset %d", p.peek().pos)
	}
	return true, nil
}

// list parses comma-separated expressions up to and including ")".
func (p *parser) list() ([]*node, error) {
	var out []*node
	if t := p.peek(); t.kind == lxOp && t.text == ")" {
		p.next()
		return nil, nil
	}
	for {
		n, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		t := p.next()
		if t.kind == lxOp && t.text == ")" {
			return out, nil
		}
		if t.kind != lxOp || t.text != "," {
			return nil, fmt.Errorf("expected , or ), found %s at offset %d", t, t.pos)
		}
	}
}

func (p *parser) call(name lexeme) (*node, error) {
	fn := strings.ToLower(name.text)
	lo, hi, ok := arity(fn)
	if !ok {
		return nil, fmt.Errorf("unknown function %s at offset %d", name.text, name.pos)
	}
	p.next() // (
	args, err := p.list()
	if err != nil {
		return nil, err
	}
	if len(args) < lo || hi >= 0 && len(args) > hi {
		return nil, fmt.Errorf("wrong number of arguments to function %s() at offset %d", fn, name.pos)
	}
	return &node{kind: nCall, name: fn, args: args}, nil
}

func (p *parser) caseExpr() (*node, error) {
	n := &node{kind: nCase}
	if !p.keyword("WHEN") {
		op, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		n.operand = op
	}
	for p.keyword("WHEN") {
		p.next()
		when, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(lxIdent, "THEN"); err != nil {
			return nil, err
		}
		then, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, when, then)
	}
	if len(n.args) == 0 {
		return nil, fmt.Errorf("CASE without WHEN at offset %d", p.peek().pos)
	}
	if p.keyword("ELSE") {
		p.next()
		els, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		n.els = els
	}
	return n, p.expect(lxIdent, "END")
}

func (p *parser) castExpr() (*node, error) {
	if err := p.expect(lxOp, "("); err != nil {
		return nil, err
	}
	arg, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if err := p.expect(lxIdent, "AS"); err != nil {
		return nil, err
	}
	var words []string
	for p.peek().kind == lxIdent {
		words = append(words, p.next().text)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("expected a type name at offset %d", p.peek().pos)
	}
	// A length such as VARCHAR(10) does not change the affinity.
	if t := p.peek(); t.kind == lxOp && t.text == "(" {
		p.next()
		if _, err := p.list(); err != nil {
			return nil, err
		}
	}
	if err := p.expect(lxOp, ")"); err != nil {
		return nil, err
	}
	return &node{kind: nCast, name: strings.ToUpper(strings.Join(words, " ")), args: []*node{arg}}, nil
}

func parseNumberLiteral(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	f, _ := strconv.ParseFloat(s, 64) // the lexer admits only well-formed numbers; huge ones become ±Inf
	return f
}
