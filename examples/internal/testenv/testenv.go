// Package testenv gives the example programs the servers of the project's
// test environment: when MINIDMS_MYSQL_ADDR is not set it runs
// dms/dmstest/testenv.sh start (which installs and starts private servers
// on 127.0.0.1 if needed) and takes the settings it prints.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Ensure makes sure the MINIDMS_* variables of the test environment are
// set, starting it when they are not. Run the programs from the
// repository root.
func Ensure(ctx context.Context) error {
	if os.Getenv("MINIDMS_MYSQL_ADDR") != "" {
		return nil
	}
	fmt.Fprintln(os.Stderr, "starting the test environment (dms/dmstest/testenv.sh start)...")
	cmd := exec.CommandContext(ctx, "bash", "dms/dmstest/testenv.sh", "start")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("dms/dmstest/testenv.sh start (run this from the repository root): %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if err := os.Setenv(k, strings.Trim(v, `'"`)); err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
	}
	return nil
}

// MySQL returns the address, user and password of the test environment's
// MariaDB.
func MySQL() (addr, user, password string) {
	return os.Getenv("MINIDMS_MYSQL_ADDR"), os.Getenv("MINIDMS_MYSQL_USER"), os.Getenv("MINIDMS_MYSQL_PASSWORD")
}

// PostgresDSN returns the connection string of the test environment's
// PostgreSQL.
func PostgresDSN() string { return os.Getenv("MINIDMS_POSTGRES_DSN") }
