package fakedms

// Replication subnet groups: Create/Describe/Modify/DeleteReplicationSubnetGroup.

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// subnets gives each subnet an availability zone, round robin over three
// zones of the region, so that two subnets cover the two zones AWS
// requires.
func (h *Handler) subnets(ids []string) []types.Subnet {
	var out []types.Subnet
	for i, id := range ids {
		out = append(out, types.Subnet{
			SubnetIdentifier:       aws.String(id),
			SubnetAvailabilityZone: &types.AvailabilityZone{Name: aws.String(h.cfg.region + string(rune('a'+i%3)))},
			SubnetStatus:           aws.String("Active"),
		})
	}
	return out
}

func validSubnetGroupName(name string) error {
	ok := name != "" && len(name) <= 255 && !strings.EqualFold(name, "default")
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ' '
	}
	if !ok {
		return invalidParam("The parameter ReplicationSubnetGroupIdentifier is not a valid identifier: it must contain no more than 255 alphanumeric characters, periods, spaces, underscores, or hyphens, and must not be \"default\".")
	}
	return nil
}

func checkSubnets(ids []string) error {
	if len(ids) == 0 {
		return invalidParam("The parameter SubnetIds must be provided and must not be empty.")
	}
	if len(ids) < 2 {
		return &types.ReplicationSubnetGroupDoesNotCoverEnoughAZs{Message: aws.String("The Replication Subnet Group does not cover enough Availability Zones (AZs). Add subnets in at least two AZs.")}
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "subnet-") {
			return &types.InvalidSubnet{Message: aws.String("The subnet " + id + " is not valid: subnet ids look like subnet-0123abcd.")}
		}
	}
	return nil
}

func (h *Handler) createReplicationSubnetGroup(_ context.Context, in *dmsapi.CreateReplicationSubnetGroupInput) (*dmsapi.CreateReplicationSubnetGroupOutput, error) {
	if err := required("ReplicationSubnetGroupIdentifier", in.ReplicationSubnetGroupIdentifier); err != nil {
		return nil, err
	}
	if err := required("ReplicationSubnetGroupDescription", in.ReplicationSubnetGroupDescription); err != nil {
		return nil, err
	}
	if err := validSubnetGroupName(*in.ReplicationSubnetGroupIdentifier); err != nil {
		return nil, err
	}
	if err := checkSubnets(in.SubnetIds); err != nil {
		return nil, err
	}
	name := strings.ToLower(*in.ReplicationSubnetGroupIdentifier)
	h.lock()
	defer h.unlock()
	arn := h.arn(arnSubnetGroup, name)
	if _, ok := h.st.subnetGroups[arn]; ok {
		return nil, alreadyExists(arn, "The Replication Subnet Group already exists")
	}
	g := types.ReplicationSubnetGroup{
		ReplicationSubnetGroupIdentifier:  aws.String(name),
		ReplicationSubnetGroupDescription: in.ReplicationSubnetGroupDescription,
		SubnetGroupStatus:                 aws.String("Complete"),
		Subnets:                           h.subnets(in.SubnetIds),
		SupportedNetworkTypes:             []string{"IPV4"},
		VpcId:                             aws.String("vpc-" + hexDigest(in.SubnetIds[0], 8)),
	}
	h.st.subnetGroups[arn] = &subnetGroup{arn: arn, g: g}
	h.setTagsLocked(arn, in.Tags)
	return &dmsapi.CreateReplicationSubnetGroupOutput{ReplicationSubnetGroup: &g}, nil
}

func (h *Handler) subnetGroupLocked(name *string) (*subnetGroup, error) {
	if err := required("ReplicationSubnetGroupIdentifier", name); err != nil {
		return nil, err
	}
	g, ok := h.st.subnetGroups[h.arn(arnSubnetGroup, strings.ToLower(*name))]
	if !ok {
		return nil, notFound("Replication Subnet Group %s not found", *name)
	}
	return g, nil
}

func subnetGroupFilters() filterFields[types.ReplicationSubnetGroup] {
	return filterFields[types.ReplicationSubnetGroup]{
		"replication-subnet-group-id": func(g types.ReplicationSubnetGroup) []string {
			return []string{aws.ToString(g.ReplicationSubnetGroupIdentifier)}
		},
	}
}

func (h *Handler) describeReplicationSubnetGroups(_ context.Context, in *dmsapi.DescribeReplicationSubnetGroupsInput) (*dmsapi.DescribeReplicationSubnetGroupsOutput, error) {
	h.lock()
	var all []types.ReplicationSubnetGroup
	for _, g := range sorted(h.st.subnetGroups) {
		all = append(all, g.g)
	}
	h.unlock()
	matched, err := subnetGroupFilters().match(all, in.Filters, true)
	if err != nil {
		return nil, err
	}
	if len(matched) == 0 {
		return nil, notFound("No replication subnet groups found matching provided filters")
	}
	pg, marker, err := page(matched, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationSubnetGroupsOutput{ReplicationSubnetGroups: pg, Marker: marker}, nil
}

func (h *Handler) modifyReplicationSubnetGroup(_ context.Context, in *dmsapi.ModifyReplicationSubnetGroupInput) (*dmsapi.ModifyReplicationSubnetGroupOutput, error) {
	if err := checkSubnets(in.SubnetIds); err != nil {
		return nil, err
	}
	h.lock()
	defer h.unlock()
	g, err := h.subnetGroupLocked(in.ReplicationSubnetGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if in.ReplicationSubnetGroupDescription != nil {
		g.g.ReplicationSubnetGroupDescription = in.ReplicationSubnetGroupDescription
	}
	g.g.Subnets = h.subnets(in.SubnetIds)
	out := g.g
	return &dmsapi.ModifyReplicationSubnetGroupOutput{ReplicationSubnetGroup: &out}, nil
}

func (h *Handler) deleteReplicationSubnetGroup(_ context.Context, in *dmsapi.DeleteReplicationSubnetGroupInput) (*dmsapi.DeleteReplicationSubnetGroupOutput, error) {
	h.lock()
	defer h.unlock()
	g, err := h.subnetGroupLocked(in.ReplicationSubnetGroupIdentifier)
	if err != nil {
		return nil, err
	}
	for _, ri := range h.st.instances {
		if ri.ri.ReplicationSubnetGroup != nil && aws.ToString(ri.ri.ReplicationSubnetGroup.ReplicationSubnetGroupIdentifier) == aws.ToString(g.g.ReplicationSubnetGroupIdentifier) {
			return nil, invalidState("Replication Subnet Group %s is in use by replication instance %s",
				aws.ToString(g.g.ReplicationSubnetGroupIdentifier), aws.ToString(ri.ri.ReplicationInstanceIdentifier))
		}
	}
	delete(h.st.subnetGroups, g.arn)
	delete(h.st.tags, g.arn)
	return &dmsapi.DeleteReplicationSubnetGroupOutput{}, nil
}
