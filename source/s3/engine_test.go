package s3_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/s3"
	"github.com/minidms/minidms/target/memory"
)

// startTask starts a task from src into a new memory target; the engine is
// closed when the test ends.
func startTask(t *testing.T, src *s3.Source, mt dms.MigrationType, sel dms.TableSelector) (*dms.Task, *memory.Target) {
	t.Helper()
	engine := dms.NewEngine()
	t.Cleanup(func() { require.NoError(t, engine.Close()) })
	target := memory.New()
	if sel == nil {
		sel = mapping.SelectAll()
	}
	task, err := engine.NewTask(dms.TaskConfig{ID: "S3TASK", Source: src, Target: target, Mapping: sel, MigrationType: mt})
	require.NoError(t, err)
	require.NoError(t, task.Start(t.Context(), dms.StartReplication))
	return task, target
}

func waitStatus(t *testing.T, task *dms.Task, want dms.Status) dms.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	st, err := task.Wait(ctx, func(s dms.TaskStatus) bool {
		return s.Status == want || s.Status == dms.StatusFailed
	})
	require.NoError(t, err)
	require.Equal(t, want, st.Status, "task ended: %s", st.LastFailureMessage)
	return st
}

func waitRecords(t *testing.T, target *memory.Target, n int) []memory.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	recs, err := target.WaitFor(ctx, n, nil)
	require.NoError(t, err)
	return recs
}

// record is the part of a memory.Record the scenario tests compare.
type record struct {
	Op    dms.Operation
	Table string
	Data  dms.Row
}

func records(recs []memory.Record) []record {
	out := make([]record, len(recs))
	for i, r := range recs {
		out[i] = record{r.Op, r.Table.ID().String(), r.Data}
	}
	return out
}

// employeeOnly is LocalStack's test mapping for a one-table definition.
func employeeOnly(t *testing.T) dms.TableSelector {
	m, err := mapping.ParseTableMappings(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1",
		"object-locator":{"schema-name":"hr","table-name":"employee"},"rule-action":"include"}]}`)
	require.NoError(t, err)
	return m
}

// TestLocalStackSampleFullLoad is sample-dms-s3-kinesis's full load: 16
// records, 3 drop-table, 3 create-table and 10 loads.
func TestLocalStackSampleFullLoad(t *testing.T) {
	fake := NewFakeS3(t, "source-bucket-s3-kinesis-dms")
	put(t, fake, "sourceData/hr/employee/LOAD001.csv", sampleEmployees)
	put(t, fake, "sourceData/hr/department/LOAD002.csv", sampleDepartments)
	put(t, fake, "sourceData/hr/project/LOAD003.csv", sampleProjects)
	src := newSource(t, fake, func(c *s3.Config) { c.CdcPath = "" })
	task, target := startTask(t, src, dms.FullLoad, nil)

	st := waitStatus(t, task, dms.StatusStopped)
	require.Equal(t, dms.StopReasonFullLoadOnlyDone, st.StopReason)
	require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
	require.Equal(t, []record{
		{dms.OpDropTable, "hr.department", nil},
		{dms.OpDropTable, "hr.employee", nil},
		{dms.OpDropTable, "hr.project", nil},
		{dms.OpCreateTable, "hr.department", nil},
		{dms.OpCreateTable, "hr.employee", nil},
		{dms.OpCreateTable, "hr.project", nil},
		{dms.OpLoad, "hr.department", dms.Row{int64(201), "HR"}},
		{dms.OpLoad, "hr.department", dms.Row{int64(202), "IT"}},
		{dms.OpLoad, "hr.department", dms.Row{int64(203), "Finance"}},
		{dms.OpLoad, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2014-06-04 00:00:00", "New York"}},
		{dms.OpLoad, "hr.employee", dms.Row{int64(102), "Smith", "Bob", "2015-10-08 00:00:00", "Los Angeles"}},
		{dms.OpLoad, "hr.employee", dms.Row{int64(103), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
		{dms.OpLoad, "hr.employee", dms.Row{int64(104), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
		{dms.OpLoad, "hr.project", dms.Row{int64(301), "Project1", "Description1"}},
		{dms.OpLoad, "hr.project", dms.Row{int64(302), "Project2", "Description2"}},
		{dms.OpLoad, "hr.project", dms.Row{int64(303), "Project3", "Description3"}},
	}, records(target.Records()))

	type stat struct {
		Table                  string
		FullLoadRows, ErrorRow int64
		State                  string
	}
	var stats []stat
	for _, ts := range task.TableStatistics() {
		stats = append(stats, stat{ts.SchemaName + "." + ts.TableName, ts.FullLoadRows, ts.FullLoadErrorRows, ts.TableState})
	}
	require.Equal(t, []stat{
		{"hr.department", 3, 0, dms.TableStateCompleted},
		{"hr.employee", 4, 0, dms.TableStateCompleted},
		{"hr.project", 3, 0, dms.TableStateCompleted},
	}, stats)
}

// TestLocalStackSampleCDC is sample-dms-s3-kinesis's CDC: 15 records, the
// awsdms_apply_exceptions and 3 create-table records, 4 inserts, 3 updates
// and 4 deletes.
func TestLocalStackSampleCDC(t *testing.T) {
	fake := NewFakeS3(t, "source-bucket-s3-kinesis-dms")
	src := newSource(t, fake, nil)
	task, target := startTask(t, src, dms.CDC, nil)
	st := waitStatus(t, task, dms.StatusRunning)
	require.Equal(t, 100, st.Stats.FullLoadProgressPercent)

	put(t, fake, cdcDir+"cdc0000000001.csv", sampleCDC1)
	put(t, fake, cdcDir+"cdc0000000002.csv", sampleCDC2)
	recs := waitRecords(t, target, 15)
	require.Equal(t, []record{
		{dms.OpCreateTable, ".awsdms_apply_exceptions", nil},
		{dms.OpCreateTable, "hr.department", nil},
		{dms.OpCreateTable, "hr.employee", nil},
		{dms.OpCreateTable, "hr.project", nil},
		{dms.OpInsert, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2014-06-04 00:00:00", "New York"}},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2015-10-08 00:00:00", "Los Angeles"}},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
		{dms.OpDelete, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
		{dms.OpInsert, "hr.department", dms.Row{int64(204), "Software"}},
		{dms.OpInsert, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2015-10-08 00:00:00", "Los Angeles"}},
		{dms.OpInsert, "hr.project", dms.Row{int64(101), "Project1", "Description1"}},
		{dms.OpDelete, "hr.project", dms.Row{int64(101), "Project1", "Description1"}},
		{dms.OpDelete, "hr.department", dms.Row{int64(301), "Software"}},
		{dms.OpUpdate, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
		{dms.OpDelete, "hr.employee", dms.Row{int64(101), "Smith", "Bob", "2017-03-13 00:00:00", "Dallas"}},
	}, records(recs))

	// The expectations of LocalStack's AWS-validated multiple-tables test.
	type applied struct {
		Table                    string
		Inserts, Updates, Delets int64
	}
	var got []applied
	for _, ts := range task.TableStatistics() {
		got = append(got, applied{ts.SchemaName + "." + ts.TableName, ts.AppliedInserts, ts.AppliedUpdates, ts.AppliedDeletes})
	}
	require.Equal(t, []applied{
		{"hr.department", 1, 0, 1},
		{"hr.employee", 2, 3, 2},
		{"hr.project", 1, 0, 1},
	}, got)
	require.Equal(t, dms.Position(cdcDir+"cdc0000000002.csv:7"), task.Status().Checkpoint)

	require.NoError(t, task.Stop(t.Context()))
	require.Equal(t, dms.StatusStopped, task.Status().Status)
}

// TestNoCSVFile is LocalStack's test_no_csv_file: a full load of a table
// without files emits drop and create and stops at 100 %; a CDC task runs
// at 100 %.
func TestNoCSVFile(t *testing.T) {
	t.Run("full-load", func(t *testing.T) {
		fake := NewFakeS3(t, "bucket")
		task, target := startTask(t, newSource(t, fake, nil), dms.FullLoad, employeeOnly(t))
		st := waitStatus(t, task, dms.StatusStopped)
		require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
		require.Equal(t, []record{
			{dms.OpDropTable, "hr.employee", nil},
			{dms.OpCreateTable, "hr.employee", nil},
		}, records(target.Records()))
		require.Equal(t, int64(0), task.TableStatistics()[0].FullLoadRows)
	})
	t.Run("cdc", func(t *testing.T) {
		fake := NewFakeS3(t, "bucket")
		task, target := startTask(t, newSource(t, fake, nil), dms.CDC, employeeOnly(t))
		st := waitStatus(t, task, dms.StatusRunning)
		require.Equal(t, 100, st.Stats.FullLoadProgressPercent)
		require.Equal(t, []record{
			{dms.OpCreateTable, ".awsdms_apply_exceptions", nil},
			{dms.OpCreateTable, "hr.employee", nil},
		}, records(waitRecords(t, target, 2)))
		require.NoError(t, task.Stop(t.Context()))
		require.False(t, task.Status().Stats.StopDate.IsZero())
	})
}

// TestEmptyValueInNonNullableColumn is LocalStack's
// test_run_task_external_table_definition_invalid_format_csv: 3 records
// (drop, create, the first row) and the task ends stopped.
func TestEmptyValueInNonNullableColumn(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	put(t, fake, "sourceData/hr/employee/invalid.csv", "100,Test,Bob,2015-10-08,Los Angeles\n101,Smith,Bob,,\n102,Smith,121\ntest,something,")
	put(t, fake, "sourceData/hr/employee/valid-file.csv", "101,Test,Smith,2015-10-08,Dallas")
	task, target := startTask(t, newSource(t, fake, nil), dms.FullLoad, employeeOnly(t))
	st := waitStatus(t, task, dms.StatusStopped)
	require.Equal(t, dms.StopReasonFullLoadOnlyDone, st.StopReason)
	require.Equal(t, []record{
		{dms.OpDropTable, "hr.employee", nil},
		{dms.OpCreateTable, "hr.employee", nil},
		{dms.OpLoad, "hr.employee", dms.Row{int64(100), "Test", "Bob", "2015-10-08 00:00:00", "Los Angeles"}},
	}, records(target.Records()))
	require.Equal(t, int64(1), task.TableStatistics()[0].FullLoadRows)
}

// TestFullLoadAndCDC: CDC files present before the full load are taken as
// reflected in it; files uploaded after it started are applied.
func TestFullLoadAndCDC(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	put(t, fake, "sourceData/hr/department/LOAD001.csv", sampleDepartments)
	put(t, fake, cdcDir+"cdc0000000001.csv", "INSERT,department,hr,200,Old\n")
	sel := tableSel{"hr", "department"}
	task, target := startTask(t, newSource(t, fake, nil), dms.FullLoadAndCDC, sel)
	require.Len(t, waitRecords(t, target, 6), 6) // exceptions, drop, create, 3 loads
	put(t, fake, cdcDir+"cdc0000000002.csv", sampleCDC2)
	require.Equal(t, []record{
		{dms.OpCreateTable, ".awsdms_apply_exceptions", nil},
		{dms.OpDropTable, "hr.department", nil},
		{dms.OpCreateTable, "hr.department", nil},
		{dms.OpLoad, "hr.department", dms.Row{int64(201), "HR"}},
		{dms.OpLoad, "hr.department", dms.Row{int64(202), "IT"}},
		{dms.OpLoad, "hr.department", dms.Row{int64(203), "Finance"}},
		{dms.OpInsert, "hr.department", dms.Row{int64(204), "Software"}},
		{dms.OpDelete, "hr.department", dms.Row{int64(301), "Software"}},
	}, records(waitRecords(t, target, 8)))
	require.NoError(t, task.Stop(t.Context()))
	require.Equal(t, dms.Position(cdcDir+"cdc0000000002.csv:5"), task.Status().Checkpoint)

	// Resuming continues after the checkpoint: only the new file applies.
	put(t, fake, cdcDir+"cdc0000000003.csv", "INSERT,department,hr,205,Legal\n")
	require.NoError(t, task.Start(t.Context(), dms.ResumeProcessing))
	recs := waitRecords(t, target, 9)
	require.Equal(t, record{dms.OpInsert, "hr.department", dms.Row{int64(205), "Legal"}}, records(recs[8:])[0])
}

// TestMappingMatchingNoTable is LocalStack's
// test_run_task_no_match_external_table_definition: a mapping whose schema
// is not in the definition fails the task.
func TestMappingMatchingNoTable(t *testing.T) {
	fake := NewFakeS3(t, "bucket")
	task, _ := startTask(t, newSource(t, fake, nil), dms.FullLoad, tableSel{"my-schema-name", "employee"})
	st := waitStatus(t, task, dms.StatusFailed)
	require.Equal(t, dms.ErrNoTables.Error(), st.LastFailureMessage)
}
