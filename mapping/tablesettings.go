package mapping

import "strings"

// ParallelLoad is a table-settings rule's parallel-load: how a table's full
// load is split.
type ParallelLoad struct {
	// Type is partitions-auto, subpartitions-auto, partitions-list, ranges
	// or none.
	Type          string
	Partitions    []string   // partitions (partitions-list)
	Subpartitions []string   // subpartitions (partitions-list)
	Columns       []string   // columns (ranges)
	Boundaries    [][]string // boundaries (ranges): one value per column each
}

// LobSettings is a table-settings rule's lob-settings.
type LobSettings struct {
	Mode        string // mode: limited, unlimited or none
	BulkMaxSize int    // bulk-max-size, in KB
}

// TableSettings are the table-settings of one table: the parallel-load and
// lob-settings of the first rules (in document order) naming it.
type TableSettings struct {
	ParallelLoad *ParallelLoad
	LobSettings  *LobSettings
}

// Parallel-load types (parallel-load type).
const (
	ParallelLoadPartitionsAuto    = "partitions-auto"
	ParallelLoadSubpartitionsAuto = "subpartitions-auto"
	ParallelLoadPartitionsList    = "partitions-list"
	ParallelLoadRanges            = "ranges"
	ParallelLoadNone              = "none"
)

type tableSettingsRule struct {
	schema, table string
	settings      TableSettings
}

// TableSettings returns the table-settings rules' settings for a table,
// or nil when no rule names it. Names match exactly: table-settings rules
// take no wildcards.
func (m *TableMappings) TableSettings(schema, table string) *TableSettings {
	if m == nil {
		return nil
	}
	var out *TableSettings
	for _, r := range m.tableSettings {
		if r.schema != schema || r.table != table {
			continue
		}
		if out == nil {
			out = &TableSettings{}
		}
		if out.ParallelLoad == nil {
			out.ParallelLoad = r.settings.ParallelLoad
		}
		if out.LobSettings == nil {
			out.LobSettings = r.settings.LobSettings
		}
	}
	return out
}

func compileTableSettings(r *Rule) (tableSettingsRule, error) {
	if err := requireTable(r); err != nil {
		return tableSettingsRule{}, err
	}
	ol := r.ObjectLocator
	if strings.Contains(ol.SchemaName, "%") || strings.Contains(ol.TableName, "%") {
		return tableSettingsRule{}, ruleError(r, "object-locator", "table-settings rules cannot use wildcards")
	}
	if pl := r.ParallelLoad; pl != nil {
		switch pl.Type {
		case ParallelLoadPartitionsAuto, ParallelLoadSubpartitionsAuto, ParallelLoadNone:
		case ParallelLoadPartitionsList:
			if len(pl.Partitions) == 0 {
				return tableSettingsRule{}, ruleError(r, "parallel-load.partitions", "parallel-load partitions-list requires partitions")
			}
		case ParallelLoadRanges:
			if len(pl.Columns) == 0 {
				return tableSettingsRule{}, ruleError(r, "parallel-load.columns", "parallel-load ranges requires columns")
			}
			if len(pl.Boundaries) == 0 {
				return tableSettingsRule{}, ruleError(r, "parallel-load.boundaries", "parallel-load ranges requires boundaries")
			}
			for _, b := range pl.Boundaries {
				if len(b) != len(pl.Columns) {
					return tableSettingsRule{}, ruleError(r, "parallel-load.boundaries", "each parallel-load boundary must have one value per column")
				}
			}
		default:
			return tableSettingsRule{}, ruleError(r, "parallel-load.type",
				"parallel-load type must be one of partitions-auto, subpartitions-auto, partitions-list, ranges, none")
		}
	}
	if lob := r.LobSettings; lob != nil {
		switch lob.Mode {
		case "limited", "unlimited", "none":
		default:
			return tableSettingsRule{}, ruleError(r, "lob-settings.mode", "lob-settings mode must be one of limited, unlimited, none")
		}
		if lob.BulkMaxSize < 0 {
			return tableSettingsRule{}, ruleError(r, "lob-settings.bulk-max-size", "lob-settings bulk-max-size cannot be negative")
		}
	}
	return tableSettingsRule{
		schema: ol.SchemaName, table: ol.TableName,
		settings: TableSettings{ParallelLoad: r.ParallelLoad, LobSettings: r.LobSettings},
	}, nil
}

// requireTable checks that a rule's object-locator names a schema and a
// table, with the messages selection rules get.
func requireTable(r *Rule) error {
	ol := r.ObjectLocator
	switch {
	case ol == nil:
		return ruleError(r, "object-locator", "object locator cannot be null")
	case ol.SchemaName == "":
		return ruleError(r, "object-locator.schema-name", "schema name cannot be null or empty")
	case ol.TableName == "":
		return ruleError(r, "object-locator.table-name", "table name cannot be null or empty")
	}
	return nil
}
