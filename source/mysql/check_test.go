package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
	"github.com/minidms/minidms/source/mysql"
)

func TestCheckUnknownHost(t *testing.T) {
	src := mysql.New(mysql.Config{Addr: "no-such-host.invalid:3306", User: "u", Password: "p"})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for name, call := range map[string]func() error{
		"Check":    func() error { return src.Check(ctx) },
		"Changes":  func() error { _, err := src.Changes(ctx, "", schemaSel("x")); return err },
		"Snapshot": func() error { _, err := src.Snapshot(ctx); return err },
		"Tables":   func() error { _, err := src.Tables(ctx, schemaSel("x")); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.Error(t, err)
			t.Log(err)
			require.ErrorContains(t, err, "no-such-host.invalid:3306")
			var dnsErr *net.DNSError
			require.True(t, errors.As(err, &dnsErr), "want a wrapped *net.DNSError, got %v", err)
		})
	}
}

func TestCheckPrivileges(t *testing.T) {
	srv := dmstest.MySQL(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, newSource(srv).Check(ctx))

	// user creates an account (for 127.0.0.1 and localhost) with the grants.
	user := func(t *testing.T, suffix string, grants ...string) *mysql.Source {
		name := "u" + srv.Database[len(srv.Database)-8:] + "_" + suffix // the database's random suffix
		var qs []string
		for _, host := range []string{"127.0.0.1", "localhost"} {
			acct := fmt.Sprintf("'%s'@'%s'", name, host)
			qs = append(qs, "CREATE USER "+acct+" IDENTIFIED BY 'pw'")
			for _, g := range grants {
				qs = append(qs, fmt.Sprintf(g, acct))
			}
		}
		dmstest.MySQLExec(t, srv, qs...)
		t.Cleanup(func() {
			dmstest.MySQLExec(t, srv, fmt.Sprintf("DROP USER IF EXISTS '%s'@'127.0.0.1', '%s'@'localhost'", name, name))
		})
		return mysql.New(mysql.Config{Addr: srv.Addr, User: name, Password: "pw"})
	}
	selectOnly := "GRANT SELECT ON `" + srv.Database + "`.* TO %s"
	dmstest.MySQLExec(t, srv, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")

	t.Run("no replication privileges", func(t *testing.T) {
		src := user(t, "norepl", selectOnly)
		err := src.Check(ctx)
		t.Log(err)
		require.ErrorContains(t, err, "REPLICATION CLIENT")
		_, err = src.Changes(ctx, "", schemaSel(srv.Database))
		require.ErrorContains(t, err, "REPLICATION CLIENT")

		// Full load needs no replication privilege on MariaDB.
		sn, err := src.Snapshot(ctx)
		require.NoError(t, err)
		defer sn.Close()
		def := tableDef(t, src, srv.Database, "t")
		require.Len(t, load(t, sn, def), 1)
	})

	t.Run("no REPLICATION SLAVE", func(t *testing.T) {
		src := user(t, "noslave", selectOnly, "GRANT REPLICATION CLIENT ON *.* TO %s")
		err := src.Check(ctx)
		t.Log(err)
		require.ErrorContains(t, err, "lacks the REPLICATION SLAVE privilege")
		_, err = src.Changes(ctx, "", schemaSel(srv.Database))
		require.ErrorContains(t, err, "REPLICATION SLAVE")
	})

	t.Run("replication privileges", func(t *testing.T) {
		src := user(t, "repl", selectOnly, "GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO %s")
		require.NoError(t, src.Check(ctx))
		cs := openChanges(t, src, "", schemaSel(srv.Database))
		dmstest.MySQLExec(t, srv, "INSERT INTO t VALUES (2)")
		require.Equal(t, int64(2), dmstest.Next(t, cs).Data[0])
	})
}
