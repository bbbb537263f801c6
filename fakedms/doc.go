// Package fakedms is a local stand-in for the AWS Database Migration
// Service API that really replicates: the unmodified AWS SDKs (and the AWS
// CLI, boto3, …) create replication instances, endpoints and tasks, and the
// tasks run on minidms's engine (package dms), reading MySQL or MariaDB
// (source/mysql), PostgreSQL (source/postgres) or CSV files in S3
// (source/s3) and writing the records AWS DMS writes to Kinesis
// (target/kinesis). The built-in Kinesis (fakedms/fakekinesis) and S3
// (fakedms/fakes3) are served on the same endpoint, so one URL is all a
// test needs.
//
//	srv := fakedms.NewServer(
//		fakedms.WithSourceEngine(mysqlengine.Source()),    // mysql, mariadb, aurora
//		fakedms.WithSourceEngine(postgresengine.Source()), // postgres, aurora-postgresql
//	)
//	defer srv.Close()
//	client := srv.DMSClient()         // *databasemigrationservice.Client
//	kc := srv.KinesisClient()         // the built-in Kinesis
//	sc := srv.S3Client()              // the built-in S3, path-style
//	cfg := srv.AWSConfig()            // region, static credentials, BaseEndpoint
//
// fakedms translates API calls into engine calls and engine state into API
// shapes; it holds no replication logic. The resource model is the SDK's
// own service/databasemigrationservice/types, rendered by one reflective
// awsJson 1.1 codec (epoch-second timestamps, nil members omitted); errors
// are the SDK's fault types (ResourceNotFoundFault, …) or
// InvalidParameterValueException, rendered with X-Amzn-ErrorType and
// {"__type","message"}. An operation fakedms does not serve fails with
// UnknownOperationException naming it. The README lists the operations.
//
// # Lifecycle and waiters
//
// A created task is "creating" in the response and "ready" once the state
// delay (WithStateDelay, default 0) has passed; instances become
// "available", endpoints are "active" at once. StartReplicationTask
// answers "starting", as AWS does, and returns once the engine has opened
// its source (at most five seconds), so describes after it see "running"
// (or, for a full load already done, "stopped"): the SDK's
// ReplicationTaskStopped waiter, which fails on "starting", can follow a
// start, and the Running waiter sees a CDC task running only once its
// change stream is open, so no change made after the waiter returns is
// missed. StopReplicationTask answers "stopping" and the task is "stopped"
// (Stop Reason NORMAL) once everything read has been written. Deletes
// answer "deleting"; the resource disappears after the state delay. A
// started task never goes back to "ready". Every SDK waiter
// (ReplicationTaskReady/Running/Stopped/Deleted,
// ReplicationInstanceAvailable/Deleted, EndpointDeleted,
// TestConnectionSucceeds) therefore succeeds; give them
// MinDelay/MaxDelay of a few milliseconds instead of the 15 s default.
// (With a state delay, a modified task is "modifying" for that long, which
// the Ready and Stopped waiters treat as failure, as on AWS.)
//
// StartReplicationTaskType follows AWS: start-replication only for a task
// that never ran (InvalidParameterCombinationException "Start Type :
// START_REPLICATION, valid only for tasks running for the first time"
// otherwise); resume-processing continues after the checkpoint;
// reload-target loads everything again. Resuming or reloading a task that
// never ran starts it. RecoveryCheckpoint wraps the engine's source
// position as checkpoint:V1#1#<position>#0#0#*#0#0, and a CdcStartPosition
// in that form, or a native position (mysql-bin.000002:4), is where CDC
// starts. CdcStartTime, and a date given as CdcStartPosition (UTC), start
// CDC with the first transaction committed at or after that second: a
// MySQL or MariaDB source finds it in its binary logs (the oldest still on
// the server, when the time is older); PostgreSQL and S3 sources cannot
// look a time up and start from now, with a warning logged.
//
// The engine task is built at the first start, from the endpoints as they
// are then, and built again at a start after ModifyReplicationTask or
// ModifyEndpoint, keeping the checkpoint and the statistics: a resumed
// full load loads the tables it had not completed, a resumed
// full-load-and-cdc task whose load had not finished loads every table
// again (its new snapshot is later than the completed tables' one).
//
// # Endpoints
//
// S3 source endpoints and Kinesis target endpoints are built in. Database
// source endpoints are replicated from by the source engines the server
// is given with WithSourceEngine: fakedms/mysqlengine (EngineName mysql,
// mariadb and aurora, source/mysql) and fakedms/postgresengine (postgres
// and aurora-postgresql, source/postgres), whose package documentation
// says which endpoint settings apply; they are packages of their own so
// that a program links only the database clients it uses (a first build
// of one without the MySQL engine skips the TiDB SQL parser). A server
// without the engine still creates such endpoints, as AWS does, and fails
// their connection test and their tasks' start with a message naming the
// option. DeleteReplicationTask drops a task's PostgreSQL replication slot
// and publication, as AWS DMS drops a task's slot (through an optional
// DropSlot(ctx) error method of the source, so fakedms stays
// source-agnostic); a failure to drop is logged, not returned. Only
// pgoutput decodes: PluginName test-decoding and pglogical are accepted by
// CreateEndpoint and refused with the source's error by TestConnection and
// at the task's start (the task fails with it as LastFailureMessage),
// where AWS would use them. boolean columns are the DMS BOOLEAN type (JSON
// true/false on Kinesis), where AWS uses CHAR(5) "true"/"false" unless
// MapBooleanAsBoolean.
//
// EngineName s3 source endpoints are source/s3 on S3Settings (BucketName,
// BucketFolder, CdcPath, ExternalTableDefinition — or the top-level
// ExternalTableDefinition of CreateEndpoint —, CsvDelimiter,
// CsvRowDelimiter, IgnoreHeaderRows, Rfc4180, CsvNullValue,
// ExpectedBucketOwner), validated by CreateEndpoint and ModifyEndpoint
// with source/s3's messages (InvalidParameterValueException). They read
// the built-in S3 in process, which serves every request without
// X-Amz-Target that is not an awsJson call and that nothing else claims
// (path-style; srv.S3Client is set up so), or the S3 API given by
// WithS3Endpoint, when the built-in one is not served. A CDC task lists its
// CdcPath every 100 ms on the built-in S3, every second on another.
//
// Kinesis target endpoints write to KinesisSettings.StreamArn on the
// built-in Kinesis, or on the Kinesis API given by WithKinesisEndpoint.
// TestConnection really connects: the MySQL source's Check (which also
// checks the binlog settings CDC needs), the PostgreSQL source's Check
// (wal_level, REPLICATION, a free slot, the plugin), HeadBucket of an S3
// source's bucket, DescribeStreamSummary of the target stream.
//
// # DMS Serverless
//
// Replication configs (CreateReplicationConfig, …) and their replications
// (StartReplication, DescribeReplications, …) run an engine task built and
// started by the same code as a replication task's, with the serverless
// task id serv-res-id-<epoch ms>-<letters> that AWS puts in control
// records' partition keys. A replication passes through AWS's statuses
// (initializing, preparing_metadata_resources, testing_connection, where
// both endpoints are really tested, fetching_metadata,
// calculating_capacity, provisioning_capacity, replication_starting, where
// the engine task starts, running, stopping, stopped, or failed with
// FailureMessages), each lasting at least WithServerlessStateDelay
// (default 0). After it stops it keeps its capacity for
// WithDeprovisioningDelay (default 60 s, as LocalStack), then is
// deprovisioned, which deletes its table statistics. ProvisionState is
// provisioning, provisioned, deprovisioning and deprovisioned: only the
// last is documented, the others are this package's choice, as is
// ProvisionedCapacityUnits = MaxCapacityUnits. Delays are measured on the
// server's clock (WithClock), which the replication's driver looks at
// every 10 ms, so a test can move a clock of its own instead of sleeping.
//
// # Choices where AWS is not documented
//
// Messages of faults AWS documents but whose text no public source shows
// are this package's own, in AWS's style; the README marks them. The
// ReplicationEngineType ids in the "endpoint must be of type SOURCE"
// message are AWS's only for kinesis (47). Pagination markers are offsets.
//
// # Resource browser
//
// Under /_minidms/ the handler serves web pages (package
// fakedms/browser) to see and manage instances, endpoints, tasks,
// serverless replications and the built-in Kinesis's records. They are
// made of DMS API calls through this handler, so they show exactly what the
// API answers.
//
// # Test helpers
//
// [Handler.SetError] and [WithError] make an operation fail;
// [Handler.EngineTask] gives a task's engine task; [Handler.Kinesis] gives
// the built-in Kinesis, whose Records reads a stream without the protocol;
// [Handler.S3] gives the built-in S3, whose CreateBucket and PutObject seed
// it without the protocol.
// [NewHandler] serves without a listener (fakedms/cmd/fakedms uses [Open],
// its error-returning form). [WithService] mounts another API on the same
// endpoint.
//
// # Persistence
//
// Everything is in memory unless [WithDataDir] names a directory: the
// server then keeps its resources, task statuses and checkpoints there (a
// versioned JSON document, written atomically before each state-changing
// call is answered and at most every 150 ms while tasks run) and loads
// them at start; [Open] and [OpenServer] return the error of a state file
// they cannot load. A task that was running when the process died comes
// back stopped with its RecoveryCheckpoint, and resume-processing
// continues after it. The built-in Kinesis and S3 are not kept.
package fakedms
