package dms

import (
	"context"
	"sync"

	"github.com/minidms/minidms/mapping"
)

// Target is where a task writes its changes: Kinesis, the memory target, or
// a user's own.
type Target interface {
	// Write delivers changes in order and returns once the target holds them
	// all; the engine checkpoints only what Write accepted. A task writes from
	// a single goroutine, but several tasks may share one Target.
	Write(ctx context.Context, task TaskInfo, changes []Change) error
}

// TaskInfo tells a target which task a batch comes from and how the task is
// configured, for what the record format depends on (the control records'
// partition key, before images, object mapping).
type TaskInfo struct {
	// ID is the task's resource id: the last segment of its ARN.
	ID       string
	Settings *mapping.TaskSettings
	// ObjectMappings gives the object-mapping rules (rule-type
	// object-mapping) that stream targets apply to data records; nil when the
	// task's mapping has none.
	ObjectMappings ObjectMapper
}

// ObjectMapper finds the object-mapping rule of a table.
type ObjectMapper interface {
	// ObjectMapping returns the rule for the table of def, a definition as
	// the target receives it, or nil. Rules match the source table's schema
	// and name, as AWS matches object-locators, also when transformation
	// rules renamed the table: that is why it takes the definition rather
	// than names.
	ObjectMapping(def *TableDef) *mapping.ObjectMapping
}

// objectMappings is implemented by mappings with object-mapping rules, such
// as *mapping.TableMappings.
type objectMappings interface {
	ObjectMapping(schema, table string) *mapping.ObjectMapping
}

// objectMapper is a task's ObjectMapper. Targets receive the definitions
// the transformer hands out, so it maps each back to the source definition
// it came from, once, and remembers the rule.
type objectMapper struct {
	rules objectMappings
	xf    *transformer

	mu    sync.Mutex
	byDef map[*TableDef]*mapping.ObjectMapping
}

// newObjectMapper returns nil when the task's mapping has no object-mapping
// rules, so targets skip the lookup altogether.
func newObjectMapper(sel TableSelector, xf *transformer) ObjectMapper {
	rules, ok := sel.(objectMappings)
	if !ok {
		return nil
	}
	if m, ok := rules.(*mapping.TableMappings); ok && !hasObjectMapping(m) {
		return nil
	}
	return &objectMapper{rules: rules, xf: xf, byDef: map[*TableDef]*mapping.ObjectMapping{}}
}

func hasObjectMapping(m *mapping.TableMappings) bool {
	for _, r := range m.Rules() {
		if r.RuleType == "object-mapping" {
			return true
		}
	}
	return false
}

func (o *objectMapper) ObjectMapping(def *TableDef) *mapping.ObjectMapping {
	o.mu.Lock()
	defer o.mu.Unlock()
	if om, ok := o.byDef[def]; ok {
		return om
	}
	src := o.xf.sourceOf(def)
	om := o.rules.ObjectMapping(src.Schema, src.Table)
	if len(o.byDef) >= maxPlannedTables {
		clear(o.byDef)
	}
	o.byDef[def] = om
	return om
}

// sourceOf returns the source definition whose plan gave def, or def itself
// when def is a source definition (or one the transformer never saw, such
// as a control table's).
func (x *transformer) sourceOf(def *TableDef) *TableDef {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.tables[def]; ok {
		return def
	}
	for src, tp := range x.tables {
		if tp.def == def {
			return src
		}
	}
	return def
}
