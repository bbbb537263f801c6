package dms_test

import (
	"context"
	"fmt"
	"io"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/target/memory"
)

// listSource is a tiny dms.Source over rows held in memory: a user's own
// source needs no more than this.
type listSource struct {
	table *dms.TableDef
	rows  []dms.Row
}

func (s listSource) Snapshot(context.Context) (dms.Snapshot, error) { return s, nil }
func (s listSource) Position() dms.Position                         { return "" }
func (s listSource) Close() error                                   { return nil }

func (s listSource) Tables(_ context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	if !sel.Selected(s.table.Schema, s.table.Table) {
		return nil, nil
	}
	return []*dms.TableDef{s.table}, nil
}

func (s listSource) Load(_ context.Context, _ *dms.TableDef, emit func(dms.Row) error) error {
	for _, r := range s.rows {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

func (s listSource) Changes(context.Context, dms.Position, dms.TableSelector) (dms.ChangeStream, error) {
	return nil, io.EOF
}

func Example() {
	ctx := context.Background()
	src := listSource{
		table: &dms.TableDef{
			Schema: "shop", Table: "fruit",
			Columns: []dms.Column{
				{Name: "id", Type: dms.TypeInt4},
				{Name: "name", Type: dms.TypeWString, Length: 20, Nullable: true},
			},
			PrimaryKey: []string{"id"},
		},
		rows: []dms.Row{{int64(1), "apple"}, {int64(2), "pear"}},
	}
	target := memory.New()

	engine := dms.NewEngine()
	defer engine.Close()
	task, err := engine.NewTask(dms.TaskConfig{
		ID:            "FRUITTASK",
		Source:        src,
		Target:        target,
		Mapping:       mapping.SelectAll(),
		MigrationType: dms.FullLoad,
	})
	if err != nil {
		panic(err)
	}
	if err := task.Start(ctx, dms.StartReplication); err != nil {
		panic(err)
	}
	st, err := task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == dms.StatusStopped })
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Status, "/", st.StopReason)
	for _, r := range target.Records() {
		fmt.Println(r.Op, r.Table.ID(), r.Data)
	}
	for _, ts := range task.TableStatistics() {
		fmt.Println(ts.TableName, ts.FullLoadRows, ts.TableState)
	}
	// Output:
	// stopped / Stop Reason FULL_LOAD_ONLY_FINISHED
	// drop-table shop.fruit []
	// create-table shop.fruit []
	// load shop.fruit [1 apple]
	// load shop.fruit [2 pear]
	// fruit 2 Table completed
}
