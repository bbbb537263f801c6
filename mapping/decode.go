package mapping

import (
	"encoding/json"
	"fmt"
)

// decodeRuleParts reads the nested objects of transformation,
// table-settings and object-mapping rules. Like the rest of decodeRule it
// checks only their JSON shape; meaning is checked when the rule compiles.
func decodeRuleParts(o object, path string, r *Rule) error {
	if dt, ok, err := o.sub("data-type", path); err != nil {
		return err
	} else if ok {
		p := path + ".data-type"
		r.DataType = &DataType{}
		if err := dt.texts(p, field{"type", &r.DataType.Type}); err != nil {
			return err
		}
		if err := dt.integers(p, intField{"length", &r.DataType.Length}, intField{"precision", &r.DataType.Precision}, intField{"scale", &r.DataType.Scale}); err != nil {
			return err
		}
	}
	if pk, ok, err := o.sub("primary-key-def", path); err != nil {
		return err
	} else if ok {
		p := path + ".primary-key-def"
		r.PrimaryKeyDef = &PrimaryKeyDef{}
		if err := pk.texts(p, field{"name", &r.PrimaryKeyDef.Name}, field{"origin", &r.PrimaryKeyDef.Origin}); err != nil {
			return err
		}
		if r.PrimaryKeyDef.Columns, err = pk.strings("columns", p); err != nil {
			return err
		}
	}
	if bi, ok, err := o.sub("before-image-def", path); err != nil {
		return err
	} else if ok {
		r.BeforeImageDef = &BeforeImageDef{}
		err := bi.texts(path+".before-image-def",
			field{"column-prefix", &r.BeforeImageDef.ColumnPrefix},
			field{"column-suffix", &r.BeforeImageDef.ColumnSuffix},
			field{"column-filter", &r.BeforeImageDef.ColumnFilter})
		if err != nil {
			return err
		}
		// An absent prefix is the documented default; an explicit "" is kept.
		if _, set := bi["column-prefix"]; !set {
			r.BeforeImageDef.ColumnPrefix = "BI_"
		}
	}
	if err := decodeParallelLoad(o, path, r); err != nil {
		return err
	}
	if lob, ok, err := o.sub("lob-settings", path); err != nil {
		return err
	} else if ok {
		p := path + ".lob-settings"
		r.LobSettings = &LobSettings{}
		if err := lob.texts(p, field{"mode", &r.LobSettings.Mode}); err != nil {
			return err
		}
		if err := lob.integers(p, intField{"bulk-max-size", &r.LobSettings.BulkMaxSize}); err != nil {
			return err
		}
	}
	return decodeMappingParameters(o, path, r)
}

func decodeParallelLoad(o object, path string, r *Rule) error {
	pl, ok, err := o.sub("parallel-load", path)
	if err != nil || !ok {
		return err
	}
	p := path + ".parallel-load"
	r.ParallelLoad = &ParallelLoad{}
	if err := pl.texts(p, field{"type", &r.ParallelLoad.Type}); err != nil {
		return err
	}
	if r.ParallelLoad.Partitions, err = pl.strings("partitions", p); err != nil {
		return err
	}
	if r.ParallelLoad.Subpartitions, err = pl.strings("subpartitions", p); err != nil {
		return err
	}
	if r.ParallelLoad.Columns, err = pl.strings("columns", p); err != nil {
		return err
	}
	if raw, ok := pl["boundaries"]; ok && !isNull(raw) {
		var rows []json.RawMessage
		if firstByte(raw) != '[' || json.Unmarshal(raw, &rows) != nil {
			return shapeError(p+".boundaries", "an array")
		}
		for i, row := range rows {
			vals, err := stringArray(row, fmt.Sprintf("%s.boundaries[%d]", p, i))
			if err != nil {
				return err
			}
			r.ParallelLoad.Boundaries = append(r.ParallelLoad.Boundaries, vals)
		}
	}
	return nil
}

func decodeMappingParameters(o object, path string, r *Rule) error {
	mp, ok, err := o.sub("mapping-parameters", path)
	if err != nil || !ok {
		return err
	}
	p := path + ".mapping-parameters"
	m := &MappingParameters{}
	r.MappingParameters = m
	if err := mp.texts(p, field{"partition-key-type", &m.PartitionKeyType}, field{"partition-key-name", &m.PartitionKeyName}); err != nil {
		return err
	}
	if pk, ok, err := mp.sub("partition-key", p); err != nil {
		return err
	} else if ok {
		m.HasPartitionKeyValue = true
		if err := pk.texts(p+".partition-key", field{"value", &m.PartitionKeyValue}); err != nil {
			return err
		}
	}
	if m.ExcludeColumns, err = mp.strings("exclude-columns", p); err != nil {
		return err
	}
	ams, err := mp.objects("attribute-mappings", p)
	if err != nil {
		return err
	}
	for i, am := range ams {
		var a AttributeMapping
		err := am.texts(fmt.Sprintf("%s.attribute-mappings[%d]", p, i),
			field{"target-attribute-name", &a.TargetAttributeName},
			field{"attribute-type", &a.AttributeType},
			field{"attribute-sub-type", &a.AttributeSubType},
			field{"value", &a.Value})
		if err != nil {
			return err
		}
		m.AttributeMappings = append(m.AttributeMappings, a)
	}
	return nil
}

// intField pairs an integer-valued key with where to store it.
type intField struct {
	key string
	dst *int
}

// integers reads integer-valued keys in order, stopping at the first error.
func (o object) integers(path string, fields ...intField) error {
	for _, f := range fields {
		n, err := o.integer(f.key, path)
		if err != nil {
			return err
		}
		*f.dst = n
	}
	return nil
}
