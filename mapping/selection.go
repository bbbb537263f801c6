package mapping

import "strings"

// selector is a compiled selection rule.
type selector struct {
	exclude       bool
	tables, views bool
	schema, table pattern
	loadOrder     int
	filters       []Filter
	rule          *Rule // for the errors of filters compiled against a table
}

// Selected reports whether the selection rules select the table: some
// include or explicit rule whose table-type is "table" or "all" matches it,
// and no such exclude rule does. It does not allocate.
func (m *TableMappings) Selected(schema, table string) bool {
	_, ok := m.lookup(schema, table, false)
	return ok
}

// SelectedView is Selected for a view: it considers the rules whose
// table-type is "view" or "all".
func (m *TableMappings) SelectedView(schema, view string) bool {
	_, ok := m.lookup(schema, view, true)
	return ok
}

// LoadOrder returns the load-order of the include or explicit rule that
// selects the table (the highest, when several do), or 0 when no rule
// selects it. Tables with a higher load-order are loaded first.
func (m *TableMappings) LoadOrder(schema, table string) int {
	order, _ := m.lookup(schema, table, false)
	return order
}

func (m *TableMappings) lookup(schema, name string, view bool) (loadOrder int, selected bool) {
	if m == nil {
		return 0, false
	}
	for i := range m.selectors {
		s := &m.selectors[i]
		if view && !s.views || !view && !s.tables {
			continue
		}
		if !s.table.match(name) || !s.schema.match(schema) {
			continue
		}
		if s.exclude {
			return 0, false
		}
		if !selected || s.loadOrder > loadOrder {
			loadOrder = s.loadOrder
		}
		selected = true
	}
	return loadOrder, selected
}

func compileSelection(r *Rule) (selector, error) {
	ol := r.ObjectLocator
	switch {
	case ol == nil:
		return selector{}, ruleError(r, "object-locator", "object locator cannot be null")
	case ol.SchemaName == "":
		return selector{}, ruleError(r, "object-locator.schema-name", "schema name cannot be null or empty")
	case ol.TableName == "":
		return selector{}, ruleError(r, "object-locator.table-name", "table name cannot be null or empty")
	}
	s := selector{exclude: r.RuleAction == ActionExclude, loadOrder: r.LoadOrder, filters: r.Filters, rule: r}
	if err := checkFilters(r); err != nil {
		return selector{}, err
	}
	switch ol.TableType {
	case "", TableTypeTable:
		s.tables = true
	case TableTypeView:
		s.views = true
	case TableTypeAll:
		s.tables, s.views = true, true
	}
	if r.RuleAction == ActionExplicit {
		// explicit names exactly one object: its names are literal, so an
		// underscore is just an underscore; % is rejected.
		if strings.Contains(ol.SchemaName, "%") || strings.Contains(ol.TableName, "%") {
			return selector{}, ruleError(r, "object-locator", "explicit selection rule cannot use wildcards")
		}
		s.schema, s.table = compileLiteral(ol.SchemaName), compileLiteral(ol.TableName)
		return s, nil
	}
	s.schema, s.table = compilePattern(ol.SchemaName), compilePattern(ol.TableName)
	return s, nil
}

// checkFilters validates an include rule's filters as far as that is
// possible without the table: operators, their values, and AWS's rules that
// only include rules filter, on exact table names, with at most one
// negative condition per filter.
func checkFilters(r *Rule) error {
	if len(r.Filters) == 0 {
		return nil
	}
	if r.RuleAction == ActionExclude {
		return ruleError(r, "filters", "filters are only supported on include rules")
	}
	ol := r.ObjectLocator
	if strings.Contains(ol.SchemaName, "%") || strings.Contains(ol.TableName, "%") {
		return ruleError(r, "filters", "filters require an exact schema name and table name")
	}
	for _, f := range r.Filters {
		switch {
		case f.FilterType != "" && f.FilterType != "source":
			return ruleError(r, "filters.filter-type", "filter type must be source")
		case f.ColumnName == "":
			return ruleError(r, "filters.column-name", "filter column name cannot be null or empty")
		case len(f.Conditions) == 0:
			return ruleError(r, "filters.filter-conditions", "filter conditions cannot be empty")
		}
		negative := 0
		for _, c := range f.Conditions {
			switch c.Operator {
			case FilterEq, FilterGte, FilterLte, FilterSte, FilterNull:
			case FilterNotEq, FilterNotNull:
				negative++
			case FilterBetween:
				if c.StartValue == "" || c.EndValue == "" {
					return ruleError(r, "filters.filter-conditions", "filter operator between requires start-value and end-value")
				}
			case FilterNotBetween:
				negative++
				if c.StartValue == "" || c.EndValue == "" {
					return ruleError(r, "filters.filter-conditions", "filter operator notbetween requires start-value and end-value")
				}
			case "":
				return ruleError(r, "filters.filter-conditions.filter-operator", "filter operator cannot be null or empty")
			default:
				return ruleError(r, "filters.filter-conditions.filter-operator", "unknown filter operator "+c.Operator)
			}
		}
		if negative > 1 {
			return ruleError(r, "filters.filter-conditions", "a filter can have only one negative condition")
		}
	}
	return nil
}
