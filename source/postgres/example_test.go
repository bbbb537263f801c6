package postgres_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/source/postgres"
)

// inventory selects the tables of the schema "inventory".
type inventory struct{}

func (inventory) Selected(schema, _ string) bool { return schema == "inventory" }

// Example loads the selected tables from the snapshot the task's slot
// exports, then follows the slot from the snapshot's position. It needs a
// server, so it is compiled but not run.
func Example() {
	ctx := context.Background()
	src := postgres.New(postgres.Config{
		DSN:      "postgres://dms:secret@127.0.0.1:5432/shop",
		SlotName: "shop_task",
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err := src.Check(ctx); err != nil {
		log.Fatal(err) // e.g. "wal_level is replica: set wal_level = logical …"
	}

	snap, err := src.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	tables, err := snap.Tables(ctx, inventory{}) // creates the slot and opens the view
	if err != nil {
		log.Fatal(err)
	}
	for _, def := range tables {
		err := snap.Load(ctx, def, func(row dms.Row) error {
			fmt.Println("load", def.ID(), row)
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	from := snap.Position()
	snap.Close()

	stream, err := src.Changes(ctx, from, inventory{})
	if err != nil {
		log.Fatal(err)
	}
	for range 10 {
		c, err := stream.Next(ctx)
		if err != nil {
			log.Fatal(err)
		}
		// Save c.Position: Changes(ctx, c.Position, …) resumes after c.
		fmt.Println(c.Op, c.Table.ID(), c.TransactionID, c.TransactionRecord, c.Data, c.Position)
	}
	stream.Close()
	// The task is deleted: release the slot and its WAL.
	if err := src.DropSlot(ctx); err != nil {
		log.Fatal(err)
	}
}
