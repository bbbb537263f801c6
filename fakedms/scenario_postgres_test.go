package fakedms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms/dmstest"
)

// PostgreSQL source endpoints through the SDK against the test
// environment's PostgreSQL: the LocalStack sample
// sample-dms-postgresql-kinesis (shared spec §1.2), aurora-postgresql, the
// endpoint settings, connection tests and the slot dropped on delete.

// pgConn is the connection of a dmstest database split into what an
// endpoint takes.
type pgConn struct {
	host                   string
	port                   int32
	user, password, dbname string
}

func pgConnOf(t *testing.T, db dmstest.PostgresServer) pgConn {
	t.Helper()
	cfg, err := pgconn.ParseConfig(db.DSN)
	require.NoError(t, err)
	return pgConn{host: cfg.Host, port: int32(cfg.Port), user: cfg.User, password: cfg.Password, dbname: cfg.Database}
}

// createPostgresEndpoint makes a source endpoint of engine on db, the
// connection given at the top level.
func createPostgresEndpoint(t *testing.T, c *dmsapi.Client, id, engine string, db pgConn, settings *types.PostgreSQLSettings) *types.Endpoint {
	t.Helper()
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String(id),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String(engine),
		ServerName:         aws.String(db.host),
		Port:               aws.Int32(db.port),
		Username:           aws.String(db.user),
		Password:           aws.String(db.password),
		DatabaseName:       aws.String(db.dbname),
		PostgreSQLSettings: settings,
	})
	require.NoError(t, err)
	return out.Endpoint
}

// pgSlots lists the replication slots of db's database, with whether a
// publication of the same name exists.
func pgSlots(t *testing.T, db dmstest.PostgresServer) map[string]bool {
	t.Helper()
	conn, err := pgx.Connect(ctx(t), db.DSN)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx(t), `SELECT slot_name, EXISTS (SELECT 1 FROM pg_publication p WHERE p.pubname = s.slot_name::text)
		FROM pg_replication_slots s WHERE database = current_database()`)
	require.NoError(t, err)
	out := map[string]bool{}
	for rows.Next() {
		var name string
		var pub bool
		require.NoError(t, rows.Scan(&name, &pub))
		out[name] = pub
	}
	require.NoError(t, rows.Err())
	return out
}

// pgExists runs a query of one boolean on db.
func pgExists(t *testing.T, db dmstest.PostgresServer, query string) bool {
	t.Helper()
	conn, err := pgx.Connect(ctx(t), db.DSN)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var v bool
	require.NoError(t, conn.QueryRow(ctx(t), query).Scan(&v))
	return v
}

// pgPublications lists the publications of db's database.
func pgPublications(t *testing.T, db dmstest.PostgresServer) []string {
	t.Helper()
	conn, err := pgx.Connect(ctx(t), db.DSN)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx(t), `SELECT pubname FROM pg_publication ORDER BY pubname`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

func taskIDOf(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

// slotOf is the slot fakedms derives for a task without SlotName.
func slotOf(arn string) string { return "minidms_" + strings.ToLower(taskIDOf(arn)) }

// deleteTask deletes a task and waits until it is gone.
func deleteTask(t *testing.T, c *dmsapi.Client, arn string) {
	t.Helper()
	out, err := c.DeleteReplicationTask(ctx(t), &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, "deleting", *out.ReplicationTask.Status)
	w := dmsapi.NewReplicationTaskDeletedWaiter(c, func(o *dmsapi.ReplicationTaskDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), byArn(arn), waitLimit))
}

// The sample's SQL (lib/query.py), PostgreSQL types.
var (
	pgSampleDrop   = "DROP TABLE IF EXISTS books; DROP TABLE IF EXISTS accounts; DROP TABLE IF EXISTS authors"
	pgSampleCreate = []string{
		`CREATE TABLE authors (author_id SERIAL PRIMARY KEY, first_name VARCHAR(100) NOT NULL, last_name VARCHAR(100) NOT NULL,
			date_of_birth DATE, nationality VARCHAR(50), biography TEXT, email VARCHAR(255), phone_number VARCHAR(20),
			active BOOLEAN DEFAULT TRUE, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
		`CREATE TABLE accounts (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, age SMALLINT, birth_date DATE,
			account_balance NUMERIC(10, 2), is_active BOOLEAN, signup_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_login TIMESTAMP,
			bio TEXT, profile_picture BYTEA, favorite_color TEXT CHECK (favorite_color IN ('red', 'green', 'blue')),
			height REAL, weight DOUBLE PRECISION)`,
		`CREATE TABLE books (book_id SERIAL PRIMARY KEY, title VARCHAR(255) NOT NULL, author_id INT, publish_date DATE,
			isbn VARCHAR(20), genre VARCHAR(100), page_count INT, publisher VARCHAR(100), language VARCHAR(50),
			available_copies INT, total_copies INT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
			FOREIGN KEY (author_id) REFERENCES authors(author_id))`,
	}
	// The sample runs its inserts, and its ALTERs, in one transaction each
	// (psycopg2 commits once per list); so does one multi-statement query.
	pgSampleInsert = `INSERT INTO authors (first_name, last_name, date_of_birth, nationality, biography, email, phone_number)
			VALUES ('John', 'Doe', '1980-01-01', 'American', 'Biography of John Doe.', 'john.doe@example.com', '123-456-7890');
		INSERT INTO accounts (name, age, birth_date, account_balance, is_active, signup_time, last_login, bio, profile_picture, favorite_color, height, weight)
			VALUES ('Alice', 30, '1991-05-21', 1500.00, TRUE, '2021-01-08 09:00:00', '2021-03-10 08:00:00', 'Bio of Alice', NULL, 'red', 1.70, 60.5);
		INSERT INTO books (title, author_id, publish_date, isbn, genre, page_count, publisher, language, available_copies, total_copies)
			VALUES ('The Great Adventure', 1, '2020-06-01', '978-3-16-148410-0', 'Adventure', 300, 'Adventure Press', 'English', 10, 20)`
	pgSampleAlter = `ALTER TABLE books ALTER COLUMN isbn TYPE VARCHAR(30);
		ALTER TABLE accounts DROP COLUMN profile_picture;
		ALTER TABLE authors ADD COLUMN is_available BOOLEAN DEFAULT TRUE`
)

func TestLocalStackPostgreSQLKinesisSample(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings types.KinesisSettings
		// alters is what the three ALTERs give.
		alters []string
	}{
		{
			name: "non-default target",
			settings: types.KinesisSettings{
				MessageFormat:               types.MessageFormatValueJson,
				IncludeControlDetails:       aws.Bool(true),
				IncludeNullAndEmpty:         aws.Bool(true),
				IncludePartitionValue:       aws.Bool(true),
				IncludeTableAlterOperations: aws.Bool(true),
				IncludeTransactionDetails:   aws.Bool(false),
				PartitionIncludeSchemaTable: aws.Bool(true),
			},
			alters: []string{
				"column-type-change public.books TASK.public.books",
				"drop-column public.accounts TASK.public.accounts",
				"add-column public.authors TASK.public.authors",
			},
		},
		{
			name:     "default target",
			settings: types.KinesisSettings{MessageFormat: types.MessageFormatValueJson},
			alters:   nil, // IncludeTableAlterOperations false: no DDL record
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testPostgreSQLSample(t, tc.settings, tc.alters)
		})
	}
}

func testPostgreSQLSample(t *testing.T, settings types.KinesisSettings, alters []string) {
	db := dmstest.Postgres(t)
	pc := pgConnOf(t, db)
	srv, c := newServer(t)
	kc := srv.KinesisClient()
	stream := "dms-pg-sample-" + strings.ReplaceAll(t.Name()[strings.LastIndexByte(t.Name(), '/')+1:], "_", "-")
	settings.StreamArn = aws.String(createStream(t, srv, stream))
	settings.ServiceAccessRoleArn = aws.String("arn:aws:iam::000000000000:role/dms-vpc-role")
	inst := *createInstance(t, c, "dms-instance").ReplicationInstanceArn
	// As the sample: DatabaseName at the top level, the connection in
	// PostgreSqlSettings (the sample's come from a secret).
	src, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("source"),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("postgres"),
		DatabaseName:       aws.String(pc.dbname),
		PostgreSQLSettings: &types.PostgreSQLSettings{
			ServerName: aws.String(pc.host), Port: aws.Int32(pc.port), Username: aws.String(pc.user), Password: aws.String(pc.password),
		},
	})
	require.NoError(t, err)
	require.Equal(t, "PostgreSQL", *src.Endpoint.EngineDisplayName)
	tgt, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("target"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		KinesisSettings:    &settings,
	})
	require.NoError(t, err)
	p := &pipeline{srv: srv, c: c, instance: inst, source: *src.Endpoint.EndpointArn, target: *tgt.Endpoint.EndpointArn, stream: stream}
	task := *p.createTask(t, "cdc-task", types.MigrationTypeValueCdc, selectTables("public", "%"), `{"Logging":{"EnableLogging":true}}`).ReplicationTaskArn
	p.waitReady(t, task)
	id := taskIDOf(task)
	summary := func(recs []record) []string {
		return strings.Split(strings.ReplaceAll(strings.Join(summaries(recs), "\n"), id, "TASK"), "\n")
	}

	// The tables exist, empty, when the task starts.
	dmstest.PostgresExec(t, db, append([]string{pgSampleDrop}, pgSampleCreate...)...)
	require.Equal(t, "starting", *p.start(t, task, types.StartReplicationTaskTypeValueStartReplication).Status)
	p.waitRunning(t, task)
	recs := decodeRecords(t, readStream(t, kc, stream, 4))
	require.Equal(t, []string{
		"create-table .awsdms_apply_exceptions TASK..awsdms_apply_exceptions",
		"create-table public.accounts TASK.public.accounts",
		"create-table public.authors TASK.public.authors",
		"create-table public.books TASK.public.books",
	}, summary(recs))
	if aws.ToBool(settings.IncludeControlDetails) {
		def := recs[1].doc["control"].(map[string]any)["table-def"].(map[string]any)
		require.Equal(t, []any{"id"}, def["primary-key"])
		require.Equal(t, map[string]any{"type": "INT32", "nullable": false}, def["columns"].(map[string]any)["id"])
		require.Equal(t, map[string]any{"type": "WSTRING", "length": float64(255), "nullable": false}, def["columns"].(map[string]any)["name"])
	} else {
		require.NotContains(t, recs[1].doc, "control")
	}

	// One row each, in one transaction: three inserts in commit order.
	dmstest.PostgresExec(t, db, pgSampleInsert)
	recs = decodeRecords(t, readStream(t, kc, stream, 7))
	require.Equal(t, []string{
		"insert public.authors public.authors",
		"insert public.accounts public.accounts",
		"insert public.books public.books",
	}, summary(recs[4:]))
	account := recs[5].doc
	md := account["metadata"].(map[string]any)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`, md["timestamp"])
	xid := md["transaction-id"]
	require.IsType(t, float64(0), xid)
	require.NotZero(t, xid)
	require.Equal(t, map[string]any{
		"timestamp": md["timestamp"], "record-type": "data", "operation": "insert", "partition-key-type": "schema-table",
		"schema-name": "public", "table-name": "accounts", "transaction-id": xid,
	}, md)
	for _, r := range recs[4:] {
		require.Equal(t, xid, r.doc["metadata"].(map[string]any)["transaction-id"], "one transaction")
	}
	wantAccount := map[string]any{
		"id": float64(1), "name": "Alice", "age": float64(30), "birth_date": "1991-05-21", "account_balance": "1500.00",
		"is_active": true, "signup_time": "2021-01-08T09:00:00.000000Z", "last_login": "2021-03-10T08:00:00.000000Z",
		"bio": "Bio of Alice", "favorite_color": "red", "height": 1.7000000476837158, "weight": 60.5,
	}
	if aws.ToBool(settings.IncludeNullAndEmpty) {
		wantAccount["profile_picture"] = nil
	}
	require.Equal(t, wantAccount, account["data"])
	book := recs[6].doc["data"].(map[string]any)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`, book["created_at"])
	delete(book, "created_at")
	require.Equal(t, map[string]any{
		"book_id": float64(1), "title": "The Great Adventure", "author_id": float64(1), "publish_date": "2020-06-01",
		"isbn": "978-3-16-148410-0", "genre": "Adventure", "page_count": float64(300), "publisher": "Adventure Press",
		"language": "English", "available_copies": float64(10), "total_copies": float64(20),
	}, book)

	// The three ALTERs, then an insert into the altered authors: its
	// record comes after whatever the ALTERs gave, so the count of DDL
	// records (three, or none without IncludeTableAlterOperations) is
	// exact without waiting for nothing to arrive.
	dmstest.PostgresExec(t, db, pgSampleAlter,
		`INSERT INTO authors (first_name, last_name) VALUES ('Jane', 'Roe')`)
	n := 7 + len(alters) + 1
	recs = decodeRecords(t, readStream(t, kc, stream, n))
	require.Len(t, recs, n)
	require.Equal(t, append(append([]string{}, alters...), "insert public.authors public.authors"), summary(recs[7:]))
	if len(alters) > 0 {
		// Each control record carries the table as it is after its ALTER.
		columns := func(r record) map[string]any {
			return r.doc["control"].(map[string]any)["table-def"].(map[string]any)["columns"].(map[string]any)
		}
		require.Equal(t, map[string]any{"type": "WSTRING", "length": float64(30), "nullable": true}, columns(recs[7])["isbn"])
		require.NotContains(t, columns(recs[8]), "profile_picture")
		require.Len(t, columns(recs[8]), 12)
		require.Equal(t, map[string]any{"type": "BOOLEAN", "nullable": true}, columns(recs[9])["is_available"])
		md := recs[9].doc["metadata"].(map[string]any)
		require.Equal(t, map[string]any{
			"timestamp": md["timestamp"], "record-type": "control", "operation": "add-column", "partition-key-type": "task-id",
			"partition-key-value": id, "schema-name": "public", "table-name": "authors",
		}, md)
	}
	jane := recs[n-1].doc["data"].(map[string]any)
	require.Equal(t, true, jane["is_available"], "rows after the ALTER have the new column")
	require.Equal(t, "Jane", jane["first_name"])

	stats, err := c.DescribeTableStatistics(ctx(t), &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(task)})
	require.NoError(t, err)
	got := map[string][3]int64{}
	for _, ts := range stats.TableStatistics {
		require.Equal(t, "public", *ts.SchemaName)
		require.Equal(t, "Table completed", *ts.TableState)
		require.Equal(t, int64(0), ts.FullLoadRows)
		got[*ts.TableName] = [3]int64{ts.Inserts, ts.Ddls, aws.ToInt64(ts.AppliedDdls)}
	}
	require.Equal(t, map[string][3]int64{"accounts": {1, 1, 1}, "authors": {2, 1, 1}, "books": {1, 1, 1}}, got)

	out, err := c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(task)})
	require.NoError(t, err)
	require.Equal(t, "stopping", *out.ReplicationTask.Status)
	p.waitStopped(t, task)
	require.Equal(t, "Stop Reason NORMAL", *p.describe(t, task).StopReason)
	require.Len(t, srv.Kinesis().Records(stream), n, "no record beyond the expected ones")

	// The slot (and its publication) stay after the stop, as on AWS, and
	// go with the task.
	require.Equal(t, map[string]bool{slotOf(task): true}, pgSlots(t, db))
	deleteTask(t, c, task)
	require.Empty(t, pgSlots(t, db))
	require.Empty(t, pgPublications(t, db))
}

// aurora-postgresql is the same source as postgres: a short full load.
func TestAuroraPostgreSQLFullLoad(t *testing.T) {
	db := dmstest.Postgres(t)
	srv, c := newServer(t)
	stream := "dms-aurora-pg-full-load"
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := createPostgresEndpoint(t, c, "aurora", "aurora-postgresql", pgConnOf(t, db), nil)
	require.Equal(t, "Amazon Aurora PostgreSQL", *src.EngineDisplayName)
	p := &pipeline{srv: srv, c: c, instance: inst, source: *src.EndpointArn, stream: stream}
	p.target = *createKinesisEndpoint(t, c, "target", createStream(t, srv, stream)).EndpointArn
	dmstest.PostgresExec(t, db,
		"CREATE TABLE items (id INT PRIMARY KEY, label TEXT, price NUMERIC(8,2), in_stock BOOLEAN)",
		"INSERT INTO items VALUES (1, 'one', 1.50, true), (2, 'two', NULL, false)",
		"CREATE TABLE ignored (id INT PRIMARY KEY)")
	task := *p.createTask(t, "full-load", types.MigrationTypeValueFullLoad, selectTables("public", "items"), "").ReplicationTaskArn
	p.waitReady(t, task)
	p.start(t, task, types.StartReplicationTaskTypeValueStartReplication)
	p.waitStopped(t, task)
	require.Equal(t, "Stop Reason FULL_LOAD_ONLY_FINISHED", *p.describe(t, task).StopReason)

	recs := decodeRecords(t, readStream(t, srv.KinesisClient(), stream, 4))
	require.Len(t, recs, 4)
	id := taskIDOf(task)
	require.Equal(t, []string{
		"drop-table public.items " + id + ".public.items",
		"create-table public.items " + id + ".public.items",
		"load public.items 1",
		"load public.items 2",
	}, summaries(recs))
	require.Equal(t, map[string]any{"id": float64(1), "label": "one", "price": "1.50", "in_stock": true}, recs[2].doc["data"])
	require.Equal(t, map[string]any{"id": float64(2), "label": "two", "in_stock": false}, recs[3].doc["data"])
	requireTableStats(t, c, task, map[string]int64{"items": 2})

	// The load read the snapshot of the task's slot, which stays until
	// the task is deleted.
	require.Equal(t, map[string]bool{slotOf(task): true}, pgSlots(t, db))
	deleteTask(t, c, task)
	require.Empty(t, pgSlots(t, db))
}

// The PostgreSqlSettings fakedms honours, and connection tests.
func TestPostgreSQLEndpointSettings(t *testing.T) {
	db := dmstest.Postgres(t)
	pc := pgConnOf(t, db)
	srv, c := newServer(t)
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	stream := "dms-pg-settings"
	target := *createKinesisEndpoint(t, c, "target", createStream(t, srv, stream)).EndpointArn
	dmstest.PostgresExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")

	// PostgreSqlSettings take precedence over the top-level members.
	wrong := pgConn{host: "127.0.0.1", port: closedPort(t), user: "nobody", password: "wrong", dbname: "nowhere"}
	named := createPostgresEndpoint(t, c, "named", "postgres", wrong, &types.PostgreSQLSettings{
		ServerName: aws.String(pc.host), Port: aws.Int32(pc.port), Username: aws.String(pc.user), Password: aws.String(pc.password),
		DatabaseName: aws.String(pc.dbname), SlotName: aws.String("my_slot"), PluginName: types.PluginNameValuePglogical,
		CaptureDdls: aws.Bool(false), HeartbeatEnable: aws.Bool(true), HeartbeatFrequency: aws.Int32(1),
	})
	require.Nil(t, named.PostgreSQLSettings.Password, "passwords are never returned")
	testDecoding := createPostgresEndpoint(t, c, "test-decoding", "postgres", pc, &types.PostgreSQLSettings{PluginName: types.PluginNameValueTestDecoding})
	plain := createPostgresEndpoint(t, c, "plain", "aurora-postgresql", pc, nil)
	down := createPostgresEndpoint(t, c, "down", "postgres", wrong, nil)

	testConnection := func(t *testing.T, endpoint string) types.Connection {
		t.Helper()
		out, err := c.TestConnection(ctx(t), &dmsapi.TestConnectionInput{EndpointArn: aws.String(endpoint), ReplicationInstanceArn: aws.String(inst)})
		require.NoError(t, err)
		require.Equal(t, "testing", *out.Connection.Status)
		filter := &dmsapi.DescribeConnectionsInput{Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{endpoint}}}}
		var conn types.Connection
		require.Eventually(t, func() bool {
			out, err := c.DescribeConnections(ctx(t), filter)
			require.NoError(t, err)
			require.Len(t, out.Connections, 1)
			conn = out.Connections[0]
			return *conn.Status != "testing"
		}, waitLimit, 10*time.Millisecond)
		return conn
	}
	const pluginRefused = `postgres source: PluginName "test-decoding" is not supported: only pgoutput is; set PluginName to "pgoutput" or leave it empty`

	t.Run("connection tests", func(t *testing.T) {
		conn := testConnection(t, *plain.EndpointArn)
		require.Equal(t, "successful", *conn.Status)
		require.Nil(t, conn.LastFailureMessage)

		conn = testConnection(t, *down.EndpointArn)
		require.Equal(t, "failed", *conn.Status)
		require.Contains(t, *conn.LastFailureMessage, `postgres source: connect to 127.0.0.1:`)

		conn = testConnection(t, *testDecoding.EndpointArn)
		require.Equal(t, "failed", *conn.Status)
		require.Equal(t, pluginRefused, *conn.LastFailureMessage)

		conn = testConnection(t, *named.EndpointArn)
		require.Equal(t, "failed", *conn.Status, "pglogical is refused too")
		require.Equal(t, `postgres source: PluginName "pglogical" is not supported: only pgoutput is`, *conn.LastFailureMessage)
	})

	t.Run("test-decoding fails the task at start", func(t *testing.T) {
		p := &pipeline{srv: srv, c: c, instance: inst, source: *testDecoding.EndpointArn, target: target, stream: stream}
		task := *p.createTask(t, "test-decoding", types.MigrationTypeValueCdc, selectTables("public", "%"), "").ReplicationTaskArn
		p.waitReady(t, task)
		p.start(t, task, types.StartReplicationTaskTypeValueStartReplication)
		var rt types.ReplicationTask
		require.Eventually(t, func() bool { rt = p.describe(t, task); return *rt.Status == "failed" }, waitLimit, 10*time.Millisecond)
		require.Contains(t, *rt.LastFailureMessage, pluginRefused)
		require.Equal(t, "Stop Reason FATAL_ERROR", *rt.StopReason)
		deleteTask(t, c, task)
	})

	t.Run("SlotName, CaptureDdls", func(t *testing.T) {
		// The named endpoint with pgoutput: its slot, no DDL capture.
		_, err := c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{
			EndpointArn: named.EndpointArn, PostgreSQLSettings: &types.PostgreSQLSettings{PluginName: types.PluginNameValueNoPreference},
		})
		require.NoError(t, err)
		conn := testConnection(t, *named.EndpointArn)
		require.Equal(t, "successful", *conn.Status)

		p := &pipeline{srv: srv, c: c, instance: inst, source: *named.EndpointArn, target: target, stream: stream}
		task := *p.createTask(t, "named-slot", types.MigrationTypeValueCdc, selectTables("public", "t"), "").ReplicationTaskArn
		p.waitReady(t, task)
		p.start(t, task, types.StartReplicationTaskTypeValueStartReplication)
		p.waitRunning(t, task)
		require.Equal(t, map[string]bool{"my_slot": true}, pgSlots(t, db))
		dmstest.PostgresExec(t, db, "ALTER TABLE t ADD COLUMN w INT", "INSERT INTO t VALUES (1, 'a', 2)")
		recs := decodeRecords(t, readStream(t, srv.KinesisClient(), stream, 3))
		require.Len(t, recs, 3, "no DDL capture: no record for the ALTER, whatever the target")
		require.Equal(t, "insert public.t public.t", recs[2].summary())
		require.Equal(t, map[string]any{"id": float64(1), "v": "a", "w": float64(2)}, recs[2].doc["data"])
		require.Equal(t, []string{"my_slot"}, pgPublications(t, db))
		require.False(t, pgExists(t, db, "SELECT to_regclass('public.awsdms_ddl_audit') IS NOT NULL"), "no DDL artifacts")
		require.False(t, pgExists(t, db, "SELECT EXISTS (SELECT 1 FROM pg_event_trigger)"), "no DDL artifacts")

		_, err = c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(task)})
		require.NoError(t, err)
		p.waitStopped(t, task)
		deleteTask(t, c, task)
		require.Empty(t, pgSlots(t, db))
		require.Empty(t, pgPublications(t, db))
	})
}

// ReloadTables on a running PostgreSQL full-load-and-cdc task, as
// TestReloadTables on MySQL: the engine loads the table from a temporary
// slot's snapshot while the task's slot streams, and holds back the
// changes that snapshot holds.
func TestPostgreSQLReloadTables(t *testing.T) {
	db := dmstest.Postgres(t)
	srv, c := newServer(t)
	stream := "dms-pg-reload"
	inst := *createInstance(t, c, "inst").ReplicationInstanceArn
	src := createPostgresEndpoint(t, c, "source", "postgres", pgConnOf(t, db), nil)
	p := &pipeline{srv: srv, c: c, instance: inst, source: *src.EndpointArn, stream: stream}
	p.target = *createKinesisEndpoint(t, c, "target", createStream(t, srv, stream)).EndpointArn
	dmstest.PostgresExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
		"CREATE TABLE u (id INT PRIMARY KEY)", "INSERT INTO u VALUES (1)")
	arn := *p.createTask(t, "reload", types.MigrationTypeValueFullLoadAndCdc, selectTables("public", "%"), "").ReplicationTaskArn
	p.waitReady(t, arn)
	p.start(t, arn, types.StartReplicationTaskTypeValueStartReplication)
	p.waitRunning(t, arn)
	waitRecords(t, p, 8) // apply exceptions, 2 drops, 2 creates, 3 loads
	dmstest.PostgresExec(t, db, "UPDATE t SET v = 'z' WHERE id = 1")
	waitRecords(t, p, 9)

	table := []types.TableToReload{{SchemaName: aws.String("public"), TableName: aws.String("t")}}
	out, err := c.ReloadTables(ctx(t), &dmsapi.ReloadTablesInput{ReplicationTaskArn: aws.String(arn), TablesToReload: table})
	require.NoError(t, err)
	require.Equal(t, arn, *out.ReplicationTaskArn)
	waitRecords(t, p, 13)
	dmstest.PostgresExec(t, db, "INSERT INTO t VALUES (3, 'c')")
	recs := decodeRecords(t, readStream(t, srv.KinesisClient(), stream, 14))

	var got []string
	for _, r := range recs[8:] {
		md := r.doc["metadata"].(map[string]any)
		data, _ := r.doc["data"].(map[string]any)
		got = append(got, fmt.Sprint(md["operation"], " ", md["table-name"], " ", data["id"], " ", data["v"]))
	}
	require.Len(t, got, 6)
	require.Equal(t, []string{"update t 1 z", "drop-table t <nil> <nil>", "create-table t <nil> <nil>"}, got[:3])
	require.ElementsMatch(t, []string{"load t 1 z", "load t 2 b"}, got[3:5], "the rows in heap order: the updated one moved")
	require.Equal(t, "insert t 3 c", got[5], "the later insert, once")

	requireTReloaded(t, c, arn)
	// The reload's temporary slot is gone; the task's stays.
	require.Equal(t, map[string]bool{slotOf(arn): true}, pgSlots(t, db))

	_, err = c.StopReplicationTask(ctx(t), &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: aws.String(arn)})
	require.NoError(t, err)
	p.waitStopped(t, arn)
	require.Len(t, srv.Kinesis().Records(stream), 14)
	deleteTask(t, c, arn)
	require.Empty(t, pgSlots(t, db))
}
