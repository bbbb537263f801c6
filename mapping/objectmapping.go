package mapping

import (
	"strings"
)

// Object-mapping rule actions.
const (
	ActionMapRecordToRecord   = "map-record-to-record"
	ActionMapRecordToDocument = "map-record-to-document"
)

// Partition key types of an object-mapping rule (partition-key-type), and
// PartitionKeyConstant for a rule that gives partition-key.value instead.
const (
	PartitionKeyAttributeName = "attribute-name"
	PartitionKeyPrimaryKey    = "primary-key"
	PartitionKeySchemaTable   = "schema-table"
	PartitionKeyTransactionID = "transaction-id"
	PartitionKeyConstant      = "constant"
)

// MappingParameters is an object-mapping rule's mapping-parameters, as
// written.
type MappingParameters struct {
	PartitionKeyType     string // partition-key-type
	PartitionKeyName     string // partition-key-name (attribute-name)
	PartitionKeyValue    string // partition-key.value
	HasPartitionKeyValue bool   // partition-key is present
	ExcludeColumns       []string
	AttributeMappings    []AttributeMapping
}

// AttributeMapping is one attribute-mappings entry.
type AttributeMapping struct {
	TargetAttributeName string // target-attribute-name
	AttributeType       string // attribute-type: scalar (default) or document
	AttributeSubType    string // attribute-sub-type: string (default) or json
	Value               string // value, with ${column} references
}

// ObjectMapping is a compiled object-mapping rule for a stream target
// (Kinesis): how a table's rows become records. It is immutable.
type ObjectMapping struct {
	RuleID string
	// Action is map-record-to-record (every column becomes an attribute,
	// except ExcludeColumns) or map-record-to-document.
	Action          string
	TargetTableName string
	// PartitionKeyType is attribute-name, primary-key, schema-table,
	// transaction-id, PartitionKeyConstant (the rule gave
	// partition-key.value), or "" for the target's default.
	PartitionKeyType  string
	PartitionKeyName  string // the column, for attribute-name
	PartitionKeyValue string // the constant, for PartitionKeyConstant
	ExcludeColumns    []string
	Attributes        []Attribute

	schema, table pattern
}

// Attribute is a compiled attribute mapping.
type Attribute struct {
	Name    string // target-attribute-name
	Type    string // scalar or document
	SubType string // string or json
	Value   string // the template as written
	parts   []templatePart
}

// templatePart is literal text, or a column reference when column is set.
type templatePart struct {
	lit    string
	column string
}

// Render fills the attribute's value template: each ${column} becomes the
// column's value as text (NULL as ""). It fails on a column the row lacks.
func (a *Attribute) Render(column func(name string) (any, bool)) (string, error) {
	var b strings.Builder
	for _, p := range a.parts {
		if p.column == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := column(p.column)
		if !ok {
			return "", &Error{Field: "attribute-mappings.value", Message: "attribute " + a.Name + " references unknown column " + p.column}
		}
		b.WriteString(text(storage(v)))
	}
	return b.String(), nil
}

// Excluded reports whether the rule's exclude-columns names the column.
func (o *ObjectMapping) Excluded(column string) bool {
	for _, c := range o.ExcludeColumns {
		if c == column {
			return true
		}
	}
	return false
}

// ObjectMapping returns the first object-mapping rule (in document order)
// whose object-locator matches the table, or nil.
func (m *TableMappings) ObjectMapping(schema, table string) *ObjectMapping {
	if m == nil {
		return nil
	}
	for _, o := range m.objectMappings {
		if o.schema.match(schema) && o.table.match(table) {
			return o
		}
	}
	return nil
}

func compileObjectMapping(r *Rule) (*ObjectMapping, error) {
	if err := requireTable(r); err != nil {
		return nil, err
	}
	o := &ObjectMapping{
		RuleID: r.RuleID, Action: r.RuleAction, TargetTableName: r.TargetTableName,
		schema: compilePattern(r.ObjectLocator.SchemaName), table: compilePattern(r.ObjectLocator.TableName),
	}
	mp := r.MappingParameters
	if mp == nil {
		return o, nil
	}
	o.ExcludeColumns = mp.ExcludeColumns
	switch mp.PartitionKeyType {
	case "":
	case PartitionKeyAttributeName:
		if mp.PartitionKeyName == "" {
			return nil, ruleError(r, "mapping-parameters.partition-key-name", "partition-key-name is required when partition-key-type is attribute-name")
		}
	case PartitionKeyPrimaryKey, PartitionKeySchemaTable, PartitionKeyTransactionID:
	default:
		return nil, ruleError(r, "mapping-parameters.partition-key-type",
			"partition-key-type must be one of attribute-name, primary-key, schema-table, transaction-id")
	}
	o.PartitionKeyType, o.PartitionKeyName = mp.PartitionKeyType, mp.PartitionKeyName
	if mp.HasPartitionKeyValue {
		if mp.PartitionKeyType != "" {
			return nil, ruleError(r, "mapping-parameters.partition-key", "partition-key value and partition-key-type cannot both be set")
		}
		o.PartitionKeyType, o.PartitionKeyValue = PartitionKeyConstant, mp.PartitionKeyValue
	}
	for _, am := range mp.AttributeMappings {
		a := Attribute{Name: am.TargetAttributeName, Type: am.AttributeType, SubType: am.AttributeSubType, Value: am.Value}
		if a.Name == "" {
			return nil, ruleError(r, "mapping-parameters.attribute-mappings.target-attribute-name", "target-attribute-name cannot be null or empty")
		}
		switch a.Type {
		case "":
			a.Type = "scalar"
		case "scalar", "document":
		default:
			return nil, ruleError(r, "mapping-parameters.attribute-mappings.attribute-type", "attribute-type must be scalar or document")
		}
		switch a.SubType {
		case "":
			a.SubType = "string"
		case "string", "json":
		default:
			return nil, ruleError(r, "mapping-parameters.attribute-mappings.attribute-sub-type", "attribute-sub-type must be string or json")
		}
		parts, ok := parseTemplate(am.Value)
		if !ok {
			return nil, ruleError(r, "mapping-parameters.attribute-mappings.value", "attribute "+a.Name+" value has an unterminated ${")
		}
		a.parts = parts
		o.Attributes = append(o.Attributes, a)
	}
	return o, nil
}

// parseTemplate splits "${a}-${b}" into literals and column references.
func parseTemplate(s string) ([]templatePart, bool) {
	var parts []templatePart
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			parts = append(parts, templatePart{lit: s})
			break
		}
		if i > 0 {
			parts = append(parts, templatePart{lit: s[:i]})
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 || end == 2 {
			return nil, false
		}
		parts = append(parts, templatePart{column: s[i+2 : i+end]})
		s = s[i+end+1:]
	}
	return parts, true
}
