package mapping

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// %: zero or more characters.
		{"%", "", true},
		{"%", "anything at all", true},
		{"order%", "order", true},
		{"order%", "orders_2024", true},
		{"order%", "border", false},
		{"%log", "audit_log", true},
		{"%log", "logs", false},
		{"a%b%c", "abc", true},
		{"a%b%c", "axxbyyc", true},
		{"a%b%c", "axxbyy", false},
		{"%%", "x", true},
		{"%ab%ab", "xabyab", true},
		{"%ab%ab", "abab", true},
		{"%ab%ab", "xaby", false},
		{"%aab", "aaab", true},
		// _: exactly one character (a character, not a byte).
		{"t_", "t1", true},
		{"t_", "t", false},
		{"t_", "t12", false},
		{"t_", "tä", true},
		{"__", "ab", true},
		{"__", "a", false},
		{"_%", "", false},
		{"_%", "a", true},
		{"%_", "abc", true},
		// [_] and [%]: literal underscore and percent sign.
		{"audit[_]%", "audit_log", true},
		{"audit[_]%", "auditlog", false},
		{"audit[_]%", "auditXlog", false},
		{"audit_%", "auditXlog", true},
		{"p[%]", "p%", true},
		{"p[%]", "px", false},
		// [ab]: one character of a set.
		{"t[ab]", "ta", true},
		{"t[ab]", "tb", true},
		{"t[ab]", "tc", false},
		{"t[ab]", "tA", false},
		{"t[ab]", "tab", false},
		{"t[äb]", "tä", true},
		// [a-d]: one character of a range.
		{"t[a-d]1", "ta1", true},
		{"t[a-d]1", "tc1", true},
		{"t[a-d]1", "td1", true},
		{"t[a-d]1", "te1", false},
		{"t[a-d]1", "tC1", false},
		{"[0-9a-f]x", "7x", true},
		{"[0-9a-f]x", "fx", true},
		{"[0-9a-f]x", "gx", false},
		{"t[a-]", "t-", true},
		{"t[-a]", "t-", true},
		{"%[0-9]", "table7", true},
		{"%[0-9]", "table", false},
		// A [ with no closing ], or [], is literal.
		{"t[ab", "t[ab", true},
		{"t[ab", "ta", false},
		{"t[]", "t[]", true},
		// Case-sensitive literals.
		{"Orders", "Orders", true},
		{"Orders", "orders", false},
		{"orders", "orders", true},
		{"", "", true},
		{"", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.name, func(t *testing.T) {
			p := compilePattern(tt.pattern)
			require.Equal(t, tt.want, p.match(tt.name))
		})
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		pattern string
		want    []token
	}{
		{"%", []token{{kind: tokAny}}},
		{"%%%", []token{{kind: tokAny}}},
		{"orders", []token{{kind: tokLiteral, lit: "orders"}}},
		{"audit[_]%", []token{{kind: tokLiteral, lit: "audit_"}, {kind: tokAny}}},
		{"t_[a-c]", []token{
			{kind: tokLiteral, lit: "t"},
			{kind: tokOne},
			{kind: tokSet, ranges: []runeRange{{'a', 'c'}}},
		}},
		{"[ab]", []token{{kind: tokSet, ranges: []runeRange{{'a', 'a'}, {'b', 'b'}}}}},
		{"x[", []token{{kind: tokLiteral, lit: "x["}}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			require.Equal(t, tt.want, compilePattern(tt.pattern).toks)
		})
	}
}
