package mysql_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/source/mysql"
)

// inventory selects the tables of the schema "inventory".
type inventory struct{}

func (inventory) Selected(schema, _ string) bool { return schema == "inventory" }

// Example loads the selected tables from a consistent snapshot, then follows
// the binlog from the snapshot's position. It needs a server, so it is
// compiled but not run.
func Example() {
	ctx := context.Background()
	src := mysql.New(mysql.Config{
		Addr:     "127.0.0.1:3306",
		User:     "dms",
		Password: "secret",
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err := src.Check(ctx); err != nil {
		log.Fatal(err) // e.g. "binlog_format is MIXED: set binlog_format=ROW …"
	}

	snap, err := src.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	tables, err := snap.Tables(ctx, inventory{})
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
	defer stream.Close()
	for {
		c, err := stream.Next(ctx)
		if err != nil {
			log.Fatal(err)
		}
		// Save c.Position: Changes(ctx, c.Position, …) resumes after c.
		fmt.Println(c.Op, c.Table.ID(), c.TransactionID, c.TransactionRecord, c.Data, c.Position)
	}
}
