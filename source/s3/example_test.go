package s3_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/s3"
	"github.com/minidms/minidms/target/memory"
)

// Example runs a full-load-and-cdc task from an in-memory S3 (gofakes3)
// into a memory target: the full-load file first, then a CDC file uploaded
// while the task runs.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake, err := StartFakeS3(ctx, "source-bucket", time.Time{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	if err := fake.Put(ctx, "sourceData/hr/department/LOAD001.csv", "201,HR\n202,IT\n"); err != nil {
		log.Fatal(err)
	}

	src, err := s3.New(s3.Config{
		Client:       fake.Client,
		BucketName:   "source-bucket",
		BucketFolder: "sourceData",
		CdcPath:      "changedata",
		ExternalTableDefinition: `{
			"TableCount": "1",
			"Tables": [{
				"TableName": "department", "TablePath": "hr/department/", "TableOwner": "hr",
				"TableColumns": [
					{"ColumnName": "Id", "ColumnType": "INT8", "ColumnNullable": "false", "ColumnIsPk": "true"},
					{"ColumnName": "Name", "ColumnType": "STRING", "ColumnLength": "50"}
				],
				"TableColumnsTotal": "2"
			}]
		}`,
		PollInterval: 10 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}

	target := memory.New()
	engine := dms.NewEngine()
	defer engine.Close()
	task, err := engine.NewTask(dms.TaskConfig{
		ID: "S3TASK", Source: src, Target: target,
		Mapping: mapping.SelectAll(), MigrationType: dms.FullLoadAndCDC,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := task.Start(ctx, dms.StartReplication); err != nil {
		log.Fatal(err)
	}
	// awsdms_apply_exceptions, drop, create and two loads.
	if _, err := target.WaitFor(ctx, 5, nil); err != nil {
		log.Fatal(err)
	}
	cdc := "INSERT,department,hr,203,Finance\nupdate,department,hr,202,Engineering\nD,department,hr,201,HR\n"
	if err := fake.Put(ctx, "sourceData/changedata/CDC00001.csv", cdc); err != nil {
		log.Fatal(err)
	}
	records, err := target.WaitFor(ctx, 8, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := task.Stop(ctx); err != nil {
		log.Fatal(err)
	}

	for _, r := range records {
		if r.Position != "" {
			fmt.Println(r.Op, r.Table.ID(), r.Data, "at", r.Position)
		} else {
			fmt.Println(r.Op, r.Table.ID(), r.Data)
		}
	}
	fmt.Println(task.Status().Status, "/", task.Status().StopReason)
	// Output:
	// create-table .awsdms_apply_exceptions []
	// drop-table hr.department []
	// create-table hr.department []
	// load hr.department [201 HR]
	// load hr.department [202 IT]
	// insert hr.department [203 Finance] at sourceData/changedata/CDC00001.csv:1
	// update hr.department [202 Engineering] at sourceData/changedata/CDC00001.csv:2
	// delete hr.department [201 HR] at sourceData/changedata/CDC00001.csv:3
	// stopped / Stop Reason NORMAL
}
