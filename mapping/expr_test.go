package mapping_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

func TestExpressionEval(t *testing.T) {
	row := rowOf(map[string]any{
		"id": int64(42), "name": "Ann Lee", "price": 2.5, "qty": uint64(3), "flag": true,
		"none": nil, "big": "100", "bin": []byte("ab"), "day": "2024-02-28 10:20:30",
	})
	h := &mapping.Header{
		Operation: "DELETE", Timestamp: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		CommitTimestamp: time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC),
		TransactionID:   "1234", StreamPosition: "bin.000001:4", ChangeSeq: "2024050607081000000000000000000000001",
		SourceSchema: "shop", SourceTable: "orders",
	}
	tests := []struct {
		expr string
		want any
	}{
		{"1 + 2 * 3", int64(7)},
		{"(1 + 2) * 3", int64(9)},
		{"7 / 2", int64(3)},
		{"7 / 2.0", 3.5},
		{"7 % 3", int64(1)},
		{"1 / 0", nil},
		{"-$id", int64(-42)},
		{"$price * $qty", 7.5},
		{"$id + $flag", int64(43)},
		{"9223372036854775807 + 1", 9.223372036854775808e18},
		{"'a' || 'b' || 1 || 2.0", "ab12.0"},
		{"$name || NULL", nil},
		{"'10' + 5", int64(15)},
		{"'abc' + 1", int64(1)},
		{"$id = 42", int64(1)},
		{"$id = '42'", int64(1)},
		{"'10' > 9", int64(1)},
		{"$big > 9", int64(0)},  // a text column compares as text: '100' < '9'
		{"$id > '9'", int64(1)}, // a numeric column makes '9' a number
		{"$big > '9'", int64(0)},
		{"$id <> 42", int64(0)},
		{"$id != 41", int64(1)},
		{"$id >= 42 AND $id <= 42", int64(1)},
		{"$none = 1", nil},
		{"$none IS NULL", int64(1)},
		{"$id IS NOT NULL", int64(1)},
		{"NULL AND 0", int64(0)},
		{"NULL OR 1", int64(1)},
		{"NULL OR 0", nil},
		{"NOT 0", int64(1)},
		{"$id BETWEEN 40 AND 50", int64(1)},
		{"$id NOT BETWEEN 40 AND 50", int64(0)},
		{"$id IN (1, 42, 3)", int64(1)},
		{"$id NOT IN (1, 2)", int64(1)},
		{"$id IN (1, NULL)", nil},
		{"$name LIKE 'ann%'", int64(1)},
		{"$name LIKE 'A_n Lee'", int64(1)},
		{"$name NOT LIKE '%x%'", int64(1)},
		{"CASE WHEN $id > 40 THEN 'big' ELSE 'small' END", "big"},
		{"CASE $id WHEN 1 THEN 'one' WHEN 42 THEN 'answer' END", "answer"},
		{"CASE WHEN 0 THEN 1 END", nil},
		{"CAST('12.7' AS INTEGER)", int64(12)},
		{"CAST(3 AS TEXT)", "3"},
		{"CAST('1.5' AS REAL)", 1.5},
		{"CAST('5' AS NUMERIC)", int64(5)},
		{"CAST($id AS VARCHAR(10)) || 'x'", "42x"},
		{"6 & 3", int64(2)},
		{"6 | 3", int64(7)},
		{"1 << 4", int64(16)},
		{"~0", int64(-1)},
		{"lower($name)", "ann lee"},
		{"upper($name)", "ANN LEE"},
		{"trim('  x  ')", "x"},
		{"ltrim('xxy', 'x')", "y"},
		{"rtrim('yxx', 'x')", "y"},
		{"substr($name, 1, 3)", "Ann"},
		{"substr($name, -3)", "Lee"},
		{"substr('abcde', 0, 2)", "a"},
		{"substr('abcde', 4, -2)", "bc"},
		{"substring('abcde', 2)", "bcde"},
		{"replace($name, ' ', '_')", "Ann_Lee"},
		{"length($name)", int64(7)},
		{"length('héllo')", int64(5)},
		{"length($bin)", int64(2)},
		{"length(NULL)", nil},
		{"instr($name, 'Lee')", int64(5)},
		{"round(2.5)", 3.0},
		{"round(3.14159, 2)", 3.14},
		{"abs(-5)", int64(5)},
		{"abs(-2.5)", 2.5},
		{"coalesce($none, NULL, 'x')", "x"},
		{"ifnull($none, 7)", int64(7)},
		{"nullif($id, 42)", nil},
		{"nullif($id, 1)", int64(42)},
		{"iif($id > 1, 'y', 'n')", "y"},
		{"max(1, 5, 3)", int64(5)},
		{"min(1, 5, 3)", int64(1)},
		{"hex('ab')", "6162"},
		{"typeof($price)", "real"},
		{"hash_sha256('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"date($day)", "2024-02-28"},
		{"time($day)", "10:20:30"},
		{"datetime($day, '+1 day')", "2024-02-29 10:20:30"},
		{"datetime($day, '+1 month', 'start of month')", "2024-03-01 00:00:00"},
		{"datetime('2024-01-31T23:59:59Z', '+1 second')", "2024-02-01 00:00:00"},
		{"datetime(0, 'unixepoch')", "1970-01-01 00:00:00"},
		{"datetime(2460000.5)", "2023-02-25 00:00:00"},
		{"julianday('1970-01-01')", 2440587.5},
		{"strftime('%Y/%m/%d %H:%M:%S %j %w %%', $day)", "2024/02/28 10:20:30 059 3 %"},
		{"strftime('%s', '1970-01-02')", "86400"},
		{"date('not a date')", nil},
		{"date('2024-01-01', '+9000000 days')", nil},
		{"date('2024-01-01', '-1 years', '+36 hours')", "2023-01-02"},
		{"date('now')", "2024-05-06"},
		{"$AR_H_OPERATION", "DELETE"},
		{"$AR_H_TIMESTAMP", "2024-05-06 07:08:09.000000"},
		{"$AR_H_COMMIT_TIMESTAMP", "2024-05-06 07:08:10.000000"},
		{"$AR_H_TRANSACTION_ID", "1234"},
		{"$AR_H_STREAM_POSITION", "bin.000001:4"},
		{"$AR_H_CHANGE_SEQ", "2024050607081000000000000000000000001"},
		{"$AR_M_SOURCE_SCHEMA || '.' || $AR_M_SOURCE_TABLE_NAME", "shop.orders"},
		{"operation_indicator('D', 'U', 'I')", "D"},
		{"TRUE", int64(1)},
		{"\"id\"(1)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := mapping.ParseExpression(tt.expr)
			if tt.expr == "\"id\"(1)" {
				require.EqualError(t, err, "unknown function id at offset 0")
				return
			}
			require.NoError(t, err)
			got, err := e.Eval(row, h)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestExpressionOperationIndicator(t *testing.T) {
	e, err := mapping.ParseExpression("operation_indicator('D', 'U', 'I')")
	require.NoError(t, err)
	for op, want := range map[string]string{"INSERT": "I", "UPDATE": "U", "DELETE": "D", "": "I"} {
		got, err := e.Eval(nil, &mapping.Header{Operation: op})
		require.NoError(t, err)
		require.Equal(t, want, got, op)
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "unexpected end of expression at offset 0"},
		{"1 +", "unexpected end of expression at offset 3"},
		{"(1", "expected ), found end of expression at offset 2"},
		{"'abc", "unterminated string starting at offset 0"},
		{"$", "expected a column name after $ at offset 0"},
		{"name", `unexpected identifier "name" at offset 0 (columns are written $name)`},
		{"nosuch(1)", "unknown function nosuch at offset 0"},
		{"substr('a')", "wrong number of arguments to function substr() at offset 0"},
		{"$AR_H_USER", "unsupported header $AR_H_USER at offset 0"},
		{"1 2", `unexpected "2" at offset 2`},
		{"CASE END", `unexpected identifier "END" at offset 5 (columns are written $name)`},
		{"CASE 1 END", "CASE without WHEN at offset 7"},
		{"1 NOT 2", "expected LIKE, BETWEEN or IN after NOT at offset 6"},
		{"1 # 2", "unexpected character '#' at offset 2"},
		{"12abc", "malformed number at offset 0"},
		{"$a IN ()", "empty IN list at offset 3"},
		{strings.Repeat("(", 101) + "1" + strings.Repeat(")", 101), "expression nested deeper than 100 at offset 100"},
		{strings.Repeat("-", 200) + "1", "expression nested deeper than 100 at offset 100"},
	}
	for _, tt := range tests {
		_, err := mapping.ParseExpression(tt.expr)
		require.EqualError(t, err, tt.want, tt.expr)
	}
	e, err := mapping.ParseExpression("$missing + 1")
	require.NoError(t, err)
	require.Equal(t, []string{"missing"}, e.Columns())
	_, err = e.Eval(rowOf(nil), nil)
	require.EqualError(t, err, "unknown column $missing")
}
