package fakedms_test

import (
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

// testClock is a clock the test moves forward (fakedms.WithClock).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2024, 7, 30, 17, 52, 51, 936e6, time.UTC)}
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func configInput(id, source, target string, rt types.MigrationTypeValue, mappings string) *dmsapi.CreateReplicationConfigInput {
	return &dmsapi.CreateReplicationConfigInput{
		ReplicationConfigIdentifier: aws.String(id),
		SourceEndpointArn:           aws.String(source),
		TargetEndpointArn:           aws.String(target),
		ReplicationType:             rt,
		TableMappings:               aws.String(mappings),
		ComputeConfig:               &types.ComputeConfig{MaxCapacityUnits: aws.Int32(2), MinCapacityUnits: aws.Int32(1)},
	}
}

func createConfig(t *testing.T, c *dmsapi.Client, in *dmsapi.CreateReplicationConfigInput) *types.ReplicationConfig {
	t.Helper()
	out, err := c.CreateReplicationConfig(ctx(t), in)
	require.NoError(t, err)
	return out.ReplicationConfig
}

func configFilter(arn string) []types.Filter {
	return []types.Filter{{Name: aws.String("replication-config-arn"), Values: []string{arn}}}
}

func describeReplication(t *testing.T, c *dmsapi.Client, arn string) types.Replication {
	t.Helper()
	out, err := c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: configFilter(arn)})
	require.NoError(t, err)
	require.Len(t, out.Replications, 1)
	return out.Replications[0]
}

// waitReplication polls DescribeReplications until cond holds.
func waitReplication(t *testing.T, c *dmsapi.Client, arn string, what string, cond func(types.Replication) bool) types.Replication {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		r := describeReplication(t, c, arn)
		if cond(r) {
			return r
		}
		require.True(t, time.Now().Before(deadline), "waiting for %s: status %s, provision state %s, failures %v",
			what, aws.ToString(r.Status), aws.ToString(r.ProvisionData.ProvisionState), r.FailureMessages)
		time.Sleep(5 * time.Millisecond) // polling, bounded by the deadline
	}
}

func status(want string) func(types.Replication) bool {
	return func(r types.Replication) bool { return aws.ToString(r.Status) == want }
}

// serverlessEndpoints makes a MariaDB source endpoint (not connected to
// until a replication starts) and a Kinesis target endpoint.
func serverlessEndpoints(t *testing.T, srv *fakedms.Server, c *dmsapi.Client) (string, string) {
	t.Helper()
	src := *createMySQLEndpoint(t, c, "source", "127.0.0.1", 1, "u", "p").EndpointArn
	dst := *createKinesisEndpoint(t, c, "target", createStream(t, srv, "serverless")).EndpointArn
	return src, dst
}

func TestCreateReplicationConfigValidation(t *testing.T) {
	srv, c := newServer(t)
	src, dst := serverlessEndpoints(t, srv, c)
	mappings := selectTables("data", "%")
	for _, tc := range []struct {
		name          string
		change        func(in *dmsapi.CreateReplicationConfigInput)
		code, message string
	}{
		{"empty compute config", func(in *dmsapi.CreateReplicationConfigInput) { in.ComputeConfig = &types.ComputeConfig{} },
			"InvalidParameterValueException", "The parameter ComputeConfig.MaxCapacityUnits must be provided."},
		{"min above max", func(in *dmsapi.CreateReplicationConfigInput) {
			in.ComputeConfig = &types.ComputeConfig{MaxCapacityUnits: aws.Int32(1), MinCapacityUnits: aws.Int32(2)}
		}, "InvalidParameterValueException", "ComputeConfig.MinCapacityUnits (2) must not be greater than ComputeConfig.MaxCapacityUnits (1)"},
		{"capacity not a DCU size", func(in *dmsapi.CreateReplicationConfigInput) { in.ComputeConfig.MaxCapacityUnits = aws.Int32(3) },
			"InvalidParameterValueException", "Invalid value 3 for ComputeConfig.MaxCapacityUnits: must be one of 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384"},
		{"replication type", func(in *dmsapi.CreateReplicationConfigInput) { in.ReplicationType = "full" },
			"InvalidParameterValueException", `Invalid value "full" for ReplicationType: must be one of full-load, cdc, full-load-and-cdc`},
		{"blank table mappings", func(in *dmsapi.CreateReplicationConfigInput) { in.TableMappings = aws.String("") },
			"InvalidParameterValueException", "The parameter TableMappings must be provided and must not be blank."},
		{"invalid mapping JSON", func(in *dmsapi.CreateReplicationConfigInput) { in.TableMappings = aws.String("{") },
			"InvalidParameterValueException", ""},
		{"unknown source", func(in *dmsapi.CreateReplicationConfigInput) {
			in.SourceEndpointArn = aws.String("arn:aws:dms:us-east-1:000000000000:endpoint:identifier")
		}, "ResourceNotFoundFault", "Endpoint arn:aws:dms:us-east-1:000000000000:endpoint:identifier not found"},
		{"swapped endpoints", func(in *dmsapi.CreateReplicationConfigInput) { in.SourceEndpointArn, in.TargetEndpointArn = &dst, &src },
			"InvalidParameterValueException", "ReplicationEngineType [id=47, name=kinesis, cdcSupported=Y, endpointType=TARGET, serviceType=AWS, externalName=Amazon Kinesis, rvn=1] endpoint must be of type SOURCE"},
		{"identifier", func(in *dmsapi.CreateReplicationConfigInput) { in.ReplicationConfigIdentifier = aws.String("1-config") },
			"InvalidParameterValueException", ""},
		{"settings", func(in *dmsapi.CreateReplicationConfigInput) { in.ReplicationSettings = aws.String("{") },
			"InvalidParameterValueException", "Invalid task settings JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := configInput("config", src, dst, types.MigrationTypeValueFullLoad, mappings)
			tc.change(in)
			_, err := c.CreateReplicationConfig(ctx(t), in)
			requireAPIError(t, err, tc.code, tc.message)
		})
	}

	// What the SDK does not let through: a missing ReplicationType.
	resp, body := post(t, srv.URL, "AmazonDMSv20160101.CreateReplicationConfig",
		`{"ReplicationConfigIdentifier":"c","SourceEndpointArn":"`+src+`","TargetEndpointArn":"`+dst+`","ComputeConfig":{"MaxCapacityUnits":1},"TableMappings":"{}"}`)
	require.Equal(t, 400, resp.StatusCode)
	require.JSONEq(t, `{"__type":"InvalidParameterValueException","message":"The parameter ReplicationType must be provided and must not be blank."}`, body)

	rc := createConfig(t, c, configInput("config", src, dst, types.MigrationTypeValueFullLoad, mappings))
	_, err := c.CreateReplicationConfig(ctx(t), configInput("Config", src, dst, types.MigrationTypeValueCdc, mappings))
	requireAPIError(t, err, "ResourceAlreadyExistsFault", "Replication Config Config already exists")
	require.NotEmpty(t, *rc.ReplicationConfigArn)
}

func TestReplicationConfigs(t *testing.T) {
	clock := newTestClock()
	srv, c := newServer(t, fakedms.WithClock(clock.now), fakedms.WithServerlessStateDelay(time.Second))
	src, dst := serverlessEndpoints(t, srv, c)
	mappings := selectTables("data", "%")

	in := configInput("my-config", src, dst, types.MigrationTypeValueFullLoad, mappings)
	in.ReplicationSettings = aws.String(`{"Logging":{"EnableLogging":true}}`)
	in.SupplementalSettings = aws.String(`{"note":"kept"}`)
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}
	rc := createConfig(t, c, in)
	arn := *rc.ReplicationConfigArn
	require.Regexp(t, regexp.MustCompile(`^arn:aws:dms:us-east-1:000000000000:replication-config:[A-Z2-7]{26}$`), arn)
	require.Equal(t, "my-config", *rc.ReplicationConfigIdentifier)
	require.Equal(t, src, *rc.SourceEndpointArn)
	require.Equal(t, dst, *rc.TargetEndpointArn)
	require.Equal(t, types.MigrationTypeValueFullLoad, rc.ReplicationType)
	require.Equal(t, mappings, *rc.TableMappings)
	require.Equal(t, int32(2), *rc.ComputeConfig.MaxCapacityUnits)
	require.Equal(t, int32(1), *rc.ComputeConfig.MinCapacityUnits)
	require.Contains(t, *rc.ReplicationSettings, `"EnableLogging":true`)
	require.Contains(t, *rc.ReplicationSettings, `"TargetTablePrepMode"`, "the full settings document")
	require.Equal(t, `{"note":"kept"}`, *rc.SupplementalSettings)
	require.Equal(t, clock.now(), *rc.ReplicationConfigCreateTime)
	require.False(t, *rc.IsReadOnly)

	tags, err := c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArn: &arn})
	require.NoError(t, err)
	require.Len(t, tags.TagList, 1)

	named := configInput("named", src, dst, types.MigrationTypeValueCdc, mappings)
	named.ResourceIdentifier = aws.String("my-resource")
	namedArn := *createConfig(t, c, named).ReplicationConfigArn
	require.Equal(t, "arn:aws:dms:us-east-1:000000000000:replication-config:my-resource", namedArn)

	// Describe: filters, faults, pagination.
	all, err := c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{})
	require.NoError(t, err)
	require.Len(t, all.ReplicationConfigs, 2)
	require.Equal(t, "my-config", *all.ReplicationConfigs[0].ReplicationConfigIdentifier)
	byID, err := c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{
		Filters: []types.Filter{{Name: aws.String("replication-config-id"), Values: []string{"named"}}},
	})
	require.NoError(t, err)
	require.Len(t, byID.ReplicationConfigs, 1)
	require.Equal(t, namedArn, *byID.ReplicationConfigs[0].ReplicationConfigArn)
	byArn, err := c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{Filters: configFilter(arn)})
	require.NoError(t, err)
	require.Equal(t, *rc, byArn.ReplicationConfigs[0])
	unknown := "arn:aws:dms:us-east-1:000000000000:replication-config:does-not-exist"
	_, err = c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{Filters: configFilter(unknown)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replication Configs found matching provided filters")
	badFilter := []types.Filter{{Name: aws.String("migration-type"), Values: []string{"full-load"}}}
	_, err = c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{Filters: badFilter})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid filter name "migration-type". Valid filter names: replication-config-arn, replication-config-id`)
	_, err = c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: badFilter})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid filter name "migration-type". Valid filter names: replication-config-arn, replication-config-id`)
	_, err = c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: configFilter(unknown)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replications found matching provided filters")
	_, err = c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{MaxRecords: aws.Int32(5)})
	requireAPIError(t, err, "InvalidParameterValueException", "Invalid value 5 for MaxRecords. Must be between 20 and 100")

	// A replication exists from the start, created.
	r := describeReplication(t, c, arn)
	require.Equal(t, "created", *r.Status)
	require.Equal(t, "my-config", *r.ReplicationConfigIdentifier)
	require.Equal(t, types.MigrationTypeValueFullLoad, r.ReplicationType)
	require.NotNil(t, r.ProvisionData)
	require.False(t, r.ProvisionData.IsNewProvisioningAvailable)
	require.Zero(t, r.ProvisionData.ProvisionedCapacityUnits)
	require.Nil(t, r.ProvisionData.ProvisionState)
	require.Empty(t, r.FailureMessages)
	require.Equal(t, types.ReplicationStats{}, *r.ReplicationStats)
	require.Nil(t, r.StopReason)

	// Table statistics: none before a run; faults.
	stats, err := c.DescribeReplicationTableStatistics(ctx(t), &dmsapi.DescribeReplicationTableStatisticsInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	require.Equal(t, arn, *stats.ReplicationConfigArn)
	require.Empty(t, stats.ReplicationTableStatistics)
	_, err = c.DescribeReplicationTableStatistics(ctx(t), &dmsapi.DescribeReplicationTableStatisticsInput{ReplicationConfigArn: aws.String(unknown)})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Config "+unknown+" not found")
	_, err = c.DescribeReplicationTableStatistics(ctx(t), &dmsapi.DescribeReplicationTableStatisticsInput{ReplicationConfigArn: aws.String("invalid-regexp-arn")})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid ARN "invalid-regexp-arn": want arn:aws:dms:<region>:<account>:replication-config:<id>`)
	_, err = c.DescribeReplicationTableStatistics(ctx(t), &dmsapi.DescribeReplicationTableStatisticsInput{
		ReplicationConfigArn: &arn, Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{"x"}}},
	})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid filter name "endpoint-arn". Valid filter names: schema-name, table-name, table-state`)

	// Calls that need a running replication, or a valid start.
	_, err = c.StopReplication(ctx(t), &dmsapi.StopReplicationInput{ReplicationConfigArn: &arn})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication my-config is not running (created)")
	_, err = c.ReloadReplicationTables(ctx(t), &dmsapi.ReloadReplicationTablesInput{
		ReplicationConfigArn: &arn, TablesToReload: []types.TableToReload{{SchemaName: aws.String("data"), TableName: aws.String("t")}},
	})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication my-config is not running (created)")
	_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: &arn, StartReplicationType: aws.String("go")})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid value "go" for StartReplicationType: must be one of start-replication, resume-processing, reload-target`)
	_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: &arn, StartReplicationType: aws.String("resume-processing")})
	requireAPIError(t, err, "InvalidParameterCombinationException", "Start Type : RESUME_PROCESSING, is not valid for full-load replications")
	_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{ReplicationConfigArn: aws.String(unknown), StartReplicationType: aws.String("start-replication")})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Config "+unknown+" not found")
	_, err = c.StartReplication(ctx(t), &dmsapi.StartReplicationInput{
		ReplicationConfigArn: &namedArn, StartReplicationType: aws.String("start-replication"),
		CdcStartPosition: aws.String("mysql-bin.000001:4"), CdcStartTime: aws.Time(time.Now()),
	})
	requireAPIError(t, err, "InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime are mutually exclusive: give only one")

	// Modify, allowed while created.
	clock.advance(time.Second)
	mod, err := c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{
		ReplicationConfigArn:        &arn,
		ReplicationConfigIdentifier: aws.String("renamed"),
		ComputeConfig:               &types.ComputeConfig{MaxCapacityUnits: aws.Int32(4)},
		ReplicationType:             types.MigrationTypeValueFullLoadAndCdc,
	})
	require.NoError(t, err)
	require.Equal(t, "renamed", *mod.ReplicationConfig.ReplicationConfigIdentifier)
	require.Equal(t, int32(4), *mod.ReplicationConfig.ComputeConfig.MaxCapacityUnits)
	require.Equal(t, types.MigrationTypeValueFullLoadAndCdc, mod.ReplicationConfig.ReplicationType)
	require.Equal(t, clock.now(), *mod.ReplicationConfig.ReplicationConfigUpdateTime)
	require.Equal(t, *rc.ReplicationConfigCreateTime, *mod.ReplicationConfig.ReplicationConfigCreateTime)
	_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{
		ReplicationConfigArn: &arn, ComputeConfig: &types.ComputeConfig{MaxCapacityUnits: aws.Int32(1), MinCapacityUnits: aws.Int32(4)},
	})
	requireAPIError(t, err, "InvalidParameterValueException", "ComputeConfig.MinCapacityUnits (4) must not be greater than ComputeConfig.MaxCapacityUnits (1)")
	_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{ReplicationConfigArn: &arn, ReplicationConfigIdentifier: aws.String("named")})
	requireAPIError(t, err, "ResourceAlreadyExistsFault", "Replication Config named already exists")
	_, err = c.ModifyReplicationConfig(ctx(t), &dmsapi.ModifyReplicationConfigInput{ReplicationConfigArn: aws.String(unknown)})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Config "+unknown+" not found")

	// Delete: unknown, then deleting for the state delay, then gone.
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: aws.String(unknown)})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Config "+unknown+" not found")
	del, err := c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	require.NoError(t, err)
	require.Equal(t, arn, *del.ReplicationConfig.ReplicationConfigArn)
	require.Equal(t, "deleting", *describeReplication(t, c, arn).Status)
	_, err = c.DeleteReplicationConfig(ctx(t), &dmsapi.DeleteReplicationConfigInput{ReplicationConfigArn: &arn})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Config renamed cannot be deleted while its replication is deleting")
	clock.advance(time.Second)
	_, err = c.DescribeReplications(ctx(t), &dmsapi.DescribeReplicationsInput{Filters: configFilter(arn)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replications found matching provided filters")
	_, err = c.DescribeReplicationConfigs(ctx(t), &dmsapi.DescribeReplicationConfigsInput{Filters: configFilter(arn)})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Replication Configs found matching provided filters")
	_, err = c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArn: &arn})
	requireAPIError(t, err, "ResourceNotFoundFault", "")
}

// An endpoint a replication config uses cannot be deleted, as for tasks.
func TestDeleteEndpointUsedByReplicationConfig(t *testing.T) {
	_, c := newServer(t)
	src := *createMySQLEndpoint(t, c, "src", "127.0.0.1", 3306, "u", "p").EndpointArn
	dst := *createKinesisEndpoint(t, c, "dst", "arn:aws:kinesis:us-east-1:000000000000:stream/s").EndpointArn
	createConfig(t, c, configInput("uses-them", src, dst, types.MigrationTypeValueCdc, selectAll))
	for arn, id := range map[string]string{src: "src", dst: "dst"} {
		_, err := c.DeleteEndpoint(ctx(t), &dmsapi.DeleteEndpointInput{EndpointArn: aws.String(arn)})
		requireAPIError(t, err, "InvalidResourceStateFault", "Endpoint "+id+" cannot be deleted: it is used by replication config uses-them")
	}
}
