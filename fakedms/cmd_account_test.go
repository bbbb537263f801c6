package fakedms_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"
)

func TestDescribeAccountAttributes(t *testing.T) {
	_, c := newServer(t)
	createInstance(t, c, "one")
	createKinesisEndpoint(t, c, "k", "arn:aws:kinesis:us-east-1:000000000000:stream/s")
	out, err := c.DescribeAccountAttributes(ctx(t), &dmsapi.DescribeAccountAttributesInput{})
	require.NoError(t, err)
	require.Equal(t, []types.AccountQuota{
		{AccountQuotaName: aws.String("ReplicationInstances"), Max: 60, Used: 1},
		{AccountQuotaName: aws.String("AllocatedStorage"), Max: 30000, Used: 50},
		{AccountQuotaName: aws.String("Endpoints"), Max: 1000, Used: 1},
		{AccountQuotaName: aws.String("ReplicationTasks"), Max: 600, Used: 0},
		{AccountQuotaName: aws.String("ReplicationSubnetGroups"), Max: 60, Used: 0},
		{AccountQuotaName: aws.String("EventSubscriptions"), Max: 60, Used: 0},
		{AccountQuotaName: aws.String("Certificates"), Max: 100, Used: 0},
	}, out.AccountQuotas)
	require.Regexp(t, `^c[0-9a-f]{11}$`, *out.UniqueAccountIdentifier)
}
