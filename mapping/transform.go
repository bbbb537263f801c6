package mapping

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Transformation rule targets (rule-target).
const (
	TargetSchema          = "schema"
	TargetTable           = "table"
	TargetColumn          = "column"
	TargetTableTablespace = "table-tablespace"
	TargetIndexTablespace = "index-tablespace"
)

// Transformation rule actions (rule-action of a transformation rule).
const (
	ActionRename                = "rename"
	ActionRemoveColumn          = "remove-column"
	ActionIncludeColumn         = "include-column"
	ActionAddColumn             = "add-column"
	ActionConvertLowercase      = "convert-lowercase"
	ActionConvertUppercase      = "convert-uppercase"
	ActionAddPrefix             = "add-prefix"
	ActionRemovePrefix          = "remove-prefix"
	ActionReplacePrefix         = "replace-prefix"
	ActionAddSuffix             = "add-suffix"
	ActionRemoveSuffix          = "remove-suffix"
	ActionReplaceSuffix         = "replace-suffix"
	ActionChangeDataType        = "change-data-type"
	ActionDefinePrimaryKey      = "define-primary-key"
	ActionAddBeforeImageColumns = "add-before-image-columns"
)

func isNameAction(a string) bool {
	switch a {
	case ActionRename, ActionConvertLowercase, ActionConvertUppercase,
		ActionAddPrefix, ActionRemovePrefix, ActionReplacePrefix,
		ActionAddSuffix, ActionRemoveSuffix, ActionReplaceSuffix:
		return true
	}
	return false
}

// actionAllowed reports whether a rule-action applies to a rule-target.
func actionAllowed(target, action string) bool {
	if isNameAction(action) {
		return true
	}
	switch action {
	case ActionDefinePrimaryKey:
		return target == TargetTable
	case ActionAddBeforeImageColumns:
		return target == TargetColumn || target == TargetTable
	case ActionRemoveColumn, ActionIncludeColumn, ActionAddColumn, ActionChangeDataType:
		return target == TargetColumn
	}
	return false
}

// transformRule is a compiled transformation rule.
type transformRule struct {
	rule                  *Rule
	order                 int // position in the precedence order
	schema, table, column pattern
	hasTable, hasColumn   bool
	expr                  *Expression
}

func (tr *transformRule) matchesTable(schema, table string) bool {
	return tr.schema.match(schema) && (!tr.hasTable || tr.table.match(table))
}

func compileTransformation(r *Rule) (*transformRule, error) {
	target, action := r.RuleTarget, r.RuleAction
	if !actionAllowed(target, action) {
		return nil, ruleError(r, "rule-action", "rule action "+action+" is not supported for rule target "+target)
	}
	ol := r.ObjectLocator
	switch {
	case ol == nil:
		return nil, ruleError(r, "object-locator", "object locator cannot be null")
	case ol.SchemaName == "":
		return nil, ruleError(r, "object-locator.schema-name", "schema name cannot be null or empty")
	case target != TargetSchema && ol.TableName == "":
		return nil, ruleError(r, "object-locator.table-name", "table name cannot be null or empty")
	}
	needsColumn := target == TargetColumn && action != ActionAddColumn && action != ActionAddBeforeImageColumns
	if needsColumn && ol.ColumnName == "" {
		return nil, ruleError(r, "object-locator.column-name", "column name cannot be null or empty")
	}
	tr := &transformRule{
		rule:     r,
		schema:   compilePattern(ol.SchemaName),
		table:    compilePattern(ol.TableName),
		hasTable: target != TargetSchema,
		column:   compilePattern(ol.ColumnName),
		// add-column ignores column-name; add-before-image-columns narrows
		// to it when given.
		hasColumn: needsColumn || action == ActionAddBeforeImageColumns && ol.ColumnName != "",
	}
	switch action {
	case ActionRename, ActionAddPrefix, ActionAddSuffix, ActionRemovePrefix, ActionRemoveSuffix:
		if r.Value == "" {
			return nil, ruleError(r, "value", "value cannot be null or empty")
		}
	case ActionReplacePrefix, ActionReplaceSuffix:
		if r.OldValue == "" {
			return nil, ruleError(r, "old-value", "old-value cannot be null or empty")
		}
	case ActionAddColumn, ActionChangeDataType:
		if action == ActionAddColumn && r.Value == "" {
			return nil, ruleError(r, "value", "value cannot be null or empty")
		}
		if err := checkDataType(r); err != nil {
			return nil, err
		}
		if r.Expression != "" {
			if action != ActionAddColumn {
				return nil, ruleError(r, "expression", "expression is only supported with add-column")
			}
			e, err := ParseExpression(r.Expression)
			if err != nil {
				return nil, ruleError(r, "expression", "invalid expression: "+err.Error())
			}
			tr.expr = e
		}
	case ActionDefinePrimaryKey:
		if r.PrimaryKeyDef == nil || len(r.PrimaryKeyDef.Columns) == 0 {
			return nil, ruleError(r, "primary-key-def", "primary-key-def must list columns")
		}
		switch r.PrimaryKeyDef.Origin {
		case "", "primary-key", "unique-index":
		default:
			return nil, ruleError(r, "primary-key-def.origin", "primary-key-def origin must be primary-key or unique-index")
		}
	case ActionAddBeforeImageColumns:
		if bi := r.BeforeImageDef; bi != nil {
			switch bi.ColumnFilter {
			case "", ColumnFilterPKOnly, ColumnFilterNonLOB, ColumnFilterAll:
			default:
				return nil, ruleError(r, "before-image-def.column-filter", "before-image-def column-filter must be one of pk-only, non-lob, all")
			}
		}
	}
	return tr, nil
}

func checkDataType(r *Rule) error {
	dt := r.DataType
	if dt == nil || dt.Type == "" {
		return ruleError(r, "data-type", "data type cannot be null")
	}
	if _, ok := dmsTypeOf(dt.Type); !ok {
		return ruleError(r, "data-type.type", "unsupported data type "+dt.Type)
	}
	if dt.Length < 0 || dt.Precision < 0 || dt.Scale < 0 || dt.Scale > dt.Precision && dt.Precision > 0 {
		return ruleError(r, "data-type", "data type length, precision and scale must be non-negative, with scale at most precision")
	}
	return nil
}

// sortTransforms orders rules for precedence: by numeric rule-id, then by
// document position (rule-ids that are not numbers sort after, as written).
func sortTransforms(trs []*transformRule) {
	slices.SortStableFunc(trs, func(a, b *transformRule) int {
		ai, aerr := strconv.ParseInt(a.rule.RuleID, 10, 64)
		bi, berr := strconv.ParseInt(b.rule.RuleID, 10, 64)
		switch {
		case aerr == nil && berr == nil:
			return cmp.Compare(ai, bi)
		case aerr == nil:
			return -1
		case berr == nil:
			return 1
		}
		return 0
	})
	for i, tr := range trs {
		tr.order = i
	}
}

// rename applies a name action.
func rename(r *Rule, name string) string {
	switch r.RuleAction {
	case ActionRename:
		return r.Value
	case ActionConvertLowercase:
		return strings.ToLower(name)
	case ActionConvertUppercase:
		return strings.ToUpper(name)
	case ActionAddPrefix:
		return r.Value + name
	case ActionAddSuffix:
		return name + r.Value
	case ActionRemovePrefix:
		return strings.TrimPrefix(name, r.Value)
	case ActionRemoveSuffix:
		return strings.TrimSuffix(name, r.Value)
	case ActionReplacePrefix:
		if rest, ok := strings.CutPrefix(name, r.OldValue); ok {
			return r.Value + rest
		}
	case ActionReplaceSuffix:
		if rest, ok := strings.CutSuffix(name, r.OldValue); ok {
			return rest + r.Value
		}
	}
	return name
}
