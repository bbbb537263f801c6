package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Rule types (rule-type).
const (
	RuleTypeSelection      = "selection"
	RuleTypeTransformation = "transformation"
	RuleTypeTableSettings  = "table-settings"
	RuleTypeObjectMapping  = "object-mapping"
	RuleTypePostProcessing = "post-processing"
)

// Selection rule actions (rule-action of a selection rule).
const (
	ActionInclude  = "include"
	ActionExclude  = "exclude"
	ActionExplicit = "explicit"
)

// Table types (object-locator table-type of a selection rule).
const (
	TableTypeTable = "table"
	TableTypeView  = "view"
	TableTypeAll   = "all"
)

// SelectAllDocument is a table-mapping document that includes every table of
// every schema.
const SelectAllDocument = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1",` +
	`"object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`

// TableMappings is a parsed, validated table-mapping document. Its selection
// rules are compiled at parse time. It is immutable and safe for concurrent
// use.
type TableMappings struct {
	rules          []Rule
	selectors      []selector
	transforms     []*transformRule // in precedence order
	tableSettings  []tableSettingsRule
	objectMappings []*ObjectMapping
}

// Rule is one rule of a table-mapping document. Keys are read exactly as
// written (case-sensitively); string-valued keys also accept JSON numbers
// and booleans, as AWS does (a numeric rule-id such as 2 reads as "2").
type Rule struct {
	RuleType   string // rule-type
	RuleID     string // rule-id
	RuleName   string // rule-name
	RuleAction string // rule-action
	RuleTarget string // rule-target (transformation rules)

	// ObjectLocator is nil when the rule has no object-locator.
	ObjectLocator *ObjectLocator

	// LoadOrder is the selection rule's load-order (a number or a numeric
	// string); higher loads first. 0 when absent.
	LoadOrder int

	// Filters are the source filters of an include rule.
	Filters []Filter

	// Value and OldValue are the transformation rule's value and old-value.
	Value    string
	OldValue string
	// Expression is an add-column rule's expression, as written.
	Expression string
	// DataType is the data-type of an add-column or change-data-type rule.
	DataType *DataType
	// PrimaryKeyDef is a define-primary-key rule's primary-key-def.
	PrimaryKeyDef *PrimaryKeyDef
	// BeforeImageDef is an add-before-image-columns rule's before-image-def.
	BeforeImageDef *BeforeImageDef

	// ParallelLoad and LobSettings are a table-settings rule's parallel-load
	// and lob-settings.
	ParallelLoad *ParallelLoad
	LobSettings  *LobSettings

	// TargetTableName and MappingParameters belong to object-mapping rules.
	TargetTableName   string
	MappingParameters *MappingParameters

	// Raw is the rule as written, for the keys not parsed into fields.
	Raw json.RawMessage
}

// DataType is a transformation rule's data-type.
type DataType struct {
	Type      string // type: int4, string, numeric, datetime, …
	Length    int    // length (string, wstring, bytes)
	Precision int    // precision (numeric; fractional second digits for datetime and time)
	Scale     int    // scale (numeric)
}

// PrimaryKeyDef is a define-primary-key rule's primary-key-def.
type PrimaryKeyDef struct {
	Name    string   // name
	Origin  string   // origin: "primary-key" (default) or "unique-index"
	Columns []string // columns, in key order
}

// BeforeImageDef is an add-before-image-columns rule's before-image-def.
type BeforeImageDef struct {
	ColumnPrefix string // column-prefix, "BI_" when absent
	ColumnSuffix string // column-suffix
	ColumnFilter string // column-filter: pk-only (default), non-lob or all
}

// ObjectLocator names the objects a rule applies to.
type ObjectLocator struct {
	SchemaName          string // schema-name
	TableName           string // table-name
	TableType           string // table-type: "table" (default when absent), "view" or "all"
	ColumnName          string // column-name (transformation rules)
	TableTablespaceName string // table-tablespace-name
	IndexTablespaceName string // index-tablespace-name
}

// Filter is one source filter of an include rule. Separate filters are
// AND-ed, the conditions of one filter are OR-ed.
type Filter struct {
	FilterType string // filter-type, "source"
	ColumnName string // column-name
	Conditions []FilterCondition
}

// FilterCondition is one filter-conditions entry.
type FilterCondition struct {
	Operator   string // filter-operator: lte, ste, gte, eq, noteq, between, notbetween, null, notnull
	Value      string // value
	StartValue string // start-value
	EndValue   string // end-value
}

// SelectAll returns the mappings of SelectAllDocument: every table of every
// schema, load-order 0.
func SelectAll() *TableMappings {
	m, err := ParseTableMappings(SelectAllDocument)
	if err != nil {
		panic("mapping: SelectAllDocument: " + err.Error())
	}
	return m
}

// Rules returns the document's rules in document order. The slice is a copy;
// what its rules point to (ObjectLocator, Filters, Raw) is shared and must
// not be modified.
func (m *TableMappings) Rules() []Rule {
	if m == nil {
		return nil
	}
	return append([]Rule(nil), m.rules...)
}

// Messages AWS returns (see the package documentation for their sources).
const (
	msgInvalidJSON     = "Invalid Table Mappings document. Invalid json "
	msgRequired        = "Valid Table mappings is required"
	msgInvalidDocument = "Invalid table mappings document."
	msgNoSelection     = "Error in mapping rules. At least one selection rule is required."
)

// ParseTableMappings parses and validates a table-mapping document
// ({"rules": [...]}). Validation errors are *Error values carrying the
// message AWS returns.
func ParseTableMappings(doc string) (*TableMappings, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, &Error{Message: msgRequired}
	}
	var rawDoc json.RawMessage
	if err := json.Unmarshal([]byte(doc), &rawDoc); err != nil {
		return nil, syntaxError(doc, err)
	}
	if isNull(rawDoc) {
		return nil, &Error{Message: msgRequired}
	}
	top, err := objectAt(rawDoc, "$")
	if err != nil {
		return nil, err
	}
	rawRules, ok := top["rules"]
	if !ok || isNull(rawRules) {
		return nil, &Error{Field: "rules", Message: msgRequired}
	}
	var raws []json.RawMessage
	if firstByte(rawRules) != '[' || json.Unmarshal(rawRules, &raws) != nil {
		return nil, shapeError("$.rules", "an array")
	}

	// Like AWS, read the whole document before validating it.
	rules := make([]Rule, len(raws))
	for i, raw := range raws {
		if err := decodeRule(raw, fmt.Sprintf("$.rules[%d]", i), &rules[i]); err != nil {
			return nil, err
		}
	}
	for i := range rules {
		if err := checkEnums(&rules[i]); err != nil {
			return nil, err
		}
	}
	seen := make(map[string]bool, len(rules))
	m := &TableMappings{rules: rules}
	for i := range rules {
		r := &rules[i]
		if r.RuleID == "" {
			return nil, ruleError(r, "rule-id", "rule id cannot be null")
		}
		if seen[r.RuleID] {
			return nil, &Error{RuleID: r.RuleID, Field: "rule-id", Message: "Error in mapping rules. Duplicate ruleid " + r.RuleID}
		}
		seen[r.RuleID] = true
		if err := m.compile(r); err != nil {
			return nil, err
		}
	}
	if len(m.selectors) == 0 {
		return nil, &Error{Field: "rules", Message: msgNoSelection}
	}
	sortTransforms(m.transforms)
	return m, nil
}

func (m *TableMappings) compile(r *Rule) error {
	switch r.RuleType {
	case RuleTypeSelection:
		s, err := compileSelection(r)
		if err != nil {
			return err
		}
		m.selectors = append(m.selectors, s)
	case RuleTypeTransformation:
		tr, err := compileTransformation(r)
		if err != nil {
			return err
		}
		m.transforms = append(m.transforms, tr)
	case RuleTypeTableSettings:
		ts, err := compileTableSettings(r)
		if err != nil {
			return err
		}
		m.tableSettings = append(m.tableSettings, ts)
	case RuleTypeObjectMapping:
		om, err := compileObjectMapping(r)
		if err != nil {
			return err
		}
		m.objectMappings = append(m.objectMappings, om)
	}
	return nil
}

// checkEnums rejects an unknown rule-type, rule-action, rule-target or
// table-type the way AWS does: with a message that names neither the rule
// nor the key (Error.Field does).
func checkEnums(r *Rule) error {
	invalid := func(field string) error { return &Error{RuleID: r.RuleID, Field: field, Message: msgInvalidDocument} }
	switch r.RuleType {
	case RuleTypeSelection:
	case RuleTypeTransformation:
		switch r.RuleTarget {
		case TargetSchema, TargetTable, TargetColumn, TargetTableTablespace, TargetIndexTablespace:
		default:
			return invalid("rule-target")
		}
		if !isNameAction(r.RuleAction) && !actionAllowed(TargetColumn, r.RuleAction) && !actionAllowed(TargetTable, r.RuleAction) {
			return invalid("rule-action")
		}
		return nil
	case RuleTypeObjectMapping:
		if r.RuleAction != ActionMapRecordToRecord && r.RuleAction != ActionMapRecordToDocument {
			return invalid("rule-action")
		}
		return nil
	case RuleTypeTableSettings, RuleTypePostProcessing:
		return nil // they take no rule-action
	default:
		return invalid("rule-type")
	}
	switch r.RuleAction {
	case ActionInclude, ActionExclude, ActionExplicit:
	default:
		return &Error{RuleID: r.RuleID, Field: "rule-action", Message: msgInvalidDocument}
	}
	if r.ObjectLocator != nil {
		switch r.ObjectLocator.TableType {
		case "", TableTypeTable, TableTypeView, TableTypeAll:
		default:
			return &Error{RuleID: r.RuleID, Field: "object-locator.table-type", Message: msgInvalidDocument}
		}
	}
	return nil
}

func ruleError(r *Rule, field, what string) *Error {
	id := r.RuleID
	if id == "" {
		id = "null"
	}
	return &Error{
		RuleID:  r.RuleID,
		Field:   field,
		Message: "Error in mapping rules. Rule with ruleId = " + id + " failed validation. " + what,
	}
}

// syntaxError reports a JSON syntax error with its 1-based line and column.
func syntaxError(doc string, err error) *Error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &Error{Message: msgInvalidJSON + err.Error()}
	}
	off := min(int(se.Offset), len(doc))
	line := 1 + strings.Count(doc[:off], "\n")
	col := off - strings.LastIndexByte(doc[:off], '\n') - 1
	if col < 1 {
		col = 1
	}
	return &Error{Message: fmt.Sprintf("%s%s at line %d column %d", msgInvalidJSON, se.Error(), line, col)}
}

// shapeError reports valid JSON of the wrong type at path.
func shapeError(path, want string) *Error {
	return &Error{Field: path, Message: msgInvalidJSON + "expected " + want + " at path " + path}
}

// object is a JSON object whose keys are looked up exactly.
type object map[string]json.RawMessage

func objectAt(raw json.RawMessage, path string) (object, error) {
	var o object
	if firstByte(raw) != '{' || json.Unmarshal(raw, &o) != nil {
		return nil, shapeError(path, "an object")
	}
	return o, nil
}

// text reads a string-valued key leniently: strings as they are, numbers as
// written, booleans as true/false. Absent and null read as "".
func (o object) text(key, path string) (string, error) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return "", nil
	}
	switch c := firstByte(raw); {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", shapeError(path+"."+key, "a string")
		}
		return s, nil
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f':
		return string(bytes.TrimSpace(raw)), nil
	default:
		return "", shapeError(path+"."+key, "a string")
	}
}

// integer reads an integer-valued key that may also be written as a numeric
// string. Absent and null read as 0.
func (o object) integer(key, path string) (int, error) {
	s, err := o.text(key, path)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, shapeError(path+"."+key, "an integer")
	}
	return n, nil
}

// objects reads a key holding an array of objects. Absent and null read as
// nil.
func (o object) objects(key, path string) ([]object, error) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var raws []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &raws) != nil {
		return nil, shapeError(path+"."+key, "an array")
	}
	out := make([]object, len(raws))
	for i, r := range raws {
		obj, err := objectAt(r, fmt.Sprintf("%s.%s[%d]", path, key, i))
		if err != nil {
			return nil, err
		}
		out[i] = obj
	}
	return out, nil
}

// field pairs a string-valued key with where to store it.
type field struct {
	key string
	dst *string
}

// texts reads string-valued keys in order, stopping at the first error.
func (o object) texts(path string, fields ...field) error {
	for _, f := range fields {
		s, err := o.text(f.key, path)
		if err != nil {
			return err
		}
		*f.dst = s
	}
	return nil
}

func decodeRule(raw json.RawMessage, path string, r *Rule) error {
	o, err := objectAt(raw, path)
	if err != nil {
		return err
	}
	r.Raw = append(json.RawMessage(nil), bytes.TrimSpace(raw)...)
	err = o.texts(path,
		field{"rule-type", &r.RuleType},
		field{"rule-id", &r.RuleID},
		field{"rule-name", &r.RuleName},
		field{"rule-action", &r.RuleAction},
		field{"rule-target", &r.RuleTarget},
		field{"value", &r.Value},
		field{"old-value", &r.OldValue},
		field{"expression", &r.Expression},
		field{"target-table-name", &r.TargetTableName},
	)
	if err != nil {
		return err
	}
	if err := decodeRuleParts(o, path, r); err != nil {
		return err
	}
	if r.LoadOrder, err = o.integer("load-order", path); err != nil {
		return err
	}
	if raw, ok := o["object-locator"]; ok && !isNull(raw) {
		olPath := path + ".object-locator"
		ol, err := objectAt(raw, olPath)
		if err != nil {
			return err
		}
		r.ObjectLocator = &ObjectLocator{}
		err = ol.texts(olPath,
			field{"schema-name", &r.ObjectLocator.SchemaName},
			field{"table-name", &r.ObjectLocator.TableName},
			field{"table-type", &r.ObjectLocator.TableType},
			field{"column-name", &r.ObjectLocator.ColumnName},
			field{"table-tablespace-name", &r.ObjectLocator.TableTablespaceName},
			field{"index-tablespace-name", &r.ObjectLocator.IndexTablespaceName},
		)
		if err != nil {
			return err
		}
	}
	filters, err := o.objects("filters", path)
	if err != nil {
		return err
	}
	for i, fo := range filters {
		fPath := fmt.Sprintf("%s.filters[%d]", path, i)
		var f Filter
		if err := fo.texts(fPath, field{"filter-type", &f.FilterType}, field{"column-name", &f.ColumnName}); err != nil {
			return err
		}
		conds, err := fo.objects("filter-conditions", fPath)
		if err != nil {
			return err
		}
		for j, co := range conds {
			var c FilterCondition
			err := co.texts(fmt.Sprintf("%s.filter-conditions[%d]", fPath, j),
				field{"filter-operator", &c.Operator},
				field{"value", &c.Value},
				field{"start-value", &c.StartValue},
				field{"end-value", &c.EndValue},
			)
			if err != nil {
				return err
			}
			f.Conditions = append(f.Conditions, c)
		}
		r.Filters = append(r.Filters, f)
	}
	return nil
}

// sub reads a key holding an object; ok is false when it is absent or null.
func (o object) sub(key, path string) (object, bool, error) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil, false, nil
	}
	obj, err := objectAt(raw, path+"."+key)
	return obj, err == nil, err
}

// strings reads a key holding an array of string-valued items (read as
// text reads them). Absent and null read as nil.
func (o object) strings(key, path string) ([]string, error) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	return stringArray(raw, path+"."+key)
}

func stringArray(raw json.RawMessage, path string) ([]string, error) {
	var raws []json.RawMessage
	if firstByte(raw) != '[' || json.Unmarshal(raw, &raws) != nil {
		return nil, shapeError(path, "an array")
	}
	out := make([]string, len(raws))
	for i, r := range raws {
		s, err := object{"v": r}.text("v", path)
		if err != nil {
			return nil, shapeError(fmt.Sprintf("%s[%d]", path, i), "a string")
		}
		out[i] = s
	}
	return out, nil
}

func firstByte(raw []byte) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNull(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "null" }
