package dms

import (
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/minidms/minidms/mapping"
)

// maxPlannedTables bounds the plan cache: sources hand out a new TableDef
// per schema version, so a long CDC run with many schema changes would grow
// it without end.
const maxPlannedTables = 4096

// transformer applies a task's table mapping to its changes: the source
// filters of include rules (keep) and the transformation rules (apply). It
// compiles one plan per source TableDef and hands out one transformed
// TableDef per source TableDef, so targets that cache by definition keep
// working. Statistics stay keyed by the source tables: the engine counts
// the changes it read, not the ones it wrote.
type transformer struct {
	m      *mapping.TableMappings // nil: the mapping is not a *mapping.TableMappings; nothing is transformed
	policy string                 // ErrorBehavior.DataErrorPolicy
	now    func() time.Time
	log    *slog.Logger

	mu        sync.Mutex
	tables    map[*TableDef]*tablePlan
	suspended map[TableID]bool // tables DataErrorPolicy SUSPEND_TABLE stopped
	seq       uint64           // the change number of $AR_H_CHANGE_SEQ
}

type tablePlan struct {
	filter *mapping.RowFilter
	plan   *mapping.Plan // nil: the table passes unchanged
	def    *TableDef     // the target definition
}

func newTransformer(cfg TaskConfig, now func() time.Time, log *slog.Logger) *transformer {
	m, _ := cfg.Mapping.(*mapping.TableMappings)
	return &transformer{
		m: m, policy: cfg.Settings.ErrorBehavior.DataErrorPolicy, now: now, log: log,
		tables: map[*TableDef]*tablePlan{}, suspended: map[TableID]bool{},
	}
}

func (x *transformer) planFor(def *TableDef) (*tablePlan, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if tp, ok := x.tables[def]; ok {
		return tp, nil
	}
	tp := &tablePlan{def: def}
	// Control tables such as awsdms_apply_exceptions are nobody's to
	// transform: only tables the selection rules select are.
	if x.m != nil && (x.m.Selected(def.Schema, def.Table) || x.m.SelectedView(def.Schema, def.Table)) {
		src := neutralTable(def)
		f, err := x.m.Filter(src)
		if err != nil {
			return nil, fmt.Errorf("table mapping of %s: %w", def.ID(), err)
		}
		p, err := x.m.Plan(src)
		if err != nil {
			return nil, fmt.Errorf("table mapping of %s: %w", def.ID(), err)
		}
		tp.filter = f
		if !p.Identity() {
			tp.plan, tp.def = p, targetDef(def, p)
		}
	}
	if len(x.tables) >= maxPlannedTables {
		clear(x.tables)
	}
	x.tables[def] = tp
	return tp, nil
}

// keep reports whether a data change passes its table's source filters:
// the row of a load or insert, the after image of an update, the deleted
// row of a delete (as DMS evaluates them). Control changes always pass.
func (x *transformer) keep(c *Change) (bool, error) {
	if x.m == nil || c.Table == nil || c.Op.IsControl() {
		return true, nil
	}
	tp, err := x.planFor(c.Table)
	if err != nil || tp.filter == nil {
		return err == nil, err
	}
	def, row := c.Table, c.Data
	return tp.filter.Match(func(name string) (any, bool) { return def.Value(row, name) }), nil
}

// apply returns batch as the target must see it. batch itself is not
// modified; when no change needs transforming it is returned as is. A row
// the transformation cannot convert is handled by DataErrorPolicy.
func (x *transformer) apply(batch []Change) ([]Change, error) {
	if x.m == nil {
		return batch, nil
	}
	var out []Change // nil while every change so far passes unchanged
	var lastDef *TableDef
	var tp *tablePlan
	for i := range batch {
		c := batch[i]
		if c.Table == nil {
			if out != nil {
				out = append(out, c)
			}
			continue
		}
		if c.Table != lastDef { // batches mostly hold one table's changes
			var err error
			if tp, err = x.planFor(c.Table); err != nil {
				return nil, err
			}
			lastDef = c.Table
		}
		if tp.plan == nil && !x.isSuspended(c.Table.ID()) {
			if out != nil {
				out = append(out, c)
			}
			continue
		}
		if out == nil {
			out = append(make([]Change, 0, len(batch)), batch[:i]...)
		}
		if x.isSuspended(c.Table.ID()) {
			continue
		}
		if err := x.transform(&c, tp); err != nil {
			if err := x.dataError(&batch[i], err); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, c)
	}
	if out == nil {
		return batch, nil
	}
	return out, nil
}

// dataError applies ErrorBehavior.DataErrorPolicy to a change that failed
// to transform: IGNORE_RECORD drops it, LOG_ERROR (the default) drops and
// logs it, SUSPEND_TABLE also drops every later change of its table, and
// STOP_TASK fails the task with the error.
func (x *transformer) dataError(c *Change, err error) error {
	switch x.policy {
	case "IGNORE_RECORD":
		return nil
	case "LOG_ERROR":
		x.log.Warn("data error: record skipped", "table", c.Table.ID().String(), "op", string(c.Op), "err", err)
		return nil
	case "SUSPEND_TABLE":
		x.log.Error("data error: table suspended", "table", c.Table.ID().String(), "err", err)
		x.mu.Lock()
		x.suspended[c.Table.ID()] = true
		x.mu.Unlock()
		return nil
	}
	return err
}

func (x *transformer) isSuspended(id TableID) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.suspended[id]
}

func (x *transformer) transform(c *Change, tp *tablePlan) error {
	src := c.Table
	c.Table = tp.def
	if c.Op.IsControl() {
		for _, name := range []*string{&c.Column, &c.OldColumn} {
			if n, ok := tp.plan.ColumnName(*name); ok {
				*name = n
			}
		}
		return nil
	}
	h := x.header(c, src)
	data, before, err := tp.plan.Row(c.Data, c.Before, &h)
	if err != nil {
		return fmt.Errorf("transform %s row of %s: %w", c.Op, src.ID(), err)
	}
	c.Data, c.Before = data, before
	return nil
}

// header gives expressions the change's header values. Full-load rows are
// INSERTs read now, without transaction or stream position, as in DMS.
func (x *transformer) header(c *Change, src *TableDef) mapping.Header {
	h := mapping.Header{SourceSchema: src.Schema, SourceTable: src.Table, Operation: mapping.OperationInsert}
	switch c.Op {
	case OpUpdate:
		h.Operation = mapping.OperationUpdate
	case OpDelete:
		h.Operation = mapping.OperationDelete
	}
	if c.Op == OpLoad || c.CommitTime.IsZero() {
		h.Timestamp = x.now()
		h.CommitTimestamp = h.Timestamp
		return h
	}
	h.Timestamp, h.CommitTimestamp = c.CommitTime, c.CommitTime
	if c.TransactionID != 0 {
		h.TransactionID = strconv.FormatUint(c.TransactionID, 10)
	}
	h.StreamPosition = string(c.Position)
	x.mu.Lock()
	x.seq++
	seq := x.seq
	x.mu.Unlock()
	// Qlik's layout: commit time to the hundredth of a second, then a
	// 19-digit change number, increasing within the task.
	t := c.CommitTime.UTC()
	h.ChangeSeq = fmt.Sprintf("%s%02d%019d", t.Format("20060102150405"), t.Nanosecond()/1e7, seq)
	return h
}

func neutralTable(def *TableDef) *mapping.Table {
	t := &mapping.Table{Schema: def.Schema, Name: def.Table, PrimaryKey: def.PrimaryKey, Columns: make([]mapping.Column, len(def.Columns))}
	for i, c := range def.Columns {
		t.Columns[i] = mapping.Column{Name: c.Name, Type: string(c.Type), Length: c.Length, Precision: c.Precision, Scale: c.Scale, Nullable: c.Nullable}
	}
	return t
}

// targetDef is the immutable target definition a plan gives a source
// definition. Columns the plan keeps keep their SourceType.
func targetDef(def *TableDef, p *mapping.Plan) *TableDef {
	out := &TableDef{Schema: p.Schema, Table: p.Table, Collation: def.Collation, PrimaryKey: p.PrimaryKey, Columns: make([]Column, len(p.Columns))}
	for i, c := range p.Columns {
		out.Columns[i] = Column{Name: c.Name, Type: DataType(c.Type), Length: c.Length, Precision: c.Precision, Scale: c.Scale, Nullable: c.Nullable}
	}
	for _, sc := range def.Columns {
		if n, ok := p.ColumnName(sc.Name); ok {
			if i := out.ColumnIndex(n); i >= 0 && out.Columns[i].Type == sc.Type {
				out.Columns[i].SourceType = sc.SourceType
			}
		}
	}
	return out
}
