// Package dmstest gives minidms's tests real database and Kinesis servers.
//
// There is no Docker on the project's machines. Instead, testenv.sh (next to
// this file) installs MariaDB, PostgreSQL and kinesalite (a third-party
// Kinesis implementation) when they are missing and starts private instances
// bound to 127.0.0.1 on free, non-default ports with their data under a
// directory (default /tmp/minidms-testenv):
//
//	eval "$(dms/dmstest/testenv.sh start)"   # prints export lines, see below
//	go test ./...
//	dms/dmstest/testenv.sh stop
//
// `make test` does all of this (and always stops the servers afterwards).
//
// The servers are described by environment variables:
//
//	MINIDMS_MYSQL_ADDR, MINIDMS_MYSQL_USER, MINIDMS_MYSQL_PASSWORD
//	MINIDMS_MYSQL_DSN        user:password@tcp(127.0.0.1:PORT)/
//	MINIDMS_POSTGRES_DSN     postgres://minidms:minidms@127.0.0.1:PORT/minidms?sslmode=disable
//	MINIDMS_KINESIS_ENDPOINT http://127.0.0.1:PORT
//	MINIDMS_TESTENV_DIR      the directory testenv.sh used
//
// When a variable is not set, the helpers read it from the env file that
// testenv.sh writes into ${MINIDMS_TESTENV_DIR:-/tmp/minidms-testenv}, so a
// plain `go test` works while the default test environment is running.
//
// MySQL and Postgres create a fresh, uniquely named database per call and drop
// it when the test ends, so tests (and packages) can run in parallel against
// the same servers. When a server is not configured the test is skipped, or
// fails if CI=true.
package dmstest
