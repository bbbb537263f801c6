// Command mariadb replicates a MariaDB database into the memory target with
// a full-load-and-cdc task and prints every record it replicated.
//
// It uses the MariaDB of the project's test environment: when
// MINIDMS_MYSQL_ADDR is not set it runs dms/dmstest/testenv.sh start (which
// installs and starts a private MariaDB on 127.0.0.1 if needed), so
//
//	go run ./examples/mariadb
//
// works from the repository root on a fresh Debian machine.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/examples/internal/testenv"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/mysql"
	"github.com/minidms/minidms/target/memory"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if err := testenv.Ensure(ctx); err != nil {
		return err
	}
	var cfg mysql.Config
	cfg.Addr, cfg.User, cfg.Password = testenv.MySQL()
	if err := seed(cfg); err != nil {
		return err
	}

	target := memory.New()
	engine := dms.NewEngine()
	defer engine.Close()
	tables, err := mapping.ParseTableMappings(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"shop","object-locator":{"schema-name":"quickstart","table-name":"%"},"rule-action":"include"}]}`)
	if err != nil {
		return err
	}
	task, err := engine.NewTask(dms.TaskConfig{
		ID:            "QUICKSTART",
		Source:        mysql.New(cfg),
		Target:        target,
		Mapping:       tables,
		MigrationType: dms.FullLoadAndCDC,
	})
	if err != nil {
		return err
	}
	if err := task.Start(ctx, dms.StartReplication); err != nil {
		return err
	}
	// Rows loaded: 2 drop-table, 2 create-table, 1 apply-exceptions
	// create-table, 3 load records.
	if _, err := target.WaitFor(ctx, 8, nil); err != nil {
		return err
	}
	if err := execAll(cfg,
		"INSERT INTO quickstart.products VALUES (3, 'kiwi', 0.40)",
		"UPDATE quickstart.products SET price = 0.55 WHERE id = 1",
		"DELETE FROM quickstart.orders WHERE id = 1",
	); err != nil {
		return err
	}
	if _, err := target.WaitFor(ctx, 11, nil); err != nil {
		return err
	}
	if err := task.Stop(ctx); err != nil {
		return err
	}

	for _, r := range target.Records() {
		fmt.Printf("%-13s %s.%s", r.Op, r.Table.Schema, r.Table.Table)
		if len(r.Data) > 0 {
			fmt.Printf(" %v", r.Data)
		}
		if r.Before != nil {
			fmt.Printf(" (before %v)", r.Before)
		}
		fmt.Println()
	}
	fmt.Println()
	for _, ts := range task.TableStatistics() {
		fmt.Printf("%s.%s: %d loaded, %d inserts, %d updates, %d deletes, %s\n",
			ts.SchemaName, ts.TableName, ts.FullLoadRows, ts.Inserts, ts.Updates, ts.Deletes, ts.TableState)
	}
	return nil
}

func seed(cfg mysql.Config) error {
	return execAll(cfg,
		"DROP DATABASE IF EXISTS quickstart",
		"CREATE DATABASE quickstart",
		"CREATE TABLE quickstart.products (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2))",
		"CREATE TABLE quickstart.orders (id INT PRIMARY KEY, product_id INT, placed_at DATETIME(3))",
		"INSERT INTO quickstart.products VALUES (1, 'apple', 0.50), (2, 'pear', 0.75)",
		"INSERT INTO quickstart.orders VALUES (1, 2, '2026-11-23 10:00:00.125')",
	)
}

func execAll(cfg mysql.Config, queries ...string) error {
	conn, err := client.Connect(cfg.Addr, cfg.User, cfg.Password, "")
	if err != nil {
		return fmt.Errorf("connect to %s: %w", cfg.Addr, err)
	}
	defer conn.Close()
	for _, q := range queries {
		if _, err := conn.Execute(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
