package mapping

import (
	"fmt"
	"strings"
)

type lexKind uint8

const (
	lxEOF    lexKind = iota
	lxNumber         // 12, 1.5, .5, 1e3
	lxString         // 'text' ('' is a quote)
	lxIdent          // keyword, function or type name; "quoted" too
	lxColumn         // $name: text is the name without $
	lxOp             // operator or punctuation
)

type lexeme struct {
	kind lexKind
	text string
	pos  int
}

func (l lexeme) String() string {
	switch l.kind {
	case lxEOF:
		return "end of expression"
	case lxString:
		return fmt.Sprintf("string '%s'", l.text)
	case lxColumn:
		return "$" + l.text
	}
	return fmt.Sprintf("%q", l.text)
}

// twoCharOps are the operators of two characters; they are matched before
// the one-character ones.
const twoCharOps = "|| <= >= <> != == << >>"

func lex(src string) ([]lexeme, error) {
	var out []lexeme
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			j := scanNumber(src, i)
			if j < len(src) && isIdentByte(src[j]) {
				return nil, fmt.Errorf("malformed number at offset %d", i)
			}
			out = append(out, lexeme{lxNumber, src[i:j], i})
			i = j
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, fmt.Errorf("unterminated string starting at offset %d", i)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			out = append(out, lexeme{lxString, b.String(), i})
			i = j + 1
		case c == '"':
			end := strings.IndexByte(src[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted identifier starting at offset %d", i)
			}
			out = append(out, lexeme{lxIdent, src[i+1 : i+1+end], i})
			i += end + 2
		case c == '$':
			j := i + 1
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("expected a column name after $ at offset %d", i)
			}
			out = append(out, lexeme{lxColumn, src[i+1 : j], i})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			out = append(out, lexeme{lxIdent, src[i:j], i})
			i = j
		default:
			if i+1 < len(src) && strings.Contains(twoCharOps, src[i:i+2]) && src[i+1] != ' ' {
				out = append(out, lexeme{lxOp, src[i : i+2], i})
				i += 2
				continue
			}
			if !strings.ContainsRune("+-*/%<>=&|~(),", rune(c)) {
				return nil, fmt.Errorf("unexpected character %q at offset %d", rune(c), i)
			}
			out = append(out, lexeme{lxOp, src[i : i+1], i})
			i++
		}
	}
	return append(out, lexeme{kind: lxEOF, pos: len(src)}), nil
}

// scanNumber returns the end of the number starting at i.
func scanNumber(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c >= 0x80
}
