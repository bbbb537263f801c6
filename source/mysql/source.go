package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/minidms/minidms/dms"
)

// Flavors.
const (
	FlavorMySQL   = "mysql"
	FlavorMariaDB = "mariadb"
)

// Config says how to reach the source server.
type Config struct {
	// Addr is host:port (port 3306 when omitted).
	Addr, User, Password string
	// Flavor is "mysql" or "mariadb"; "" detects it from the server version.
	Flavor string
	// ServerID is the replica server id of the binlog connection; 0 derives a
	// random one per change stream.
	ServerID uint32
	// Logger receives diagnostics; nil is silent.
	Logger *slog.Logger
}

// Source is a MySQL or MariaDB server as a dms.Source.
type Source struct {
	cfg Config
	log *slog.Logger
}

var _ dms.Source = (*Source)(nil)

// New returns a Source for cfg. It does no I/O.
func New(cfg Config) *Source {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, log: log}
}

// systemSchemas are never replicated.
var systemSchemas = []string{"mysql", "information_schema", "performance_schema", "sys"}

func isSystemSchema(s string) bool {
	for _, x := range systemSchemas {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

const dialTimeout = 10 * time.Second

// conn is a client connection whose blocking calls honour a context.
type conn struct {
	c    *client.Conn
	addr string
}

// connect opens a connection with the session set up for reading values:
// utf8mb4 and time_zone UTC (so TIMESTAMP comes out in UTC).
func (s *Source) connect(ctx context.Context) (*conn, error) {
	addr := s.addr()
	c, err := client.ConnectWithContext(ctx, addr, s.cfg.User, s.cfg.Password, "", dialTimeout)
	if err != nil {
		return nil, fmt.Errorf("mysql source: connect to %s as %q: %w", addr, s.cfg.User, unwrapTrace(err))
	}
	cn := &conn{c: c, addr: addr}
	for _, q := range []string{"SET NAMES utf8mb4", "SET SESSION time_zone = '+00:00'"} {
		if _, err := cn.exec(ctx, q); err != nil {
			cn.close()
			return nil, fmt.Errorf("mysql source: set up session on %s: %w", addr, err)
		}
	}
	return cn, nil
}

func (s *Source) addr() string {
	a := s.cfg.Addr
	if a == "" {
		a = "127.0.0.1:3306"
	}
	if _, _, err := net.SplitHostPort(a); err != nil && !strings.Contains(a, "/") {
		a = net.JoinHostPort(a, "3306")
	}
	return a
}

// hostPort splits the address for a binlog connection.
func (s *Source) hostPort() (string, uint16, error) {
	host, portStr, err := net.SplitHostPort(s.addr())
	if err != nil {
		return "", 0, fmt.Errorf("mysql source: binlog connection needs host:port, not %q: %w", s.addr(), err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("mysql source: port of %q: %w", s.addr(), err)
	}
	return host, uint16(port), nil
}

// unwrapTrace removes the pingcap/errors wrapper go-mysql puts around
// errors, so errors.Is and errors.As see the cause.
func unwrapTrace(err error) error {
	type causer interface{ Cause() error }
	for {
		c, ok := err.(causer)
		if !ok {
			return err
		}
		inner := c.Cause()
		if inner == nil || inner == err {
			return err
		}
		err = inner
	}
}

// guard makes a blocking call on the connection return when ctx ends: it
// sets a past deadline on the socket. The returned stop reports whether ctx
// interrupted the call (the connection is then unusable).
func (cn *conn) guard(ctx context.Context) (stop func() bool) {
	stopAfter := context.AfterFunc(ctx, func() {
		_ = cn.c.SetDeadline(time.Unix(1, 0))
	})
	return func() bool { return !stopAfter() }
}

func (cn *conn) exec(ctx context.Context, q string) (*gomysql.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stop := cn.guard(ctx)
	r, err := cn.c.Execute(q)
	if stop() {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, unwrapTrace(err)
	}
	return r, nil
}

// rows runs a query and returns every row as text (NULL as nil); for small
// catalogue queries only.
func (cn *conn) rows(ctx context.Context, q string) ([][]*string, error) {
	r, err := cn.exec(ctx, q)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]*string, 0, r.RowNumber())
	for _, row := range r.Values {
		vals := make([]*string, len(row))
		for i := range row {
			if row[i].Type == gomysql.FieldValueTypeNull {
				continue
			}
			v := row[i].String()
			if row[i].Type == gomysql.FieldValueTypeString {
				v = string(row[i].AsString())
			}
			vals[i] = &v
		}
		out = append(out, vals)
	}
	return out, nil
}

func (cn *conn) close() {
	if cn != nil && cn.c != nil {
		_ = cn.c.Close()
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// flavor returns the configured flavor or the one the server's version
// names.
func (s *Source) flavor(cn *conn) string {
	if s.cfg.Flavor != "" {
		return strings.ToLower(s.cfg.Flavor)
	}
	if strings.Contains(strings.ToLower(cn.c.GetServerVersion()), "mariadb") {
		return FlavorMariaDB
	}
	return FlavorMySQL
}

// Tables returns the current definitions of the selected tables.
func (s *Source) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	cn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cn.close()
	infos, err := readTables(ctx, cn, sel, nil)
	if err != nil {
		return nil, err
	}
	return defs(infos)
}

func defs(infos []*tableInfo) ([]*dms.TableDef, error) {
	out := make([]*dms.TableDef, 0, len(infos))
	for _, t := range infos {
		d, err := t.def()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Error codes the server answers with.
const (
	erAccessDenied          = 1045
	erSpecificAccessDenied  = 1227
	erTableAccessDenied     = 1142
	erDBAccessDenied        = 1044
	erMasterFatalReadingLog = 1236
)

func mysqlCode(err error) uint16 {
	var me *gomysql.MyError
	if errors.As(unwrapTrace(err), &me) {
		return me.Code
	}
	return 0
}

// Check verifies the server is set up for change data capture: binary
// logging on, binlog_format ROW, binlog_row_image FULL, no binlog
// transaction compression, and a user with REPLICATION CLIENT and
// REPLICATION SLAVE. The error names the fix.
func (s *Source) Check(ctx context.Context) error {
	cn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	return s.check(ctx, cn)
}

func (s *Source) check(ctx context.Context, cn *conn) error {
	vars, err := variables(ctx, cn, "log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata", "binlog_transaction_compression", "binlog_row_value_options")
	if err != nil {
		return fmt.Errorf("mysql source %s: read server variables: %w", cn.addr, err)
	}
	if err := checkVars(cn.addr, vars); err != nil {
		return err
	}
	if v, ok := vars["binlog_row_metadata"]; ok && !strings.EqualFold(v, "FULL") {
		s.log.Warn("binlog_row_metadata is not FULL: rows are decoded with the tracked schema instead of the binlog's own column metadata; set binlog_row_metadata=FULL",
			"addr", cn.addr, "binlog_row_metadata", v)
	}
	if _, _, err := binlogStatus(ctx, cn); err != nil {
		if c := mysqlCode(err); c == erSpecificAccessDenied || c == erAccessDenied {
			return fmt.Errorf("mysql source %s: user %q may not read the binary log status: GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO the user (MariaDB: BINLOG MONITOR): %w", cn.addr, s.cfg.User, err)
		}
		return fmt.Errorf("mysql source %s: read binary log status: %w", cn.addr, err)
	}
	ok, err := hasReplicationSlave(ctx, cn)
	if err != nil {
		return fmt.Errorf("mysql source %s: read grants of %q: %w", cn.addr, s.cfg.User, err)
	}
	if !ok {
		return fmt.Errorf("mysql source %s: user %q lacks the REPLICATION SLAVE privilege needed to read the binary log: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the user", cn.addr, s.cfg.User)
	}
	return nil
}

// checkVars checks the server variables CDC needs.
func checkVars(addr string, vars map[string]string) error {
	if v := strings.ToUpper(vars["log_bin"]); v != "ON" && v != "1" {
		return fmt.Errorf("mysql source %s: binary logging is off: start the server with --log-bin (and --server-id)", addr)
	}
	if v := strings.ToUpper(vars["binlog_format"]); v != "ROW" {
		return fmt.Errorf("mysql source %s: binlog_format is %s: set binlog_format=ROW (SET GLOBAL binlog_format='ROW' or --binlog-format=ROW)", addr, v)
	}
	if v, ok := vars["binlog_row_image"]; ok && !strings.EqualFold(v, "FULL") {
		return fmt.Errorf("mysql source %s: binlog_row_image is %s: set binlog_row_image=FULL (SET GLOBAL binlog_row_image='FULL' or --binlog-row-image=FULL)", addr, v)
	}
	if v := strings.ToUpper(vars["binlog_transaction_compression"]); v == "ON" || v == "1" {
		return fmt.Errorf("mysql source %s: binlog transaction compression is not supported: set binlog_transaction_compression=OFF", addr)
	}
	if v := strings.ToUpper(vars["binlog_row_value_options"]); strings.Contains(v, "PARTIAL_JSON") {
		return fmt.Errorf("mysql source %s: binlog_row_value_options is %s: partial JSON updates are not supported: set binlog_row_value_options=''", addr, v)
	}
	return nil
}

// variables reads global server variables; absent ones are missing from the
// map.
func variables(ctx context.Context, cn *conn, names ...string) (map[string]string, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quoteLiteral(n)
	}
	rows, err := cn.rows(ctx, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("+strings.Join(quoted, ",")+")")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if len(r) >= 2 {
			out[strings.ToLower(str(r[0]))] = str(r[1])
		}
	}
	return out, nil
}

// binlogStatus returns the current end of the binary log.
func binlogStatus(ctx context.Context, cn *conn) (string, uint32, error) {
	rows, err := cn.rows(ctx, "SHOW MASTER STATUS")
	if err != nil && mysqlCode(err) == 1064 { // MySQL 8.4 dropped the old spelling
		rows, err = cn.rows(ctx, "SHOW BINARY LOG STATUS")
	}
	if err != nil {
		return "", 0, err
	}
	if len(rows) == 0 || len(rows[0]) < 2 || str(rows[0][0]) == "" {
		return "", 0, errors.New("binary logging is off: start the server with --log-bin")
	}
	pos, err := strconv.ParseUint(str(rows[0][1]), 10, 32)
	if err != nil {
		return "", 0, fmt.Errorf("binary log position %q: %w", str(rows[0][1]), err)
	}
	return str(rows[0][0]), uint32(pos), nil
}

// hasReplicationSlave reads the current user's grants for REPLICATION SLAVE
// (directly or through ALL PRIVILEGES on *.*). A user holding roles is given
// the benefit of the doubt: the binlog dump itself fails if the role lacks
// the privilege.
func hasReplicationSlave(ctx context.Context, cn *conn) (bool, error) {
	rows, err := cn.rows(ctx, "SHOW GRANTS FOR CURRENT_USER()")
	if err != nil {
		return false, err
	}
	for _, r := range rows {
		g := strings.ToUpper(str(r[0]))
		if !strings.Contains(g, " ON ") {
			return true, nil // GRANT role TO user
		}
		if !strings.Contains(g, " ON *.* ") {
			continue
		}
		if strings.Contains(g, "ALL PRIVILEGES") || strings.Contains(g, "REPLICATION SLAVE") || strings.Contains(g, "REPLICATION REPLICA") {
			return true, nil
		}
	}
	return false, nil
}

// binlogFiles lists the binary logs the server still has.
func binlogFiles(ctx context.Context, cn *conn) ([]string, error) {
	rows, err := cn.rows(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, str(r[0]))
	}
	return out, nil
}

// randomServerID picks a replica server id unlikely to collide with real
// servers.
func randomServerID() uint32 {
	return 1<<30 + rand.Uint32N(1<<30)
}
