package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/examples/internal/testenv"
	"github.com/minidms/minidms/fakedms/fakekinesis"
	"github.com/minidms/minidms/fakedms/fakekinesis/kinesistest"
	"github.com/minidms/minidms/mapping"
	"github.com/minidms/minidms/source/mysql"
	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

// The bench's databases on the test environment's MariaDB; they are kept
// between runs so a rerun of the same size skips loading.
const (
	loadDB    = "minidms_bench_load"
	cdcDB     = "minidms_bench_cdc"
	latencyDB = "minidms_bench_latency"
)

// tableDDL is the 10-column table of shared/spec/performance-baselines.md.
const tableDDL = `(id BIGINT PRIMARY KEY, qty INT, name VARCHAR(64), amount DECIMAL(12,2), created DATETIME(6),
	ratio DOUBLE, flag TINYINT, note TEXT, day DATE, hash VARBINARY(16))`

func scenarios() []scenario {
	return append(mysqlScenarios(), append(pgScenarios(), fakedmsScenarios()...)...)
}

func measurements() map[string]measurement {
	all := map[string]measurement{}
	for _, m := range []map[string]measurement{mysqlMeasurements(), pgMeasurements(), fakedmsMeasurements()} {
		maps.Copy(all, m)
	}
	return all
}

func mysqlScenarios() []scenario {
	return []scenario{
		{name: "fullload", target: "≥ 0.8× baseline", unit: "rows/s", prepare: prepareLoad(false), minidms: "fullload-memory", baseline: "fullload-raw"},
		{name: "fullload-kinesis", target: "≥ 50k records/s", unit: "records/s", prepare: prepareLoad(false), minidms: "fullload-kinesis", baseline: "fullload-raw"},
		{name: "cdc", target: "≥ 0.8× baseline", unit: "changes/s", prepare: prepareCDC, minidms: "cdc-memory", baseline: "cdc-raw"},
		{name: "cdc-latency", target: "p99 < 50 ms", unit: "changes/s", prepare: prepareLatency, minidms: "cdc-latency"},
		{name: "memory", target: "< 150 MB, ≤ 1.2× the small table's", unit: "rows/s", prepare: prepareLoad(true), minidms: "fullload-memory", baseline: "fullload-memory-large", rssRatio: true},
		{name: "scale", target: "—", unit: "changes/s", prepare: prepareScale, minidms: "cdc-scale"},
	}
}

func mysqlMeasurements() map[string]measurement {
	return map[string]measurement{
		"fullload-memory": func(ctx context.Context, o options, arg string) (measure, error) { return fullLoad(ctx, arg, nil) },
		"fullload-memory-large": func(ctx context.Context, o options, arg string) (measure, error) {
			return fullLoad(ctx, tableName(o.rows), nil)
		},
		"fullload-kinesis": fullLoadKinesis,
		"fullload-raw":     fullLoadRaw,
		"cdc-memory":       cdcEngine,
		"cdc-raw":          cdcRaw,
		"cdc-latency":      cdcLatency,
		"cdc-scale":        cdcScale,
	}
}

func connect(db string) (*client.Conn, error) {
	addr, user, password := testenv.MySQL()
	c, err := client.Connect(addr, user, password, db)
	if err != nil {
		return nil, fmt.Errorf("connect to MariaDB %s: %w", addr, err)
	}
	return c, nil
}

func execSQL(c *client.Conn, queries ...string) error {
	for _, q := range queries {
		if _, err := c.Execute(q); err != nil {
			return fmt.Errorf("%.80s: %w", q, err)
		}
	}
	return nil
}

func source() *mysql.Source {
	addr, user, password := testenv.MySQL()
	return mysql.New(mysql.Config{Addr: addr, User: user, Password: password})
}

func selectTable(schema, table string) (*mapping.TableMappings, error) {
	return mapping.ParseTableMappings(fmt.Sprintf(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":%q,"table-name":%q},"rule-action":"include"}]}`, schema, table))
}

func tableName(rows int) string { return "rows_" + strconv.Itoa(rows) }

// prepareLoad fills loadDB.rows_N with N generated rows (MariaDB's
// SEQUENCE engine makes them server-side in seconds); small picks the
// memory scenario's smaller table.
func prepareLoad(small bool) func(ctx context.Context, o options) (string, string, error) {
	return func(ctx context.Context, o options) (string, string, error) {
		sizes := []int{o.rows}
		if small {
			sizes = []int{o.smallRows, o.rows}
		}
		for _, n := range sizes {
			if err := fillTable(n); err != nil {
				return "", "", err
			}
		}
		if small {
			return fmt.Sprintf("full load of %d rows; baseline column: the same path on %d rows, ratio of peak RSS", o.smallRows, o.rows), tableName(o.smallRows), nil
		}
		return fmt.Sprintf("%d rows × 10 columns", o.rows), tableName(o.rows), nil
	}
}

func fillTable(n int) error {
	c, err := connect("")
	if err != nil {
		return err
	}
	defer c.Close()
	table := loadDB + "." + tableName(n)
	if err := execSQL(c, "CREATE DATABASE IF NOT EXISTS "+loadDB); err != nil {
		return err
	}
	if res, err := c.Execute("SELECT COUNT(*) FROM " + table); err == nil {
		if have, _ := res.GetInt(0, 0); have == int64(n) {
			return nil
		}
	}
	return execSQL(c,
		"DROP TABLE IF EXISTS "+table,
		"CREATE TABLE "+table+" "+tableDDL,
		fmt.Sprintf(`INSERT INTO %s SELECT seq, seq %% 1000, CONCAT('customer name ', seq), seq / 100,
			TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq %% 1000000 MICROSECOND,
			seq / 7, seq %% 2, REPEAT('lorem ipsum ', 8), DATE'2024-01-01' + INTERVAL seq %% 365 DAY, UNHEX(MD5(seq))
			FROM %s.seq_1_to_%d`, table, loadDB, n),
	)
}

// countingSink is a dms.Target that counts data changes and keeps nothing;
// done closes once want of them arrived.
type countingSink struct {
	mu     sync.Mutex
	n      int64
	want   int64
	done   chan struct{}
	onData func(c *dms.Change, at time.Time)
}

func newSink(want int64) *countingSink { return &countingSink{want: want, done: make(chan struct{})} }

func (s *countingSink) Write(_ context.Context, _ dms.TaskInfo, changes []dms.Change) error {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range changes {
		if changes[i].Op.IsControl() {
			continue
		}
		if s.onData != nil {
			s.onData(&changes[i], now)
		}
		s.n++
		if s.n == s.want {
			close(s.done)
		}
	}
	return nil
}

// runTask starts a task and waits for its sink (or its stop, for a full
// load), returning the seconds from start.
func runTask(ctx context.Context, cfg dms.TaskConfig, done <-chan struct{}) (float64, error) {
	engine := dms.NewEngine()
	defer engine.Close()
	task, err := engine.NewTask(cfg)
	if err != nil {
		return 0, err
	}
	return timed(func() error {
		if err := task.Start(ctx, dms.StartReplication); err != nil {
			return err
		}
		if cfg.MigrationType == dms.FullLoad {
			st, err := task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == dms.StatusStopped || s.Status == dms.StatusFailed })
			if err != nil {
				return err
			}
			if st.Status == dms.StatusFailed {
				return errors.New(st.LastFailureMessage)
			}
			return nil
		}
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

func fullLoad(ctx context.Context, table string, target dms.Target) (measure, error) {
	rows, err := strconv.ParseInt(strings.TrimPrefix(table, "rows_"), 10, 64)
	if err != nil {
		return measure{}, err
	}
	sel, err := selectTable(loadDB, table)
	if err != nil {
		return measure{}, err
	}
	if target == nil {
		target = newSink(rows)
	}
	secs, err := runTask(ctx, dms.TaskConfig{ID: "BENCHLOAD", Source: source(), Target: target, Mapping: sel, MigrationType: dms.FullLoad}, nil)
	return measure{Units: rows, Seconds: secs}, err
}

// fullLoadKinesis loads into the built-in Kinesis through target/kinesis:
// encoding, PutRecords over loopback HTTP and the fake's storage included.
func fullLoadKinesis(ctx context.Context, o options, table string) (measure, error) {
	hs := httptest.NewServer(fakekinesis.New())
	defer hs.Close()
	kc := kinesistest.NewClient(hs.URL)
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
		return measure{}, err
	}
	target, err := kinesistarget.New(kinesistarget.Config{Client: kc, Settings: types.KinesisSettings{
		StreamArn: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench"), MessageFormat: types.MessageFormatValueJsonUnformatted,
	}})
	if err != nil {
		return measure{}, err
	}
	return fullLoad(ctx, table, target)
}

// fullLoadRaw is the baseline: the same SELECT streamed with go-mysql's
// client, every value decoded to a Go value.
func fullLoadRaw(ctx context.Context, o options, table string) (measure, error) {
	c, err := connect(loadDB)
	if err != nil {
		return measure{}, err
	}
	defer c.Close()
	var n int64
	var sink []any
	secs, err := timed(func() error {
		var res gomysql.Result
		return c.ExecuteSelectStreaming("SELECT * FROM "+table, &res, func(vals []gomysql.FieldValue) error {
			sink = sink[:0]
			for i := range vals {
				v := &vals[i]
				switch v.Type {
				case gomysql.FieldValueTypeString:
					sink = append(sink, string(v.AsString()))
				default:
					sink = append(sink, v.Value())
				}
			}
			n++
			return nil
		}, nil)
	})
	return measure{Units: n, Seconds: secs}, err
}

// cdcData is where a prepared change set lies in the binlog.
type cdcData struct {
	start   string // file:pos
	changes int64
}

func (d cdcData) arg() string { return fmt.Sprintf("%s/%d", d.start, d.changes) }

func parseCDCData(arg string) (cdcData, error) {
	i := strings.LastIndexByte(arg, '/') // a PostgreSQL LSN has a '/' too
	if i < 0 {
		return cdcData{}, fmt.Errorf("bad change set %q", arg)
	}
	pos, n := arg[:i], arg[i+1:]
	changes, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return cdcData{}, fmt.Errorf("bad change set %q", arg)
	}
	return cdcData{start: pos, changes: changes}, nil
}

// writeChanges makes n row changes in table (see generateChanges) and
// returns where they start in the binlog.
func writeChanges(db, table string, n int) (cdcData, error) {
	c, err := connect("")
	if err != nil {
		return cdcData{}, err
	}
	defer c.Close()
	full := db + "." + table
	if err := execSQL(c, "CREATE DATABASE IF NOT EXISTS "+db, "DROP TABLE IF EXISTS "+full, "CREATE TABLE "+full+" "+tableDDL); err != nil {
		return cdcData{}, err
	}
	res, err := c.Execute("SHOW MASTER STATUS")
	if err != nil {
		return cdcData{}, err
	}
	file, _ := res.GetString(0, 0)
	pos, _ := res.GetInt(0, 1)
	var done int64
	err = generateChanges(n, func(op string, ids []int64) (int64, error) {
		var q string
		switch op {
		case "insert":
			vals := make([]string, len(ids))
			for i, id := range ids {
				vals[i] = fmt.Sprintf("(%d,%d,'customer name %d',%d.25,'2024-01-01 00:00:00.123456',%d.5,1,'lorem ipsum dolor sit amet','2024-01-01',UNHEX(MD5(%d)))", id, id%1000, id, id, id, id)
			}
			q = "INSERT INTO " + full + " VALUES " + strings.Join(vals, ",")
		case "update":
			q = fmt.Sprintf("UPDATE %s SET qty = qty + 1 WHERE id IN (%s)", full, joinIDs(ids))
		default:
			q = fmt.Sprintf("DELETE FROM %s WHERE id IN (%s)", full, joinIDs(ids))
		}
		r, err := c.Execute(q)
		if err != nil {
			return 0, fmt.Errorf("%.60s: %w", q, err)
		}
		done += int64(r.AffectedRows)
		return int64(r.AffectedRows), nil
	})
	if err != nil {
		return cdcData{}, err
	}
	return cdcData{start: fmt.Sprintf("%s:%d", file, pos), changes: done}, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func prepareCDC(ctx context.Context, o options) (string, string, error) {
	d, err := writeChanges(cdcDB, "changes", o.changes)
	if err != nil {
		return "", "", err
	}
	return fmt.Sprintf("%d row changes in transactions of 1–100 rows, read from the binlog", d.changes), d.arg(), nil
}

// cdcEngine reads the prepared binlog range with a CDC task.
func cdcEngine(ctx context.Context, o options, arg string) (measure, error) {
	d, err := parseCDCData(arg)
	if err != nil {
		return measure{}, err
	}
	sel, err := selectTable(cdcDB, "changes")
	if err != nil {
		return measure{}, err
	}
	sink := newSink(d.changes)
	secs, err := runTask(ctx, dms.TaskConfig{ID: "BENCHCDC", Source: source(), Target: sink, Mapping: sel,
		MigrationType: dms.CDC, CdcStartPosition: dms.Position(d.start)}, sink.done)
	return measure{Units: d.changes, Seconds: secs}, err
}

// cdcRaw is the baseline: go-mysql's BinlogSyncer reading and decoding the
// same binlog range, with no further work.
func cdcRaw(ctx context.Context, o options, arg string) (measure, error) {
	d, err := parseCDCData(arg)
	if err != nil {
		return measure{}, err
	}
	file, posText, _ := strings.Cut(d.start, ":")
	pos, err := strconv.ParseUint(posText, 10, 32)
	if err != nil {
		return measure{}, err
	}
	addr, user, password := testenv.MySQL()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return measure{}, err
	}
	portN, _ := strconv.Atoi(port)
	syncer := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{
		ServerID: 424242, Flavor: gomysql.MariaDBFlavor, Host: host, Port: uint16(portN), User: user, Password: password,
		Charset: "utf8mb4", DisableRetrySync: true, Logger: slog.New(slog.DiscardHandler),
	})
	defer syncer.Close()
	var n int64
	secs, err := timed(func() error {
		st, err := syncer.StartSync(gomysql.Position{Name: file, Pos: uint32(pos)})
		if err != nil {
			return err
		}
		for n < d.changes {
			ev, err := st.GetEvent(ctx)
			if err != nil {
				return err
			}
			if re, ok := ev.Event.(*replication.RowsEvent); ok && string(re.Table.Schema) == cdcDB {
				if re.Type() == replication.EnumRowsEventTypeUpdate {
					n += int64(len(re.Rows) / 2)
				} else {
					n += int64(len(re.Rows))
				}
			}
		}
		return nil
	})
	return measure{Units: n, Seconds: secs}, err
}

func prepareLatency(ctx context.Context, o options) (string, string, error) {
	c, err := connect("")
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	if err := execSQL(c, "CREATE DATABASE IF NOT EXISTS "+latencyDB, "DROP TABLE IF EXISTS "+latencyDB+".lat",
		"CREATE TABLE "+latencyDB+".lat (id BIGINT PRIMARY KEY, v INT)"); err != nil {
		return "", "", err
	}
	return fmt.Sprintf("single-row transactions at %d/s for %s, statement sent to change at the target", o.latencyRate, o.latencyDuration), "", nil
}

// cdcLatency commits single-row transactions at a fixed rate while a CDC
// task runs, and measures from the moment each autocommitted INSERT is sent
// to the change's arrival at the target. (From the COMMIT's return would
// often be negative: the binlog reaches the task before the OK reaches the
// writer.)
func cdcLatency(ctx context.Context, o options, _ string) (measure, error) {
	sel, err := selectTable(latencyDB, "lat")
	if err != nil {
		return measure{}, err
	}
	total := int64(float64(o.latencyRate) * o.latencyDuration.Seconds())
	sink := newSink(total)
	var mu sync.Mutex
	committed := make([]time.Time, total+1)
	arrived := make([]time.Time, total+1)
	sink.onData = func(c *dms.Change, at time.Time) {
		if id, ok := c.Data[0].(int64); ok && id > 0 && id <= total {
			arrived[id] = at
		}
	}
	engine := dms.NewEngine()
	defer engine.Close()
	task, err := engine.NewTask(dms.TaskConfig{ID: "BENCHLAT", Source: source(), Target: sink, Mapping: sel, MigrationType: dms.CDC})
	if err != nil {
		return measure{}, err
	}
	if err := task.Start(ctx, dms.StartReplication); err != nil {
		return measure{}, err
	}
	if _, err := task.Wait(ctx, func(s dms.TaskStatus) bool { return s.Status == dms.StatusRunning }); err != nil {
		return measure{}, err
	}
	c, err := connect(latencyDB)
	if err != nil {
		return measure{}, err
	}
	defer c.Close()
	interval := time.Second / time.Duration(o.latencyRate)
	start := time.Now()
	for id := int64(1); id <= total; id++ {
		if wait := time.Until(start.Add(time.Duration(id-1) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		mu.Lock()
		committed[id] = time.Now()
		mu.Unlock()
		if _, err := c.Execute(fmt.Sprintf("INSERT INTO lat VALUES (%d, 1)", id)); err != nil {
			return measure{}, err
		}
	}
	writeSecs := time.Since(start).Seconds()
	select {
	case <-sink.done:
	case <-time.After(time.Minute):
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return measure{}, fmt.Errorf("only %d of %d changes arrived", sink.n, total)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	lat := make([]float64, 0, total)
	for id := int64(1); id <= total; id++ {
		lat = append(lat, max(arrived[id].Sub(committed[id]).Seconds()*1000, 0))
	}
	slices.Sort(lat)
	m := measure{Units: total, Seconds: writeSecs, P50: lat[len(lat)/2], P99: lat[len(lat)*99/100]}
	if got := float64(total) / writeSecs; got < 0.95*float64(o.latencyRate) {
		m.Note = fmt.Sprintf("the writer reached %.0f/s", got)
	}
	return m, nil
}

func prepareScale(ctx context.Context, o options) (string, string, error) {
	d, err := writeChanges(cdcDB, "scale", o.scaleChanges)
	if err != nil {
		return "", "", err
	}
	return fmt.Sprintf("%d cdc tasks, each reading the same %d row changes", o.scaleTasks, d.changes), d.arg(), nil
}

// cdcScale runs scaleTasks CDC tasks at once over one binlog range and
// reports the changes all of them delivered per second.
func cdcScale(ctx context.Context, o options, arg string) (measure, error) {
	d, err := parseCDCData(arg)
	if err != nil {
		return measure{}, err
	}
	sel, err := selectTable(cdcDB, "scale")
	if err != nil {
		return measure{}, err
	}
	engine := dms.NewEngine()
	defer engine.Close()
	var tasks []*dms.Task
	var sinks []*countingSink
	for i := range o.scaleTasks {
		sink := newSink(d.changes)
		task, err := engine.NewTask(dms.TaskConfig{ID: fmt.Sprint("BENCHSCALE", i), Source: source(), Target: sink, Mapping: sel,
			MigrationType: dms.CDC, CdcStartPosition: dms.Position(d.start)})
		if err != nil {
			return measure{}, err
		}
		tasks, sinks = append(tasks, task), append(sinks, sink)
	}
	secs, err := timed(func() error {
		for _, t := range tasks {
			if err := t.Start(ctx, dms.StartReplication); err != nil {
				return err
			}
		}
		for _, s := range sinks {
			select {
			case <-s.done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return measure{Units: d.changes * int64(o.scaleTasks), Seconds: secs}, err
}
