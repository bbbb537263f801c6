package fakedms_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

func TestCreateEndpoint(t *testing.T) {
	_, c := newServer(t)
	src := createMySQLEndpoint(t, c, "src", "db.example", 3307, "admin", "s3cret")
	require.Regexp(t, regexp.MustCompile(`^arn:aws:dms:us-east-1:000000000000:endpoint:[A-Z2-7]{26}$`), *src.EndpointArn)
	require.Equal(t, types.ReplicationEndpointTypeValue("SOURCE"), src.EndpointType)
	require.Equal(t, "mariadb", *src.EngineName)
	require.Equal(t, "MariaDB", *src.EngineDisplayName)
	require.Equal(t, "active", *src.Status)
	require.Equal(t, types.DmsSslModeValueNone, src.SslMode)
	require.Equal(t, &types.MySQLSettings{ServerName: aws.String("db.example"), Port: aws.Int32(3307), Username: aws.String("admin")}, src.MySQLSettings)

	dst := createKinesisEndpoint(t, c, "dst", "arn:aws:kinesis:us-east-1:000000000000:stream/s")
	require.Equal(t, &types.KinesisSettings{
		StreamArn:                   aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s"),
		MessageFormat:               types.MessageFormatValueJson,
		ServiceAccessRoleArn:        aws.String("arn:aws:iam::000000000000:role/dms"),
		IncludeTransactionDetails:   aws.Bool(false),
		IncludePartitionValue:       aws.Bool(false),
		PartitionIncludeSchemaTable: aws.Bool(false),
		IncludeTableAlterOperations: aws.Bool(false),
		IncludeControlDetails:       aws.Bool(false),
		IncludeNullAndEmpty:         aws.Bool(false),
		NoHexPrefix:                 aws.Bool(false),
		UseLargeIntegerValue:        aws.Bool(false),
	}, dst.KinesisSettings)
	require.Equal(t, "Amazon Kinesis", *dst.EngineDisplayName)
}

func TestPasswordsNeverReturned(t *testing.T) {
	_, c := newServer(t)
	out, err := c.CreateEndpoint(ctx(t), &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("secret"),
		EndpointType:       types.ReplicationEndpointTypeValueSource,
		EngineName:         aws.String("mysql"),
		ServerName:         aws.String("h"),
		Password:           aws.String("top"),
		MySQLSettings:      &types.MySQLSettings{Password: aws.String("also-top"), Username: aws.String("u")},
	})
	require.NoError(t, err)
	require.Nil(t, out.Endpoint.MySQLSettings.Password)
	desc, err := c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{})
	require.NoError(t, err)
	require.Nil(t, desc.Endpoints[0].MySQLSettings.Password)
	require.Equal(t, "u", *desc.Endpoints[0].MySQLSettings.Username)
}

func TestCreateEndpointFaults(t *testing.T) {
	_, c := newServer(t)
	createKinesisEndpoint(t, c, "taken", "arn:aws:kinesis:us-east-1:000000000000:stream/s")
	for _, tc := range []struct {
		name    string
		in      *dmsapi.CreateEndpointInput
		code    string
		message string
	}{
		{"duplicate", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("Taken"), EndpointType: "source", EngineName: aws.String("mysql"), ServerName: aws.String("h")},
			"ResourceAlreadyExistsFault", "Endpoint Taken already exists"},
		{"invalid identifier", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("-x"), EndpointType: "source", EngineName: aws.String("mysql")},
			"InvalidParameterValueException", ""},
		{"unknown engine", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("o"), EndpointType: "source", EngineName: aws.String("oracle")},
			"InvalidParameterValueException", "Engine name oracle is not supported by fakedms (supported: aurora, aurora-postgresql, dynamodb, kafka, kinesis, mariadb, mysql, postgres, s3)"},
		{"kinesis source", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("k"), EndpointType: "source", EngineName: aws.String("kinesis")},
			"InvalidParameterValueException", "Engine kinesis cannot be used as a source endpoint"},
		{"kinesis without stream", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("k"), EndpointType: "target", EngineName: aws.String("kinesis")},
			"InvalidParameterValueException", "KinesisSettings.StreamArn is required for a kinesis endpoint"},
		{"kinesis bad stream arn", &dmsapi.CreateEndpointInput{EndpointIdentifier: aws.String("k"), EndpointType: "target", EngineName: aws.String("kinesis"), KinesisSettings: &types.KinesisSettings{StreamArn: aws.String("stream")}},
			"InvalidParameterValueException", `Invalid KinesisSettings: StreamArn "stream" is not a Kinesis stream ARN`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateEndpoint(ctx(t), tc.in)
			requireAPIError(t, err, tc.code, tc.message)
		})
	}
}

func TestDescribeModifyDeleteEndpoint(t *testing.T) {
	_, c := newServer(t, fakedms.WithStateDelay(50*time.Millisecond))
	src := createMySQLEndpoint(t, c, "src", "h", 3306, "u", "p")
	dst := createKinesisEndpoint(t, c, "dst", "arn:aws:kinesis:us-east-1:000000000000:stream/s")
	for _, tc := range []struct {
		filter, value string
		want          []string
	}{
		{"endpoint-type", "source", []string{"src"}},
		{"endpoint-type", "TARGET", []string{"dst"}},
		{"engine-name", "kinesis", []string{"dst"}},
		{"endpoint-id", "src", []string{"src"}},
		{"endpoint-arn", *dst.EndpointArn, []string{"dst"}},
	} {
		t.Run(tc.filter+"="+tc.value, func(t *testing.T) {
			out, err := c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{Filters: []types.Filter{{Name: aws.String(tc.filter), Values: []string{tc.value}}}})
			require.NoError(t, err)
			var got []string
			for _, e := range out.Endpoints {
				got = append(got, *e.EndpointIdentifier)
			}
			require.Equal(t, tc.want, got)
		})
	}
	_, err := c.DescribeEndpoints(ctx(t), &dmsapi.DescribeEndpointsInput{Filters: []types.Filter{{Name: aws.String("endpoint-id"), Values: []string{"none"}}}})
	requireAPIError(t, err, "ResourceNotFoundFault", "No Endpoints found matching provided filters")

	// Settings merge member by member unless ExactSettings.
	mod, err := c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{
		EndpointArn:     dst.EndpointArn,
		KinesisSettings: &types.KinesisSettings{IncludeControlDetails: aws.Bool(true)},
	})
	require.NoError(t, err)
	require.True(t, *mod.Endpoint.KinesisSettings.IncludeControlDetails)
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/s", *mod.Endpoint.KinesisSettings.StreamArn)
	_, err = c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{
		EndpointArn:     dst.EndpointArn,
		ExactSettings:   aws.Bool(true),
		KinesisSettings: &types.KinesisSettings{IncludeControlDetails: aws.Bool(true)},
	})
	requireAPIError(t, err, "InvalidParameterValueException", "KinesisSettings.StreamArn is required for a kinesis endpoint")
	mod, err = c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{EndpointArn: src.EndpointArn, ServerName: aws.String("other"), EndpointIdentifier: aws.String("src2")})
	require.NoError(t, err)
	require.Equal(t, "src2", *mod.Endpoint.EndpointIdentifier)
	require.Equal(t, "other", *mod.Endpoint.ServerName)

	del, err := c.DeleteEndpoint(ctx(t), &dmsapi.DeleteEndpointInput{EndpointArn: src.EndpointArn})
	require.NoError(t, err)
	require.Equal(t, "deleting", *del.Endpoint.Status)
	w := dmsapi.NewEndpointDeletedWaiter(c, func(o *dmsapi.EndpointDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), &dmsapi.DescribeEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{*src.EndpointArn}}},
	}, waitLimit))
	_, err = c.ModifyEndpoint(ctx(t), &dmsapi.ModifyEndpointInput{EndpointArn: src.EndpointArn, ServerName: aws.String("x")})
	requireAPIError(t, err, "ResourceNotFoundFault", "Endpoint "+*src.EndpointArn+" not found")
}

func TestDescribeEndpointTypesAndSettings(t *testing.T) {
	_, c := newServer(t)
	out, err := c.DescribeEndpointTypes(ctx(t), &dmsapi.DescribeEndpointTypesInput{
		Filters: []types.Filter{{Name: aws.String("engine-name"), Values: []string{"kinesis"}}},
	})
	require.NoError(t, err)
	require.Equal(t, []types.SupportedEndpointType{{
		EndpointType:                            types.ReplicationEndpointTypeValueTarget,
		EngineDisplayName:                       aws.String("Amazon Kinesis"),
		EngineName:                              aws.String("kinesis"),
		ReplicationInstanceEngineMinimumVersion: aws.String("3.1.3"),
		SupportsCDC:                             true,
	}}, out.SupportedEndpointTypes)
	all, err := c.DescribeEndpointTypes(ctx(t), &dmsapi.DescribeEndpointTypesInput{
		Filters: []types.Filter{{Name: aws.String("endpoint-type"), Values: []string{"source"}}},
	})
	require.NoError(t, err)
	require.Len(t, all.SupportedEndpointTypes, 6)

	st, err := c.DescribeEndpointSettings(ctx(t), &dmsapi.DescribeEndpointSettingsInput{EngineName: aws.String("kinesis")})
	require.NoError(t, err)
	require.Len(t, st.EndpointSettings, 9)
	require.Equal(t, "messageFormat", *st.EndpointSettings[0].Name)
	require.Equal(t, []string{"json", "json-unformatted"}, st.EndpointSettings[0].EnumValues)
	for engine, want := range map[string][]string{
		"postgres": {"captureDDLs", "ddlArtifactsSchema", "heartbeatEnable", "heartbeatFrequency", "pluginName", "slotName"},
		"s3":       {"bucketFolder", "bucketName", "cdcPath", "csvDelimiter", "csvNullValue", "csvRowDelimiter", "ignoreHeaderRows", "rfc4180"},
	} {
		out, err := c.DescribeEndpointSettings(ctx(t), &dmsapi.DescribeEndpointSettingsInput{EngineName: aws.String(engine)})
		require.NoError(t, err)
		var names []string
		for _, s := range out.EndpointSettings {
			names = append(names, *s.Name)
		}
		require.Equal(t, want, names, engine)
	}
	none, err := c.DescribeEndpointSettings(ctx(t), &dmsapi.DescribeEndpointSettingsInput{EngineName: aws.String("db2")})
	require.NoError(t, err)
	require.Empty(t, none.EndpointSettings)
}
