package fakedms_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"
)

func TestTags(t *testing.T) {
	_, c := newServer(t)
	out, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("tagged"),
		ReplicationInstanceClass:      aws.String("dms.t3.micro"),
		Tags:                          []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	})
	require.NoError(t, err)
	arn := out.ReplicationInstance.ReplicationInstanceArn
	ep := createKinesisEndpoint(t, c, "k", "arn:aws:kinesis:us-east-1:000000000000:stream/s")

	_, err = c.AddTagsToResource(ctx(t), &dmsapi.AddTagsToResourceInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("platform")},
		{Key: aws.String("env"), Value: aws.String("test")},
	}})
	require.NoError(t, err)
	_, err = c.AddTagsToResource(ctx(t), &dmsapi.AddTagsToResourceInput{ResourceArn: ep.EndpointArn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	require.NoError(t, err)
	list, err := c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArn: arn})
	require.NoError(t, err)
	require.Equal(t, []types.Tag{
		{Key: aws.String("team"), Value: aws.String("platform"), ResourceArn: arn},
		{Key: aws.String("env"), Value: aws.String("test"), ResourceArn: arn},
	}, list.TagList)

	_, err = c.RemoveTagsFromResource(ctx(t), &dmsapi.RemoveTagsFromResourceInput{ResourceArn: arn, TagKeys: []string{"team"}})
	require.NoError(t, err)
	list, err = c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArnList: []string{*arn, *ep.EndpointArn}})
	require.NoError(t, err)
	require.Equal(t, []types.Tag{
		{Key: aws.String("env"), Value: aws.String("test"), ResourceArn: arn},
		{Key: aws.String("k"), Value: aws.String("v"), ResourceArn: ep.EndpointArn},
	}, list.TagList)

	unknown := aws.String("arn:aws:dms:us-east-1:000000000000:rep:NOPE")
	_, err = c.AddTagsToResource(ctx(t), &dmsapi.AddTagsToResourceInput{ResourceArn: unknown, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	requireAPIError(t, err, "ResourceNotFoundFault", "Resource arn:aws:dms:us-east-1:000000000000:rep:NOPE not found")
	_, err = c.ListTagsForResource(ctx(t), &dmsapi.ListTagsForResourceInput{ResourceArn: aws.String("not-an-arn")})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid ARN "not-an-arn"`)
	_, err = c.RemoveTagsFromResource(ctx(t), &dmsapi.RemoveTagsFromResourceInput{ResourceArn: unknown, TagKeys: []string{"a"}})
	requireAPIError(t, err, "ResourceNotFoundFault", "")
}
