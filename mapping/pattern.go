package mapping

import (
	"strings"
	"unicode/utf8"
)

// pattern is a compiled object-locator name pattern. Matching is
// case-sensitive and allocation-free.
type pattern struct {
	toks []token
}

type tokenKind uint8

const (
	tokLiteral tokenKind = iota // lit, matched byte for byte
	tokOne                      // _ : exactly one character
	tokAny                      // % : zero or more characters
	tokSet                      // [ab], [a-d] : one character from the set
)

type token struct {
	kind   tokenKind
	lit    string
	ranges []runeRange
}

type runeRange struct{ lo, hi rune }

// compileLiteral returns a pattern that matches s only.
func compileLiteral(s string) pattern {
	return pattern{toks: []token{{kind: tokLiteral, lit: s}}}
}

// compilePattern compiles a SQL LIKE / T-SQL style pattern: % is zero or more
// characters, _ exactly one, [ab] one character of a set, [a-d] one of a
// range, so [_] and [%] match a literal underscore and percent sign. A [
// without a closing ] (or an empty []) is literal.
func compilePattern(p string) pattern {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		switch c := p[i]; c {
		case '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokAny {
				toks = append(toks, token{kind: tokAny})
			}
			i++
		case '_':
			flush()
			toks = append(toks, token{kind: tokOne})
			i++
		case '[':
			ranges, n := parseSet(p[i:])
			switch {
			case n == 0: // not a set: a literal [
				lit.WriteByte('[')
				i++
			case len(ranges) == 1 && ranges[0].lo == ranges[0].hi: // [_], [%]
				lit.WriteRune(ranges[0].lo)
				i += n
			default:
				flush()
				toks = append(toks, token{kind: tokSet, ranges: ranges})
				i += n
			}
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return pattern{toks: toks}
}

// parseSet parses the set at the start of s ("[...]") and returns its
// ranges and length in bytes, or n == 0 if s does not start with a set.
func parseSet(s string) (ranges []runeRange, n int) {
	end := strings.IndexByte(s[1:], ']')
	if end <= 0 {
		return nil, 0
	}
	body := s[1 : 1+end]
	for len(body) > 0 {
		lo, w := utf8.DecodeRuneInString(body)
		body = body[w:]
		hi := lo
		if len(body) >= 2 && body[0] == '-' {
			r, w2 := utf8.DecodeRuneInString(body[1:])
			hi = r
			body = body[1+w2:]
		}
		ranges = append(ranges, runeRange{lo, hi})
	}
	return ranges, end + 2
}

// match reports whether s matches the whole pattern.
func (p *pattern) match(s string) bool {
	toks := p.toks
	switch {
	case len(toks) == 1 && toks[0].kind == tokAny:
		return true
	case len(toks) == 1 && toks[0].kind == tokLiteral:
		return s == toks[0].lit
	}
	// Iterative matching that backtracks to the most recent %: every token
	// other than % consumes a fixed string, so retrying only the last % is
	// enough.
	ti, si := 0, 0
	star, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokAny:
				star, starSi = ti, si
				ti++
				continue
			case tokLiteral:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			case tokOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case tokSet:
				if si < len(s) {
					r, w := utf8.DecodeRuneInString(s[si:])
					if inRanges(t.ranges, r) {
						si += w
						ti++
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		ti, si = star+1, starSi
	}
}

func inRanges(ranges []runeRange, r rune) bool {
	for _, rr := range ranges {
		if rr.lo <= r && r <= rr.hi {
			return true
		}
	}
	return false
}
