package fakedms_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"
)

func TestReplicationSubnetGroups(t *testing.T) {
	_, c := newServer(t)
	out, err := c.CreateReplicationSubnetGroup(ctx(t), &dmsapi.CreateReplicationSubnetGroupInput{
		ReplicationSubnetGroupIdentifier:  aws.String("My-Group"),
		ReplicationSubnetGroupDescription: aws.String("two subnets"),
		SubnetIds:                         []string{"subnet-aaaa", "subnet-bbbb"},
	})
	require.NoError(t, err)
	g := out.ReplicationSubnetGroup
	require.Equal(t, "my-group", *g.ReplicationSubnetGroupIdentifier)
	require.Equal(t, "Complete", *g.SubnetGroupStatus)
	require.Len(t, g.Subnets, 2)
	require.Equal(t, "us-east-1a", *g.Subnets[0].SubnetAvailabilityZone.Name)
	require.Equal(t, "us-east-1b", *g.Subnets[1].SubnetAvailabilityZone.Name)
	require.Equal(t, "Active", *g.Subnets[1].SubnetStatus)

	for _, tc := range []struct {
		name    string
		in      *dmsapi.CreateReplicationSubnetGroupInput
		code    string
		message string
	}{
		{"duplicate", &dmsapi.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("my-group"), ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1", "subnet-2"}},
			"ResourceAlreadyExistsFault", "The Replication Subnet Group already exists"},
		{"one AZ", &dmsapi.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("g2"), ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1"}},
			"ReplicationSubnetGroupDoesNotCoverEnoughAZs", "The Replication Subnet Group does not cover enough Availability Zones (AZs). Add subnets in at least two AZs."},
		{"bad subnet", &dmsapi.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("g3"), ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1", "sn-2"}},
			"InvalidSubnet", "The subnet sn-2 is not valid: subnet ids look like subnet-0123abcd."},
		{"named default", &dmsapi.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("default"), ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-1", "subnet-2"}},
			"InvalidParameterValueException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateReplicationSubnetGroup(ctx(t), tc.in)
			requireAPIError(t, err, tc.code, tc.message)
		})
	}

	mod, err := c.ModifyReplicationSubnetGroup(ctx(t), &dmsapi.ModifyReplicationSubnetGroupInput{
		ReplicationSubnetGroupIdentifier: aws.String("my-group"),
		SubnetIds:                        []string{"subnet-aaaa", "subnet-bbbb", "subnet-cccc"},
	})
	require.NoError(t, err)
	require.Len(t, mod.ReplicationSubnetGroup.Subnets, 3)
	require.Equal(t, "two subnets", *mod.ReplicationSubnetGroup.ReplicationSubnetGroupDescription)

	// An instance in the group keeps it from being deleted.
	ri, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier:    aws.String("in-group"),
		ReplicationInstanceClass:         aws.String("dms.t3.micro"),
		ReplicationSubnetGroupIdentifier: aws.String("my-group"),
	})
	require.NoError(t, err)
	require.Equal(t, "my-group", *ri.ReplicationInstance.ReplicationSubnetGroup.ReplicationSubnetGroupIdentifier)
	_, err = c.DeleteReplicationSubnetGroup(ctx(t), &dmsapi.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("my-group")})
	requireAPIError(t, err, "InvalidResourceStateFault", "Replication Subnet Group my-group is in use by replication instance in-group")
	_, err = c.DeleteReplicationInstance(ctx(t), &dmsapi.DeleteReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstance.ReplicationInstanceArn})
	require.NoError(t, err)

	desc, err := c.DescribeReplicationSubnetGroups(ctx(t), &dmsapi.DescribeReplicationSubnetGroupsInput{
		Filters: []types.Filter{{Name: aws.String("replication-subnet-group-id"), Values: []string{"my-group"}}},
	})
	require.NoError(t, err)
	require.Len(t, desc.ReplicationSubnetGroups, 1)

	_, err = c.DeleteReplicationSubnetGroup(ctx(t), &dmsapi.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("my-group")})
	require.NoError(t, err)
	_, err = c.DescribeReplicationSubnetGroups(ctx(t), &dmsapi.DescribeReplicationSubnetGroupsInput{})
	requireAPIError(t, err, "ResourceNotFoundFault", "No replication subnet groups found matching provided filters")
	_, err = c.DeleteReplicationSubnetGroup(ctx(t), &dmsapi.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("my-group")})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Subnet Group my-group not found")
	_, err = c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier:    aws.String("no-group"),
		ReplicationInstanceClass:         aws.String("dms.t3.micro"),
		ReplicationSubnetGroupIdentifier: aws.String("my-group"),
	})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Subnet Group my-group not found")
}
