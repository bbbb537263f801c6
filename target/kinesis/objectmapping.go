package kinesis

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
)

// Metadata partition-key-type values of object-mapping rules.
const (
	pkTypeAttributeName = "attribute-name"
	pkTypeConstant      = "constant"
	pkTypeTransactionID = "transaction-id"
)

// docMember is where map-record-to-document puts the columns.
const docMember = "_doc"

// maxEmbeddedDepth bounds the nesting of a document attribute, so its
// objects stay within the writer's 64 levels.
const maxEmbeddedDepth = 32

// mappedPartition returns the partition-key-type, partition-key-value and
// Kinesis partition key an object-mapping rule gives a data record; ok is
// false when the rule leaves the record's default partitioning.
func (e *Encoder) mappedPartition(om *mapping.ObjectMapping, ti *tableInfo, c *dms.Change, cdc bool) (pkType, pkValue, key string, ok bool, err error) {
	switch om.PartitionKeyType {
	case mapping.PartitionKeyConstant:
		return pkTypeConstant, om.PartitionKeyValue, kinesisKey(om.PartitionKeyValue, ti.schemaTable), true, nil
	case mapping.PartitionKeyAttributeName:
		v, err := e.attributeValue(om, c.Table, c.Data, om.PartitionKeyName)
		if err != nil {
			return "", "", "", false, err
		}
		return pkTypeAttributeName, v, kinesisKey(v, ti.schemaTable), true, nil
	case mapping.PartitionKeyPrimaryKey:
		if len(ti.pk) == 0 {
			return pkTypeSchemaTable, "", ti.schemaTable, true, nil
		}
		v, k := e.primaryKey(ti, c.Table, c.Data)
		return pkTypePrimaryKey, v, k, true, nil
	case mapping.PartitionKeySchemaTable:
		return pkTypeSchemaTable, "", ti.schemaTable, true, nil
	case mapping.PartitionKeyTransactionID:
		if !cdc {
			return "", "", "", false, nil // a load row has no transaction
		}
		v := strconv.FormatUint(c.TransactionID, 10)
		return pkTypeTransactionID, v, v, true, nil
	}
	return "", "", "", false, nil
}

// attributeValue is the text of the attribute partition-key-name names: an
// attribute mapping's rendered value, else a column's value.
func (e *Encoder) attributeValue(om *mapping.ObjectMapping, def *dms.TableDef, r dms.Row, name string) (string, error) {
	for i := range om.Attributes {
		if a := &om.Attributes[i]; a.Name == name {
			return e.render(om, a, def, r, false)
		}
	}
	i := def.ColumnIndex(name)
	if i < 0 {
		return "", fmt.Errorf("table %s: object-mapping rule %s: partition-key-name %s is neither an attribute nor a column", def.ID(), om.RuleID, name)
	}
	var v any
	if i < len(r) {
		v = r[i]
	}
	return string(e.appendKeyPart(nil, def.Columns[i].Type, v)), nil
}

// render fills an attribute's ${column} template with the columns' values
// as the partition key writes them; for JSON the values are escaped to sit
// inside the template's string literals.
func (e *Encoder) render(om *mapping.ObjectMapping, a *mapping.Attribute, def *dms.TableDef, r dms.Row, asJSON bool) (string, error) {
	s, err := a.Render(func(name string) (any, bool) {
		i := def.ColumnIndex(name)
		if i < 0 {
			return nil, false
		}
		var v any
		if i < len(r) {
			v = r[i]
		}
		b := e.appendKeyPart(nil, def.Columns[i].Type, v)
		if asJSON {
			b = appendStringBody(nil, string(b))
		}
		return string(b), true
	})
	if err != nil {
		return "", fmt.Errorf("table %s: object-mapping rule %s: %w", def.ID(), om.RuleID, err)
	}
	return s, nil
}

// mappedRow writes the data member of a row an object-mapping rule shapes:
// the columns but the excluded ones (under _doc for map-record-to-document),
// then the attribute mappings; an attribute named like a column replaces
// it.
func (e *Encoder) mappedRow(om *mapping.ObjectMapping, def *dms.TableDef, r dms.Row) error {
	w := &e.w
	w.open()
	doc := om.Action == mapping.ActionMapRecordToDocument
	if doc {
		w.key(docMember)
		w.open()
	}
	for i := range def.Columns {
		col := &def.Columns[i]
		if om.Excluded(col.Name) || !doc && hasAttribute(om, col.Name) {
			continue
		}
		var v any
		if i < len(r) {
			v = r[i]
		}
		if !e.includeNull && isNullOrEmpty(v) {
			continue
		}
		w.name(col.Name)
		if err := e.value(col, v); err != nil {
			return fmt.Errorf("table %s: %w", def.ID(), err)
		}
	}
	if doc {
		w.close()
	}
	for i := range om.Attributes {
		a := &om.Attributes[i]
		asJSON := a.Type == "document" || a.SubType == "json"
		s, err := e.render(om, a, def, r, asJSON)
		if err != nil {
			return err
		}
		if !e.includeNull && s == "" {
			continue
		}
		w.name(a.Name)
		if !asJSON {
			w.str(s)
			continue
		}
		if err := w.embed(s); err != nil {
			return fmt.Errorf("table %s: object-mapping rule %s: attribute %s: %w", def.ID(), om.RuleID, a.Name, err)
		}
	}
	w.close()
	return nil
}

func hasAttribute(om *mapping.ObjectMapping, name string) bool {
	for i := range om.Attributes {
		if om.Attributes[i].Name == name {
			return true
		}
	}
	return false
}

var errNotJSON = errors.New("value is not valid JSON")

// embed writes the JSON text s as a value, printed as the rest of the
// record is (DMS parses a json attribute into cJSON and prints it with the
// record).
func (w *jsonWriter) embed(s string) error {
	if !json.Valid([]byte(s)) {
		return fmt.Errorf("%w: %q", errNotJSON, s)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return w.embedValue(dec, 0)
}

func (w *jsonWriter) embedValue(dec *json.Decoder, depth int) error {
	if depth > maxEmbeddedDepth {
		return fmt.Errorf("value nests deeper than %d levels", maxEmbeddedDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %w", errNotJSON, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			w.open()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return fmt.Errorf("%w: %w", errNotJSON, err)
				}
				w.name(k.(string))
				if err := w.embedValue(dec, depth+1); err != nil {
					return err
				}
			}
			w.close()
		} else {
			w.openArray()
			for n := 0; dec.More(); n++ {
				w.element(n)
				if err := w.embedValue(dec, depth+1); err != nil {
					return err
				}
			}
			w.closeArray()
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return fmt.Errorf("%w: %w", errNotJSON, err)
		}
	case string:
		w.str(t)
	case json.Number:
		f, err := t.Float64()
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%w: %w", errNotJSON, err)
		}
		w.number(f)
	case bool:
		w.b = strconv.AppendBool(w.b, t)
	case nil:
		w.b = append(w.b, "null"...)
	}
	return nil
}
