package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/minidms/minidms/dms"
)

// Config says how to reach the source database and how the source names
// what it creates there.
type Config struct {
	// DSN is a libpq connection string (URL or keyword/value form). When it
	// is empty, Host, Port, User, Password and Database are used.
	DSN      string
	Host     string // default 127.0.0.1
	Port     uint16 // default 5432
	User     string
	Password string
	Database string

	// SlotName is the task's logical replication slot; empty derives
	// "minidms_<database>". Two tasks on one database need different names.
	SlotName string
	// PublicationName is the publication the slot decodes through; empty
	// uses the slot name. A publication the source creates lists the
	// selected tables.
	PublicationName string
	// PluginName is the logical decoding plugin: "" or "pgoutput" (the only
	// one supported).
	PluginName string
	// CaptureDdls installs the DDL capture artifacts (the event trigger
	// awsdms_intercept_ddl and the table awsdms_ddl_audit) and turns the
	// statements they record into control changes; nil means true, as on
	// AWS.
	CaptureDdls *bool
	// DdlArtifactsSchema is the schema of the DDL capture artifacts; default
	// "public".
	DdlArtifactsSchema string
	// HeartbeatEnable makes an idle change stream write a logical decoding
	// message every HeartbeatFrequency, so the slot can move past WAL that
	// other databases or unselected tables produce.
	HeartbeatEnable bool
	// HeartbeatFrequency defaults to 5 minutes (AWS's default).
	HeartbeatFrequency time.Duration
	// Logger receives diagnostics; nil is silent.
	Logger *slog.Logger
}

// Source is a PostgreSQL database as a dms.Source.
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

const (
	dialTimeout = 10 * time.Second
	auditTable  = "awsdms_ddl_audit"
	triggerName = "awsdms_intercept_ddl"
)

// sessionParams fix how values are printed, so that full load (a normal
// session) and the change stream (the walsender's session, which prints
// pgoutput's text values) render every value the same way.
func sessionParams() map[string]string {
	return map[string]string{
		"DateStyle":          "ISO, MDY",
		"IntervalStyle":      "postgres",
		"TimeZone":           "UTC",
		"extra_float_digits": "1",
		"bytea_output":       "hex",
		"lc_monetary":        "C",
	}
}

func (s *Source) captureDdls() bool { return s.cfg.CaptureDdls == nil || *s.cfg.CaptureDdls }

func (s *Source) artifactsSchema() string {
	if s.cfg.DdlArtifactsSchema == "" {
		return "public"
	}
	return s.cfg.DdlArtifactsSchema
}

func (s *Source) heartbeatFrequency() time.Duration {
	if s.cfg.HeartbeatFrequency <= 0 {
		return 5 * time.Minute
	}
	return s.cfg.HeartbeatFrequency
}

// pgConfig parses the connection settings with the session parameters
// applied; replication opens a walsender connection for logical
// replication.
func (s *Source) pgConfig(replication bool) (*pgconn.Config, error) {
	dsn := s.cfg.DSN
	if dsn == "" {
		host, port := s.cfg.Host, s.cfg.Port
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 5432
		}
		kv := []string{"host=" + quoteDSN(host), "port=" + strconv.Itoa(int(port))}
		for k, v := range map[string]string{"user": s.cfg.User, "password": s.cfg.Password, "dbname": s.cfg.Database} {
			if v != "" {
				kv = append(kv, k+"="+quoteDSN(v))
			}
		}
		dsn = strings.Join(kv, " ")
	}
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres source: parse connection settings: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = dialTimeout
	}
	for k, v := range sessionParams() {
		cfg.RuntimeParams[k] = v
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "minidms"
	}
	if replication {
		cfg.RuntimeParams["replication"] = "database"
	}
	return cfg, nil
}

func quoteDSN(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func (s *Source) validate() error {
	// The replication protocol takes the slot name unquoted.
	if n := s.cfg.SlotName; n != "" && (identName(n) != n || len(n) > 63) {
		return fmt.Errorf("postgres source: SlotName %q: a replication slot name has at most 63 of the characters a-z, 0-9 and _", n)
	}
	switch strings.ToLower(s.cfg.PluginName) {
	case "", "pgoutput", "no-preference":
		return nil
	case "test-decoding", "test_decoding":
		return fmt.Errorf("postgres source: PluginName %q is not supported: only pgoutput is; set PluginName to \"pgoutput\" or leave it empty", s.cfg.PluginName)
	default:
		return fmt.Errorf("postgres source: PluginName %q is not supported: only pgoutput is", s.cfg.PluginName)
	}
}

// database returns the database the settings name.
func (s *Source) database() (string, error) {
	cfg, err := s.pgConfig(false)
	if err != nil {
		return "", err
	}
	return cfg.Database, nil
}

// SlotName returns the replication slot the source uses.
func (s *Source) SlotName() (string, error) {
	if s.cfg.SlotName != "" {
		return s.cfg.SlotName, nil
	}
	db, err := s.database()
	if err != nil {
		return "", err
	}
	return identName("minidms_" + db), nil
}

func (s *Source) publication() (string, error) {
	if s.cfg.PublicationName != "" {
		return s.cfg.PublicationName, nil
	}
	return s.SlotName()
}

// identName lowers name to what replication slot names allow ([a-z0-9_],
// at most 63 bytes).
func identName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	return out[:min(len(out), 63)]
}

// connect opens a normal session.
func (s *Source) connect(ctx context.Context) (*pgx.Conn, error) {
	pc, err := s.pgConfig(false)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("postgres source: connection settings: %w", err)
	}
	cfg.Config = *pc
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres source: connect to %s as %q: %w", where(pc), pc.User, err)
	}
	return conn, nil
}

// connectReplication opens a walsender session.
func (s *Source) connectReplication(ctx context.Context) (*pgconn.PgConn, error) {
	pc, err := s.pgConfig(true)
	if err != nil {
		return nil, err
	}
	conn, err := pgconn.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres source: open replication connection to %s as %q: %w", where(pc), pc.User, err)
	}
	return conn, nil
}

func where(pc *pgconn.Config) string {
	return fmt.Sprintf("%s:%d/%s", pc.Host, pc.Port, pc.Database)
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

func closePgConn(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

// Check verifies the database is set up for change data capture:
// wal_level logical, a role with the REPLICATION attribute, a free
// replication slot (unless the task's slot exists), wal_sender_timeout 0 or
// at least 10 s, and a superuser when the DDL capture artifacts are still to
// be created. The error names the fix. Check knows no selection: the
// warning for selected tables without a replica identity comes when
// Changes or the snapshot's Tables reads them.
func (s *Source) Check(ctx context.Context) error {
	if err := s.validate(); err != nil {
		return err
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer closeConn(conn)
	return s.check(ctx, conn)
}

// serverSettings is what Check reads from the server.
type serverSettings struct {
	walLevel, role                      string
	maxSlots, usedSlots, senderMs       int
	super, repl, slotExists, hasTrigger bool
}

func (s *Source) check(ctx context.Context, conn *pgx.Conn) error {
	db := conn.Config().Database
	slot, err := s.SlotName()
	if err != nil {
		return err
	}
	var v serverSettings
	err = conn.QueryRow(ctx, `SELECT current_setting('wal_level'), (SELECT setting FROM pg_settings WHERE name = 'wal_sender_timeout')::int,
		current_setting('max_replication_slots')::int, (SELECT count(*) FROM pg_replication_slots)::int,
		r.rolname, r.rolsuper,
		r.rolreplication OR EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'MEMBER')),
		EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1),
		EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = $2)
		FROM pg_roles r WHERE r.rolname = current_user`, slot, triggerName).
		Scan(&v.walLevel, &v.senderMs, &v.maxSlots, &v.usedSlots, &v.role, &v.super, &v.repl, &v.slotExists, &v.hasTrigger)
	if err != nil {
		return fmt.Errorf("postgres source %s: read server settings: %w", db, err)
	}
	return s.checkSettings(db, v)
}

// noReplication is a Check failure that rules out logical replication for
// good (until an administrator acts), as opposed to one that may pass
// later, like a full set of slots; a full load can do without it.
type noReplication struct{ error }

func (e noReplication) Unwrap() error { return e.error }

// checkSettings judges the settings; the error names the fix.
func (s *Source) checkSettings(db string, v serverSettings) error {
	if v.walLevel != "logical" {
		return noReplication{fmt.Errorf("postgres source %s: wal_level is %s: set wal_level = logical in postgresql.conf (RDS: rds.logical_replication = 1) and restart the server", db, v.walLevel)}
	}
	if !v.super && !v.repl {
		role := pgx.Identifier{v.role}.Sanitize()
		return noReplication{fmt.Errorf("postgres source %s: role %q lacks the REPLICATION attribute logical replication needs: ALTER ROLE %s WITH REPLICATION (RDS: GRANT rds_replication TO %s)",
			db, v.role, role, role)}
	}
	if !v.slotExists && v.usedSlots >= v.maxSlots {
		return fmt.Errorf("postgres source %s: no free replication slot (max_replication_slots = %d, all in use): raise max_replication_slots (and max_wal_senders) and restart, or drop unused slots with pg_drop_replication_slot", db, v.maxSlots)
	}
	if v.senderMs > 0 && v.senderMs < 10000 {
		return fmt.Errorf("postgres source %s: wal_sender_timeout is %d ms: set it to 0 or at least 10s", db, v.senderMs)
	}
	if s.captureDdls() && !v.hasTrigger && !v.super {
		return fmt.Errorf("postgres source %s: capturing DDL needs the event trigger %s, which only a superuser can create: connect once as a superuser, or set CaptureDdls to false", db, triggerName)
	}
	return nil
}

// DropSlot drops the task's replication slot and, when the source named the
// publication itself (PublicationName empty), that publication, so a deleted
// task no longer holds WAL on the server. The DDL capture artifacts are
// shared by every task of the database and stay. Dropping what does not
// exist is no error; a slot in use by a running stream is (after waiting
// 2 s for a stream that just closed to let go of it).
func (s *Source) DropSlot(ctx context.Context) error {
	slot, err := s.SlotName()
	if err != nil {
		return err
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer closeConn(conn)
	// A stream stopped a moment ago may still hold the slot.
	exists, err := waitSlotInactive(ctx, conn, slot, 2*time.Second)
	if err != nil {
		return err
	}
	if exists {
		if _, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot); err != nil {
			return fmt.Errorf("postgres source: drop replication slot %s: %w", slot, err)
		}
		s.log.Info("replication slot dropped", "slot", slot)
	}
	if s.cfg.PublicationName == "" {
		if _, err := conn.Exec(ctx, "DROP PUBLICATION IF EXISTS "+pgx.Identifier{slot}.Sanitize()); err != nil {
			return fmt.Errorf("postgres source: drop publication %s: %w", slot, err)
		}
	}
	return nil
}

// Tables returns the current definitions of the selected tables.
func (s *Source) Tables(ctx context.Context, sel dms.TableSelector) ([]*dms.TableDef, error) {
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer closeConn(conn)
	tables, err := s.readTables(ctx, conn, sel)
	if err != nil {
		return nil, err
	}
	out := make([]*dms.TableDef, len(tables))
	for i, t := range tables {
		out[i] = t.def
	}
	return out, nil
}
