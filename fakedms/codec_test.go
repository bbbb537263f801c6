package fakedms_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
)

// TestCodecRoundTrip sends timestamps, enums, nested settings, lists and
// booleans through the real SDK and reads them back.
func TestCodecRoundTrip(t *testing.T) {
	clock := time.Date(2026, 5, 23, 19, 17, 33, 126e6, time.UTC)
	srv, c := newServer(t, fakedms.WithClock(func() time.Time { return clock }))
	in := &dmsapi.CreateEndpointInput{
		EndpointIdentifier: aws.String("round-trip"),
		EndpointType:       types.ReplicationEndpointTypeValueTarget,
		EngineName:         aws.String("kinesis"),
		SslMode:            types.DmsSslModeValueRequire,
		KinesisSettings: &types.KinesisSettings{
			StreamArn:                   aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/rt"),
			MessageFormat:               types.MessageFormatValueJsonUnformatted,
			IncludeControlDetails:       aws.Bool(true),
			PartitionIncludeSchemaTable: aws.Bool(true),
		},
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	}
	out, err := c.CreateEndpoint(ctx(t), in)
	require.NoError(t, err)
	require.Equal(t, types.DmsSslModeValueRequire, out.Endpoint.SslMode)
	require.Equal(t, types.MessageFormatValueJsonUnformatted, out.Endpoint.KinesisSettings.MessageFormat)
	require.True(t, *out.Endpoint.KinesisSettings.IncludeControlDetails)
	require.False(t, *out.Endpoint.KinesisSettings.IncludeNullAndEmpty)

	ri := createInstance(t, c, "clock")
	require.Equal(t, clock, ri.InstanceCreateTime.UTC(), "millisecond timestamps survive")

	events, err := c.DescribeEvents(ctx(t), &dmsapi.DescribeEventsInput{StartTime: aws.Time(clock.Add(-time.Millisecond)), EndTime: aws.Time(clock.Add(time.Millisecond))})
	require.NoError(t, err)
	require.Len(t, events.Events, 1)
	require.Equal(t, clock, events.Events[0].Date.UTC())
	_ = srv
}
