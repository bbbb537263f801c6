package mapping_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/mapping"
)

func employees() *mapping.Table {
	return &mapping.Table{
		Schema: "HR", Name: "emp_list",
		Columns: []mapping.Column{
			{Name: "emp_no", Type: "INT4"},
			{Name: "first_name", Type: "WSTRING", Length: 20, Nullable: true},
			{Name: "last_name", Type: "WSTRING", Length: 20, Nullable: true},
			{Name: "photo", Type: "BLOB", Nullable: true},
		},
		PrimaryKey: []string{"emp_no"},
	}
}

func withRules(rules ...string) string {
	doc := `{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1", "rule-action": "include",
		"object-locator": {"schema-name": "%", "table-name": "%"}}`
	for _, r := range rules {
		doc += ", " + r
	}
	return doc + "]}"
}

func names(cols []mapping.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func TestTransformationActions(t *testing.T) {
	const (
		schemaLoc = `"object-locator": {"schema-name": "HR"}`
		tableLoc  = `"object-locator": {"schema-name": "HR", "table-name": "emp_list"}`
		colLoc    = `"object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "first_name"}`
	)
	rule := func(target, loc, action, extra string) string {
		s := `{"rule-type": "transformation", "rule-id": "9", "rule-name": "x", "rule-target": "` + target + `", ` + loc + `, "rule-action": "` + action + `"`
		if extra != "" {
			s += ", " + extra
		}
		return s + "}"
	}
	type want struct {
		schema, table string
		columns       []string
		pk            []string
	}
	base := []string{"emp_no", "first_name", "last_name", "photo"}
	tests := []struct {
		name string
		rule string
		want want
	}{
		{"schema rename", rule("schema", schemaLoc, "rename", `"value": "people"`), want{"people", "emp_list", base, []string{"emp_no"}}},
		{"schema convert-lowercase", rule("schema", schemaLoc, "convert-lowercase", ""), want{"hr", "emp_list", base, []string{"emp_no"}}},
		{"schema add-prefix", rule("schema", schemaLoc, "add-prefix", `"value": "DW_"`), want{"DW_HR", "emp_list", base, []string{"emp_no"}}},
		{"table rename", rule("table", tableLoc, "rename", `"value": "staff"`), want{"HR", "staff", base, []string{"emp_no"}}},
		{"table convert-uppercase", rule("table", tableLoc, "convert-uppercase", ""), want{"HR", "EMP_LIST", base, []string{"emp_no"}}},
		{"table add-prefix", rule("table", tableLoc, "add-prefix", `"value": "t_"`), want{"HR", "t_emp_list", base, []string{"emp_no"}}},
		{"table remove-prefix", rule("table", tableLoc, "remove-prefix", `"value": "emp_"`), want{"HR", "list", base, []string{"emp_no"}}},
		{"table remove-prefix absent", rule("table", tableLoc, "remove-prefix", `"value": "x_"`), want{"HR", "emp_list", base, []string{"emp_no"}}},
		{"table replace-prefix", rule("table", tableLoc, "replace-prefix", `"value": "staff_", "old-value": "emp_"`), want{"HR", "staff_list", base, []string{"emp_no"}}},
		{"table add-suffix", rule("table", tableLoc, "add-suffix", `"value": "_v1"`), want{"HR", "emp_list_v1", base, []string{"emp_no"}}},
		{"table remove-suffix", rule("table", tableLoc, "remove-suffix", `"value": "_list"`), want{"HR", "emp", base, []string{"emp_no"}}},
		{"table replace-suffix", rule("table", tableLoc, "replace-suffix", `"value": "_all", "old-value": "_list"`), want{"HR", "emp_all", base, []string{"emp_no"}}},
		{"column rename", rule("column", colLoc, "rename", `"value": "given_name"`),
			want{"HR", "emp_list", []string{"emp_no", "given_name", "last_name", "photo"}, []string{"emp_no"}}},
		{"column convert-uppercase", rule("column", colLoc, "convert-uppercase", ""),
			want{"HR", "emp_list", []string{"emp_no", "FIRST_NAME", "last_name", "photo"}, []string{"emp_no"}}},
		{"column convert-lowercase with wildcard", rule("column", `"object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "%"}`, "convert-uppercase", ""),
			want{"HR", "emp_list", []string{"EMP_NO", "FIRST_NAME", "LAST_NAME", "PHOTO"}, []string{"EMP_NO"}}},
		{"column add-prefix", rule("column", colLoc, "add-prefix", `"value": "c_"`),
			want{"HR", "emp_list", []string{"emp_no", "c_first_name", "last_name", "photo"}, []string{"emp_no"}}},
		{"column remove-suffix with wildcard", rule("column", `"object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "%_name"}`, "remove-suffix", `"value": "_name"`),
			want{"HR", "emp_list", []string{"emp_no", "first", "last", "photo"}, []string{"emp_no"}}},
		{"column replace-suffix", rule("column", colLoc, "replace-suffix", `"value": "_nm", "old-value": "_name"`),
			want{"HR", "emp_list", []string{"emp_no", "first_nm", "last_name", "photo"}, []string{"emp_no"}}},
		{"column add-suffix", rule("column", colLoc, "add-suffix", `"value": "_x"`),
			want{"HR", "emp_list", []string{"emp_no", "first_name_x", "last_name", "photo"}, []string{"emp_no"}}},
		{"column remove-prefix", rule("column", colLoc, "remove-prefix", `"value": "first_"`),
			want{"HR", "emp_list", []string{"emp_no", "name", "last_name", "photo"}, []string{"emp_no"}}},
		{"column replace-prefix", rule("column", colLoc, "replace-prefix", `"value": "given_", "old-value": "first_"`),
			want{"HR", "emp_list", []string{"emp_no", "given_name", "last_name", "photo"}, []string{"emp_no"}}},
		{"remove-column", rule("column", colLoc, "remove-column", ""),
			want{"HR", "emp_list", []string{"emp_no", "last_name", "photo"}, []string{"emp_no"}}},
		{"remove-column of the key drops it from the key", rule("column", `"object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "emp_no"}`, "remove-column", ""),
			want{"HR", "emp_list", []string{"first_name", "last_name", "photo"}, nil}},
		{"include-column keeps only included columns", rule("column", colLoc, "include-column", ""),
			want{"HR", "emp_list", []string{"first_name"}, nil}},
		{"add-column", rule("column", tableLoc, "add-column", `"value": "full_name", "expression": "$first_name || ' ' || $last_name", "data-type": {"type": "string", "length": 50}`),
			want{"HR", "emp_list", []string{"emp_no", "first_name", "last_name", "photo", "full_name"}, []string{"emp_no"}}},
		{"change-data-type", rule("column", colLoc, "change-data-type", `"data-type": {"type": "int8"}`),
			want{"HR", "emp_list", base, []string{"emp_no"}}},
		{"define-primary-key", rule("table", tableLoc, "define-primary-key", `"primary-key-def": {"name": "pk", "columns": ["last_name", "first_name"]}`),
			want{"HR", "emp_list", base, []string{"last_name", "first_name"}}},
		{"add-before-image-columns pk-only", rule("column", tableLoc, "add-before-image-columns", `"before-image-def": {"column-prefix": "BI_", "column-suffix": "", "column-filter": "pk-only"}`),
			want{"HR", "emp_list", []string{"emp_no", "first_name", "last_name", "photo", "BI_emp_no"}, []string{"emp_no"}}},
		{"add-before-image-columns non-lob", rule("column", tableLoc, "add-before-image-columns", `"before-image-def": {"column-prefix": "old_", "column-suffix": "_was", "column-filter": "non-lob"}`),
			want{"HR", "emp_list", []string{"emp_no", "first_name", "last_name", "photo", "old_emp_no_was", "old_first_name_was", "old_last_name_was"}, []string{"emp_no"}}},
		{"add-before-image-columns all, default prefix", rule("column", tableLoc, "add-before-image-columns", `"before-image-def": {"column-filter": "all"}`),
			want{"HR", "emp_list", []string{"emp_no", "first_name", "last_name", "photo", "BI_emp_no", "BI_first_name", "BI_last_name", "BI_photo"}, []string{"emp_no"}}},
		{"rules for other tables do not apply", rule("table", `"object-locator": {"schema-name": "HR", "table-name": "other"}`, "rename", `"value": "x"`),
			want{"HR", "emp_list", base, []string{"emp_no"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(withRules(tt.rule))
			require.NoError(t, err)
			p, err := m.Plan(employees())
			require.NoError(t, err)
			require.Equal(t, tt.want.schema, p.Schema)
			require.Equal(t, tt.want.table, p.Table)
			require.Equal(t, tt.want.columns, names(p.Columns))
			require.Equal(t, tt.want.pk, p.PrimaryKey)
		})
	}
}

func TestPlanRows(t *testing.T) {
	tests := []struct {
		name       string
		rules      []string
		data       []any
		before     []any
		header     mapping.Header
		wantCols   []mapping.Column
		wantRow    []any
		wantBefore []any
	}{
		{
			name:    "no rules is the identity",
			data:    []any{int64(1), "Ann", "Lee", []byte{1}},
			wantRow: []any{int64(1), "Ann", "Lee", []byte{1}},
			wantCols: []mapping.Column{
				{Name: "emp_no", Type: "INT4"},
				{Name: "first_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "last_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "photo", Type: "BLOB", Nullable: true},
			},
		},
		{
			name: "remove, retype and compute",
			rules: []string{
				`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "photo"}, "rule-action": "remove-column"}`,
				`{"rule-type": "transformation", "rule-id": "3", "rule-name": "3", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "emp_no"}, "rule-action": "change-data-type", "data-type": {"type": "string", "length": 5}}`,
				`{"rule-type": "transformation", "rule-id": "4", "rule-name": "4", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "add-column", "value": "op", "expression": "$AR_H_OPERATION || ':' || $AR_M_SOURCE_SCHEMA || '.' || $AR_M_SOURCE_TABLE_NAME", "data-type": {"type": "string", "length": 40}}`,
				`{"rule-type": "transformation", "rule-id": "5", "rule-name": "5", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "add-column", "value": "twice", "expression": "$emp_no * 2", "data-type": {"type": "int8"}}`,
				`{"rule-type": "transformation", "rule-id": "6", "rule-name": "6", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "add-column", "value": "at", "expression": "$AR_H_COMMIT_TIMESTAMP", "data-type": {"type": "datetime", "precision": 6}}`,
			},
			data:       []any{int64(123456), "Ann", "Lee", []byte{1}},
			before:     []any{int64(123456), "Anne", "Lee", []byte{1}},
			header:     mapping.Header{Operation: "UPDATE", CommitTimestamp: time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.UTC)},
			wantRow:    []any{"12345", "Ann", "Lee", "UPDATE:HR.emp_list", int64(246912), "2024-01-02 03:04:05.600000"},
			wantBefore: []any{"12345", "Anne", "Lee", "UPDATE:HR.emp_list", int64(246912), "2024-01-02 03:04:05.600000"},
			wantCols: []mapping.Column{
				{Name: "emp_no", Type: "STRING", Length: 5},
				{Name: "first_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "last_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "op", Type: "STRING", Length: 40, Nullable: true},
				{Name: "twice", Type: "INT8", Nullable: true},
				{Name: "at", Type: "DATETIME", Scale: 6, Nullable: true},
			},
		},
		{
			name: "before-image columns carry the before image",
			rules: []string{
				`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "add-before-image-columns", "before-image-def": {"column-filter": "pk-only"}}`,
			},
			data:       []any{int64(2), "Ann", "Lee", nil},
			before:     []any{int64(1), "Ann", "Lee", nil},
			wantRow:    []any{int64(2), "Ann", "Lee", nil, int64(1)},
			wantBefore: []any{int64(1), "Ann", "Lee", nil, nil},
			wantCols: []mapping.Column{
				{Name: "emp_no", Type: "INT4"},
				{Name: "first_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "last_name", Type: "WSTRING", Length: 20, Nullable: true},
				{Name: "photo", Type: "BLOB", Nullable: true},
				{Name: "BI_emp_no", Type: "INT4", Nullable: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(withRules(tt.rules...))
			require.NoError(t, err)
			p, err := m.Plan(employees())
			require.NoError(t, err)
			require.Equal(t, tt.wantCols, p.Columns)
			row, before, err := p.Row(tt.data, tt.before, &tt.header)
			require.NoError(t, err)
			require.Equal(t, tt.wantRow, row)
			require.Equal(t, tt.wantBefore, before)
		})
	}
}

func TestChangeDataTypeConversions(t *testing.T) {
	tests := []struct {
		from     mapping.Column
		dataType string
		in       any
		want     any
	}{
		{mapping.Column{Name: "c", Type: "INT4"}, `{"type": "string"}`, int64(42), "42"},
		{mapping.Column{Name: "c", Type: "WSTRING"}, `{"type": "int4"}`, " 42 ", int64(42)},
		{mapping.Column{Name: "c", Type: "REAL8"}, `{"type": "int8"}`, 2.9, int64(2)},
		{mapping.Column{Name: "c", Type: "INT8"}, `{"type": "uint8"}`, int64(7), uint64(7)},
		{mapping.Column{Name: "c", Type: "INT8"}, `{"type": "real4"}`, int64(3), float32(3)},
		{mapping.Column{Name: "c", Type: "INT8"}, `{"type": "real8"}`, int64(3), float64(3)},
		{mapping.Column{Name: "c", Type: "INT8"}, `{"type": "numeric", "precision": 10, "scale": 2}`, int64(5), "5.00"},
		{mapping.Column{Name: "c", Type: "WSTRING"}, `{"type": "numeric"}`, "12.5", "12.5"},
		{mapping.Column{Name: "c", Type: "INT1"}, `{"type": "boolean"}`, int64(1), true},
		{mapping.Column{Name: "c", Type: "WSTRING"}, `{"type": "boolean"}`, "false", false},
		{mapping.Column{Name: "c", Type: "BOOLEAN"}, `{"type": "string"}`, true, "true"},
		{mapping.Column{Name: "c", Type: "WSTRING"}, `{"type": "bytes"}`, "ab", []byte("ab")},
		{mapping.Column{Name: "c", Type: "WSTRING"}, `{"type": "string", "length": 3}`, "abcdef", "abc"},
		{mapping.Column{Name: "c", Type: "UINT8"}, `{"type": "string"}`, uint64(18446744073709551615), "18446744073709551615"},
		{mapping.Column{Name: "c", Type: "INT4"}, `{"type": "string"}`, nil, nil},
	}
	for _, tt := range tests {
		m, err := mapping.ParseTableMappings(withRules(`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column",
			"object-locator": {"schema-name": "s", "table-name": "t", "column-name": "c"}, "rule-action": "change-data-type", "data-type": ` + tt.dataType + `}`))
		require.NoError(t, err)
		p, err := m.Plan(&mapping.Table{Schema: "s", Name: "t", Columns: []mapping.Column{tt.from}})
		require.NoError(t, err)
		row, _, err := p.Row([]any{tt.in}, nil, nil)
		require.NoError(t, err, "%v to %s", tt.in, tt.dataType)
		require.Equal(t, []any{tt.want}, row, "%v to %s", tt.in, tt.dataType)
	}
}

func TestTransformationPrecedence(t *testing.T) {
	// AWS allows one action per object; of several name actions the lowest
	// rule-id wins, whatever the document order. Different kinds combine.
	m, err := mapping.ParseTableMappings(withRules(
		`{"rule-type": "transformation", "rule-id": "20", "rule-name": "a", "rule-target": "table", "object-locator": {"schema-name": "HR", "table-name": "%"}, "rule-action": "add-prefix", "value": "late_"}`,
		`{"rule-type": "transformation", "rule-id": "3", "rule-name": "b", "rule-target": "table", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "rename", "value": "staff"}`,
		`{"rule-type": "transformation", "rule-id": "4", "rule-name": "c", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "emp_no"}, "rule-action": "rename", "value": "id"}`,
		`{"rule-type": "transformation", "rule-id": "5", "rule-name": "d", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "emp_no"}, "rule-action": "change-data-type", "data-type": {"type": "int8"}}`,
		`{"rule-type": "transformation", "rule-id": "6", "rule-name": "e", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "%"}, "rule-action": "remove-column"}`,
		`{"rule-type": "transformation", "rule-id": "2", "rule-name": "f", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "emp_no"}, "rule-action": "include-column"}`,
	))
	require.NoError(t, err)
	p, err := m.Plan(employees())
	require.NoError(t, err)
	require.Equal(t, "staff", p.Table)
	require.Equal(t, []mapping.Column{{Name: "id", Type: "INT8"}}, p.Columns)
	require.Equal(t, []string{"id"}, p.PrimaryKey)
	name, ok := p.ColumnName("emp_no")
	require.True(t, ok)
	require.Equal(t, "id", name)
	_, ok = p.ColumnName("photo")
	require.False(t, ok)
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want string
	}{
		{"two columns get one name",
			`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list", "column-name": "%_name"}, "rule-action": "rename", "value": "name"}`,
			`Error in mapping rules. Transformations give table HR.emp_list two columns named "name"`},
		{"expression names a missing column",
			`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "column", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "add-column", "value": "x", "expression": "$nope + 1", "data-type": {"type": "int4"}}`,
			"Error in mapping rules. Rule with ruleId = 2 failed validation. expression references column $nope, which table HR.emp_list does not have"},
		{"primary key names a missing column",
			`{"rule-type": "transformation", "rule-id": "2", "rule-name": "2", "rule-target": "table", "object-locator": {"schema-name": "HR", "table-name": "emp_list"}, "rule-action": "define-primary-key", "primary-key-def": {"name": "pk", "columns": ["nope"]}}`,
			"Error in mapping rules. Rule with ruleId = 2 failed validation. primary key column nope does not exist in table HR.emp_list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.ParseTableMappings(withRules(tt.rule))
			require.NoError(t, err)
			_, err = m.Plan(employees())
			require.EqualError(t, err, tt.want)
		})
	}
}
