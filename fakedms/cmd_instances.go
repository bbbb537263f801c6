package fakedms

// Replication instances: Create/Describe/Modify/Delete/RebootReplicationInstance,
// DescribeOrderableReplicationInstances, DescribeEngineVersions.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// defaultEngineVersion is the replication engine of new instances.
const defaultEngineVersion = "3.5.3"

var instanceClassPattern = regexp.MustCompile(`^dms\.[a-z0-9]+\.[a-z0-9]+$`)

// orderableClasses is a representative part of what AWS offers.
var orderableClasses = []string{
	"dms.t2.micro", "dms.t2.small", "dms.t2.medium", "dms.t2.large",
	"dms.t3.micro", "dms.t3.small", "dms.t3.medium", "dms.t3.large",
	"dms.c5.large", "dms.c5.xlarge", "dms.c5.2xlarge", "dms.c5.4xlarge",
	"dms.r5.large", "dms.r5.xlarge", "dms.r5.2xlarge", "dms.r5.4xlarge",
}

var engineVersions = []string{"3.4.7", "3.5.1", "3.5.2", "3.5.3", "3.5.4"}

func (h *Handler) createReplicationInstance(_ context.Context, in *dmsapi.CreateReplicationInstanceInput) (*dmsapi.CreateReplicationInstanceOutput, error) {
	if err := required("ReplicationInstanceIdentifier", in.ReplicationInstanceIdentifier); err != nil {
		return nil, err
	}
	if err := required("ReplicationInstanceClass", in.ReplicationInstanceClass); err != nil {
		return nil, err
	}
	if err := validIdentifier("ReplicationInstanceIdentifier", *in.ReplicationInstanceIdentifier, 63); err != nil {
		return nil, err
	}
	if err := validResourceIdentifier(in.ResourceIdentifier); err != nil {
		return nil, err
	}
	if !instanceClassPattern.MatchString(*in.ReplicationInstanceClass) {
		return nil, invalidParam("Invalid ReplicationInstanceClass %s: want dms.<family>.<size>, such as dms.t3.medium", *in.ReplicationInstanceClass)
	}
	version := aws.ToString(in.EngineVersion)
	if version == "" {
		version = defaultEngineVersion
	} else if !slices.Contains(engineVersions, version) {
		return nil, invalidParam("The requested engine version %s is not available. Available versions: %s", version, strings.Join(engineVersions, ", "))
	}
	storage := aws.ToInt32(in.AllocatedStorage)
	if in.AllocatedStorage == nil {
		storage = 50
	} else if storage < 5 || storage > 6144 {
		return nil, invalidParam("Invalid AllocatedStorage %d: must be between 5 and 6144 GB", storage)
	}
	id := strings.ToLower(*in.ReplicationInstanceIdentifier)

	now := h.lock()
	defer h.unlock()
	for _, other := range h.st.instances {
		if aws.ToString(other.ri.ReplicationInstanceIdentifier) == id {
			return nil, alreadyExists(aws.ToString(other.ri.ReplicationInstanceArn), "Replication instance %s already exists", id)
		}
	}
	arn := h.arn(arnInstance, newResourceID(in.ResourceIdentifier))
	if _, ok := h.st.instances[arn]; ok {
		return nil, alreadyExists(arn, "Resource with ResourceIdentifier %s already exists", aws.ToString(in.ResourceIdentifier))
	}
	group, err := h.subnetGroupForInstanceLocked(aws.ToString(in.ReplicationSubnetGroupIdentifier))
	if err != nil {
		return nil, err
	}
	az := aws.ToString(in.AvailabilityZone)
	if az == "" {
		az = h.cfg.region + "a"
	}
	var sgs []types.VpcSecurityGroupMembership
	for _, sg := range in.VpcSecurityGroupIds {
		sgs = append(sgs, types.VpcSecurityGroupMembership{VpcSecurityGroupId: aws.String(sg), Status: aws.String("active")})
	}
	if sgs == nil {
		sgs = []types.VpcSecurityGroupMembership{{VpcSecurityGroupId: aws.String("sg-" + hexDigest(arn, 8)), Status: aws.String("active")}}
	}
	n := len(h.st.instances) + 1
	ri := types.ReplicationInstance{
		AllocatedStorage:                      storage,
		AutoMinorVersionUpgrade:               aws.ToBool(in.AutoMinorVersionUpgrade),
		AvailabilityZone:                      aws.String(az),
		DnsNameServers:                        in.DnsNameServers,
		EngineVersion:                         aws.String(version),
		InstanceCreateTime:                    aws.Time(now),
		KerberosAuthenticationSettings:        in.KerberosAuthenticationSettings,
		KmsKeyId:                              aws.String(h.kmsKey(in.KmsKeyId)),
		MultiAZ:                               aws.ToBool(in.MultiAZ),
		NetworkType:                           aws.String(defaultString(in.NetworkType, "IPV4")),
		PendingModifiedValues:                 &types.ReplicationPendingModifiedValues{},
		PreferredMaintenanceWindow:            aws.String(defaultString(in.PreferredMaintenanceWindow, "sun:06:00-sun:14:00")),
		PubliclyAccessible:                    in.PubliclyAccessible == nil || *in.PubliclyAccessible,
		ReplicationInstanceArn:                aws.String(arn),
		ReplicationInstanceClass:              in.ReplicationInstanceClass,
		ReplicationInstanceIdentifier:         aws.String(id),
		ReplicationInstancePrivateIpAddress:   aws.String(fmt.Sprintf("10.0.%d.%d", n/250, n%250+4)),
		ReplicationInstancePrivateIpAddresses: []string{fmt.Sprintf("10.0.%d.%d", n/250, n%250+4)},
		ReplicationSubnetGroup:                &group,
		VpcSecurityGroups:                     sgs,
	}
	if ri.MultiAZ {
		ri.SecondaryAvailabilityZone = aws.String(h.cfg.region + "b")
	}
	if ri.PubliclyAccessible {
		ip := fmt.Sprintf("198.51.100.%d", n%250+1)
		ri.ReplicationInstancePublicIpAddress = aws.String(ip)
		ri.ReplicationInstancePublicIpAddresses = []string{ip}
	}
	inst := &instance{lifecycle: lifecycle{created: now}, ri: ri}
	h.st.instances[arn] = inst
	h.setTagsLocked(arn, in.Tags)
	h.eventLocked(now, types.SourceTypeReplicationInstance, id, "creation", "Replication instance created")
	return &dmsapi.CreateReplicationInstanceOutput{ReplicationInstance: h.instanceViewLocked(inst, now, "creating")}, nil
}

// subnetGroupForInstanceLocked returns the named subnet group, or the
// account's default one when name is empty.
func (h *Handler) subnetGroupForInstanceLocked(name string) (types.ReplicationSubnetGroup, error) {
	if name == "" {
		return h.defaultSubnetGroup(), nil
	}
	for _, g := range h.st.subnetGroups {
		if strings.EqualFold(aws.ToString(g.g.ReplicationSubnetGroupIdentifier), name) {
			return g.g, nil
		}
	}
	return types.ReplicationSubnetGroup{}, notFound("Replication Subnet Group %s not found", name)
}

// defaultSubnetGroup is the group AWS uses when none is named: the default
// VPC's subnets.
func (h *Handler) defaultSubnetGroup() types.ReplicationSubnetGroup {
	vpc := "vpc-" + hexDigest(h.cfg.account+h.cfg.region, 8)
	return types.ReplicationSubnetGroup{
		ReplicationSubnetGroupIdentifier:  aws.String("default-" + vpc),
		ReplicationSubnetGroupDescription: aws.String("default group created by console for vpc id " + vpc),
		SubnetGroupStatus:                 aws.String("Complete"),
		Subnets:                           h.subnets([]string{"subnet-" + hexDigest(vpc+"a", 8), "subnet-" + hexDigest(vpc+"b", 8)}),
		SupportedNetworkTypes:             []string{"IPV4"},
		VpcId:                             aws.String(vpc),
	}
}

func (h *Handler) kmsKey(given *string) string {
	if given != nil && *given != "" {
		return *given
	}
	return "arn:aws:kms:" + h.cfg.region + ":" + h.cfg.account + ":key/" + uuidFrom(h.cfg.account+"dms")
}

func defaultString(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

// instanceViewLocked is the API shape of an instance; status overrides
// the computed one in the response of the call that changed it.
func (h *Handler) instanceViewLocked(in *instance, now time.Time, status string) *types.ReplicationInstance {
	ri := in.ri
	if status == "" {
		status = in.status(now, h.cfg.stateDelay)
	}
	ri.ReplicationInstanceStatus = aws.String(status)
	return &ri
}

func (h *Handler) instanceLocked(arn *string) (*instance, error) {
	if err := required("ReplicationInstanceArn", arn); err != nil {
		return nil, err
	}
	in, ok := h.st.instances[*arn]
	if !ok {
		return nil, notFound("Replication Instance %s not found", *arn)
	}
	return in, nil
}

func instanceFilters() filterFields[*types.ReplicationInstance] {
	return filterFields[*types.ReplicationInstance]{
		"replication-instance-arn": func(r *types.ReplicationInstance) []string { return []string{aws.ToString(r.ReplicationInstanceArn)} },
		"replication-instance-id": func(r *types.ReplicationInstance) []string {
			return []string{aws.ToString(r.ReplicationInstanceIdentifier)}
		},
		"replication-instance-class": func(r *types.ReplicationInstance) []string { return []string{aws.ToString(r.ReplicationInstanceClass)} },
		"engine-version":             func(r *types.ReplicationInstance) []string { return []string{aws.ToString(r.EngineVersion)} },
	}
}

func (h *Handler) describeReplicationInstances(_ context.Context, in *dmsapi.DescribeReplicationInstancesInput) (*dmsapi.DescribeReplicationInstancesOutput, error) {
	now := h.lock()
	var all []*types.ReplicationInstance
	for _, ri := range sorted(h.st.instances) {
		all = append(all, h.instanceViewLocked(ri, now, ""))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b *types.ReplicationInstance) int {
		return strings.Compare(*a.ReplicationInstanceIdentifier, *b.ReplicationInstanceIdentifier)
	})
	pg, marker, err := describePage(all, instanceFilters(), in.Filters, true, "No replication instances found matching provided filters", in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationInstancesOutput{ReplicationInstances: pg, Marker: marker}, nil
}

func (h *Handler) modifyReplicationInstance(_ context.Context, in *dmsapi.ModifyReplicationInstanceInput) (*dmsapi.ModifyReplicationInstanceOutput, error) {
	now := h.lock()
	defer h.unlock()
	ri, err := h.instanceLocked(in.ReplicationInstanceArn)
	if err != nil {
		return nil, err
	}
	if st := ri.status(now, h.cfg.stateDelay); st != "available" {
		return nil, invalidState("Replication instance %s is not in available state (%s)", aws.ToString(ri.ri.ReplicationInstanceIdentifier), st)
	}
	next := ri.ri
	if in.ReplicationInstanceIdentifier != nil {
		if err := validIdentifier("ReplicationInstanceIdentifier", *in.ReplicationInstanceIdentifier, 63); err != nil {
			return nil, err
		}
		id := strings.ToLower(*in.ReplicationInstanceIdentifier)
		for arn, other := range h.st.instances {
			if arn != *in.ReplicationInstanceArn && aws.ToString(other.ri.ReplicationInstanceIdentifier) == id {
				return nil, alreadyExists(arn, "Replication instance %s already exists", id)
			}
		}
		next.ReplicationInstanceIdentifier = aws.String(id)
	}
	if in.ReplicationInstanceClass != nil {
		if !instanceClassPattern.MatchString(*in.ReplicationInstanceClass) {
			return nil, invalidParam("Invalid ReplicationInstanceClass %s: want dms.<family>.<size>, such as dms.t3.medium", *in.ReplicationInstanceClass)
		}
		next.ReplicationInstanceClass = in.ReplicationInstanceClass
	}
	if in.EngineVersion != nil {
		if !slices.Contains(engineVersions, *in.EngineVersion) {
			return nil, invalidParam("The requested engine version %s is not available. Available versions: %s", *in.EngineVersion, strings.Join(engineVersions, ", "))
		}
		next.EngineVersion = in.EngineVersion
	}
	if in.AllocatedStorage != nil {
		if *in.AllocatedStorage < next.AllocatedStorage || *in.AllocatedStorage > 6144 {
			return nil, invalidParam("Invalid AllocatedStorage %d: must be between the current %d and 6144 GB", *in.AllocatedStorage, next.AllocatedStorage)
		}
		next.AllocatedStorage = *in.AllocatedStorage
	}
	if in.MultiAZ != nil {
		next.MultiAZ = *in.MultiAZ
	}
	if in.AutoMinorVersionUpgrade != nil {
		next.AutoMinorVersionUpgrade = *in.AutoMinorVersionUpgrade
	}
	if in.PreferredMaintenanceWindow != nil {
		next.PreferredMaintenanceWindow = in.PreferredMaintenanceWindow
	}
	if in.NetworkType != nil {
		next.NetworkType = in.NetworkType
	}
	if in.KerberosAuthenticationSettings != nil {
		next.KerberosAuthenticationSettings = in.KerberosAuthenticationSettings
	}
	if in.VpcSecurityGroupIds != nil {
		next.VpcSecurityGroups = nil
		for _, sg := range in.VpcSecurityGroupIds {
			next.VpcSecurityGroups = append(next.VpcSecurityGroups, types.VpcSecurityGroupMembership{VpcSecurityGroupId: aws.String(sg), Status: aws.String("active")})
		}
	}
	ri.ri = next
	ri.busy, ri.busyUntil = "modifying", now.Add(h.cfg.stateDelay)
	return &dmsapi.ModifyReplicationInstanceOutput{ReplicationInstance: h.instanceViewLocked(ri, now, "modifying")}, nil
}

func (h *Handler) rebootReplicationInstance(_ context.Context, in *dmsapi.RebootReplicationInstanceInput) (*dmsapi.RebootReplicationInstanceOutput, error) {
	now := h.lock()
	defer h.unlock()
	ri, err := h.instanceLocked(in.ReplicationInstanceArn)
	if err != nil {
		return nil, err
	}
	if st := ri.status(now, h.cfg.stateDelay); st != "available" {
		return nil, invalidState("Replication instance %s is not in available state (%s)", aws.ToString(ri.ri.ReplicationInstanceIdentifier), st)
	}
	if aws.ToBool(in.ForceFailover) && !ri.ri.MultiAZ {
		return nil, invalidParam("ForceFailover can only be used with a Multi-AZ replication instance")
	}
	ri.busy, ri.busyUntil = "rebooting", now.Add(h.cfg.stateDelay)
	h.eventLocked(now, types.SourceTypeReplicationInstance, aws.ToString(ri.ri.ReplicationInstanceIdentifier), "configuration change", "Replication instance rebooted")
	return &dmsapi.RebootReplicationInstanceOutput{ReplicationInstance: h.instanceViewLocked(ri, now, "rebooting")}, nil
}

func (h *Handler) deleteReplicationInstance(_ context.Context, in *dmsapi.DeleteReplicationInstanceInput) (*dmsapi.DeleteReplicationInstanceOutput, error) {
	now := h.lock()
	defer h.unlock()
	ri, err := h.instanceLocked(in.ReplicationInstanceArn)
	if err != nil {
		return nil, err
	}
	if !ri.deleted.IsZero() {
		return nil, invalidState("Replication instance %s is already being deleted", aws.ToString(ri.ri.ReplicationInstanceIdentifier))
	}
	for _, t := range h.st.tasks {
		if t.instanceArn == *in.ReplicationInstanceArn {
			return nil, invalidState("Replication instance %s cannot be deleted because it has replication tasks (%s); delete them first",
				aws.ToString(ri.ri.ReplicationInstanceIdentifier), t.identifier)
		}
	}
	ri.deleted = now
	for k := range h.st.connections {
		if k.instanceArn == *in.ReplicationInstanceArn {
			delete(h.st.connections, k)
		}
	}
	h.eventLocked(now, types.SourceTypeReplicationInstance, aws.ToString(ri.ri.ReplicationInstanceIdentifier), "deletion", "Replication instance deleted")
	return &dmsapi.DeleteReplicationInstanceOutput{ReplicationInstance: h.instanceViewLocked(ri, now, "deleting")}, nil
}

func (h *Handler) describeOrderableReplicationInstances(_ context.Context, in *dmsapi.DescribeOrderableReplicationInstancesInput) (*dmsapi.DescribeOrderableReplicationInstancesOutput, error) {
	var all []types.OrderableReplicationInstance
	for _, c := range orderableClasses {
		all = append(all, types.OrderableReplicationInstance{
			AvailabilityZones:        []string{h.cfg.region + "a", h.cfg.region + "b", h.cfg.region + "c"},
			DefaultAllocatedStorage:  50,
			EngineVersion:            aws.String(defaultEngineVersion),
			IncludedAllocatedStorage: 50,
			MaxAllocatedStorage:      6144,
			MinAllocatedStorage:      5,
			ReplicationInstanceClass: aws.String(c),
			StorageType:              aws.String("gp2"),
		})
	}
	pg, marker, err := page(all, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeOrderableReplicationInstancesOutput{OrderableReplicationInstances: pg, Marker: marker}, nil
}

func (h *Handler) describeEngineVersions(_ context.Context, in *dmsapi.DescribeEngineVersionsInput) (*dmsapi.DescribeEngineVersionsOutput, error) {
	var all []types.EngineVersion
	for i, v := range engineVersions {
		ev := types.EngineVersion{
			Version:           aws.String(v),
			Lifecycle:         aws.String("active"),
			AvailableUpgrades: slices.Clone(engineVersions[i+1:]),
		}
		if v == defaultEngineVersion {
			ev.ReleaseStatus = types.ReleaseStatusValuesProd
		}
		all = append(all, ev)
	}
	pg, marker, err := page(all, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeEngineVersionsOutput{EngineVersions: pg, Marker: marker}, nil
}
