package fakedms

// DMS Serverless replication configs: Create/Describe/Modify/Delete
// ReplicationConfig.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/mapping"
)

// capacityUnits are the DMS capacity units (DCU) AWS accepts for
// MinCapacityUnits and MaxCapacityUnits.
var capacityUnits = []int32{1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384}

func checkComputeConfig(c *types.ComputeConfig) error {
	if c == nil {
		return invalidParam("The parameter ComputeConfig must be provided and must not be blank.")
	}
	if c.MaxCapacityUnits == nil {
		return invalidParam("The parameter ComputeConfig.MaxCapacityUnits must be provided.")
	}
	for _, u := range []struct {
		name string
		v    *int32
	}{{"MinCapacityUnits", c.MinCapacityUnits}, {"MaxCapacityUnits", c.MaxCapacityUnits}} {
		if u.v != nil && !slices.Contains(capacityUnits, *u.v) {
			return invalidParam("Invalid value %d for ComputeConfig.%s: must be one of 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384", *u.v, u.name)
		}
	}
	if c.MinCapacityUnits != nil && *c.MinCapacityUnits > *c.MaxCapacityUnits {
		return invalidParam("ComputeConfig.MinCapacityUnits (%d) must not be greater than ComputeConfig.MaxCapacityUnits (%d)", *c.MinCapacityUnits, *c.MaxCapacityUnits)
	}
	return nil
}

func checkReplicationType(v types.MigrationTypeValue) error {
	if v == "" {
		return invalidParam("The parameter ReplicationType must be provided and must not be blank.")
	}
	if checkMigrationType(v) != nil {
		return invalidParam("Invalid value %q for ReplicationType: must be one of full-load, cdc, full-load-and-cdc", v)
	}
	return nil
}

func (h *Handler) createReplicationConfig(_ context.Context, in *dmsapi.CreateReplicationConfigInput) (*dmsapi.CreateReplicationConfigOutput, error) {
	for _, r := range []struct {
		name string
		v    *string
	}{{"ReplicationConfigIdentifier", in.ReplicationConfigIdentifier}, {"SourceEndpointArn", in.SourceEndpointArn},
		{"TargetEndpointArn", in.TargetEndpointArn}} {
		if err := required(r.name, r.v); err != nil {
			return nil, err
		}
	}
	if err := validIdentifier("ReplicationConfigIdentifier", *in.ReplicationConfigIdentifier, 255); err != nil {
		return nil, err
	}
	if err := validResourceIdentifier(in.ResourceIdentifier); err != nil {
		return nil, err
	}
	if err := checkComputeConfig(in.ComputeConfig); err != nil {
		return nil, err
	}
	if err := checkReplicationType(in.ReplicationType); err != nil {
		return nil, err
	}
	m, err := parseMappings(in.TableMappings)
	if err != nil {
		return nil, err
	}
	settings, err := mapping.ParseTaskSettings(aws.ToString(in.ReplicationSettings))
	if err != nil {
		return nil, settingsErr(err)
	}

	now := h.lock()
	defer h.unlock()
	for _, other := range h.st.configs {
		if strings.EqualFold(other.t.identifier, *in.ReplicationConfigIdentifier) {
			return nil, alreadyExists(other.arn, "Replication Config %s already exists", *in.ReplicationConfigIdentifier)
		}
	}
	if err := h.checkEndpointsLocked(*in.SourceEndpointArn, *in.TargetEndpointArn); err != nil {
		return nil, err
	}
	arn := h.arn(arnReplicationConfig, newResourceID(in.ResourceIdentifier))
	if _, ok := h.st.configs[arn]; ok {
		return nil, alreadyExists(arn, "Resource with ResourceIdentifier %s already exists", aws.ToString(in.ResourceIdentifier))
	}
	id := newServerlessID(now)
	for h.serverlessIDUsedLocked(id) {
		id = newServerlessID(now)
	}
	rc := &replicationConfig{
		lifecycle:           lifecycle{created: now},
		arn:                 arn,
		updated:             now,
		compute:             *in.ComputeConfig,
		supplemental:        in.SupplementalSettings,
		replicationSettings: in.ReplicationSettings,
		t: &task{
			lifecycle:     lifecycle{created: now},
			arn:           arn,
			id:            id,
			identifier:    *in.ReplicationConfigIdentifier,
			sourceArn:     *in.SourceEndpointArn,
			targetArn:     *in.TargetEndpointArn,
			migrationType: in.ReplicationType,
			tableMappings: *in.TableMappings,
			mappings:      m,
			settings:      settings,
		},
	}
	h.st.configs[arn] = rc
	h.setTagsLocked(arn, in.Tags)
	return &dmsapi.CreateReplicationConfigOutput{ReplicationConfig: replicationConfigView(rc)}, nil
}

func (h *Handler) serverlessIDUsedLocked(id string) bool {
	for _, rc := range h.st.configs {
		if rc.t.id == id {
			return true
		}
	}
	return false
}

// replicationConfigView is the API shape of a replication config.
// ReplicationSettings is the full settings document, AWS's defaults merged
// with what was given, as for tasks.
func replicationConfigView(rc *replicationConfig) *types.ReplicationConfig {
	compute := rc.compute
	return &types.ReplicationConfig{
		ComputeConfig:               &compute,
		IsReadOnly:                  aws.Bool(false),
		ReplicationConfigArn:        aws.String(rc.arn),
		ReplicationConfigCreateTime: aws.Time(rc.created),
		ReplicationConfigIdentifier: aws.String(rc.t.identifier),
		ReplicationConfigUpdateTime: aws.Time(rc.updated),
		ReplicationSettings:         aws.String(rc.t.settings.JSON()),
		ReplicationType:             rc.t.migrationType,
		SourceEndpointArn:           aws.String(rc.t.sourceArn),
		SupplementalSettings:        rc.supplemental,
		TableMappings:               aws.String(rc.t.tableMappings),
		TargetEndpointArn:           aws.String(rc.t.targetArn),
	}
}

// configLocked returns the replication config with the given ARN.
func (h *Handler) configLocked(arn *string) (*replicationConfig, error) {
	if err := required("ReplicationConfigArn", arn); err != nil {
		return nil, err
	}
	if arnKind(*arn) == "" {
		return nil, invalidParam("Invalid ARN %q: want arn:aws:dms:<region>:<account>:replication-config:<id>", *arn)
	}
	rc, ok := h.st.configs[*arn]
	if !ok {
		return nil, notFound("Replication Config %s not found", *arn)
	}
	return rc, nil
}

// serverlessFilters are the filters of DescribeReplicationConfigs and
// DescribeReplications.
func serverlessFilters[T any](arn, id func(T) *string) filterFields[T] {
	return filterFields[T]{
		"replication-config-arn": func(v T) []string { return []string{aws.ToString(arn(v))} },
		"replication-config-id":  func(v T) []string { return []string{aws.ToString(id(v))} },
	}
}

func (h *Handler) describeReplicationConfigs(_ context.Context, in *dmsapi.DescribeReplicationConfigsInput) (*dmsapi.DescribeReplicationConfigsOutput, error) {
	h.lock()
	var all []*types.ReplicationConfig
	for _, rc := range h.st.configs {
		all = append(all, replicationConfigView(rc))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b *types.ReplicationConfig) int {
		return strings.Compare(*a.ReplicationConfigIdentifier, *b.ReplicationConfigIdentifier)
	})
	filters := serverlessFilters(func(c *types.ReplicationConfig) *string { return c.ReplicationConfigArn },
		func(c *types.ReplicationConfig) *string { return c.ReplicationConfigIdentifier })
	pg, marker, err := describePage(all, filters, in.Filters, false, "No Replication Configs found matching provided filters", in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeReplicationConfigsOutput{ReplicationConfigs: pg, Marker: marker}, nil
}

func (h *Handler) modifyReplicationConfig(_ context.Context, in *dmsapi.ModifyReplicationConfigInput) (*dmsapi.ModifyReplicationConfigOutput, error) {
	now := h.lock()
	defer h.unlock()
	rc, err := h.configLocked(in.ReplicationConfigArn)
	if err != nil {
		return nil, err
	}
	switch status, _ := h.replicationStatusLocked(rc); status {
	case replCreated, replStopped, replFailed:
	default:
		return nil, invalidState("Replication Config %s can be modified only when its replication is created, stopped or failed; it is %s", rc.t.identifier, status)
	}
	next, nextTask := *rc, *rc.t
	if in.ReplicationConfigIdentifier != nil {
		if err := validIdentifier("ReplicationConfigIdentifier", *in.ReplicationConfigIdentifier, 255); err != nil {
			return nil, err
		}
		for _, other := range h.st.configs {
			if other != rc && strings.EqualFold(other.t.identifier, *in.ReplicationConfigIdentifier) {
				return nil, alreadyExists(other.arn, "Replication Config %s already exists", *in.ReplicationConfigIdentifier)
			}
		}
		nextTask.identifier = *in.ReplicationConfigIdentifier
	}
	if in.ComputeConfig != nil {
		if err := checkComputeConfig(in.ComputeConfig); err != nil {
			return nil, err
		}
		next.compute = *in.ComputeConfig
	}
	if in.ReplicationType != "" {
		if err := checkReplicationType(in.ReplicationType); err != nil {
			return nil, err
		}
		nextTask.migrationType = in.ReplicationType
	}
	if err := nextTask.modifyDocuments(in.TableMappings, in.ReplicationSettings); err != nil {
		return nil, err
	}
	if in.ReplicationSettings != nil {
		next.replicationSettings = in.ReplicationSettings
	}
	if in.SupplementalSettings != nil {
		next.supplemental = in.SupplementalSettings
	}
	if in.SourceEndpointArn != nil || in.TargetEndpointArn != nil {
		src, dst := aws.ToString(in.SourceEndpointArn), aws.ToString(in.TargetEndpointArn)
		if src == "" {
			src = rc.t.sourceArn
		}
		if dst == "" {
			dst = rc.t.targetArn
		}
		if err := h.checkEndpointsLocked(src, dst); err != nil {
			return nil, err
		}
		nextTask.sourceArn, nextTask.targetArn = src, dst
	}
	nextTask.dirty = true
	next.updated = now
	*rc.t = nextTask
	next.t = rc.t
	*rc = next
	return &dmsapi.ModifyReplicationConfigOutput{ReplicationConfig: replicationConfigView(rc)}, nil
}

func (h *Handler) deleteReplicationConfig(_ context.Context, in *dmsapi.DeleteReplicationConfigInput) (*dmsapi.DeleteReplicationConfigOutput, error) {
	now := h.lock()
	out, drop, err := h.deleteReplicationConfigLocked(now, in)
	h.unlock()
	h.dropSlot(drop, "config", aws.ToString(in.ReplicationConfigArn))
	return out, err
}

func (h *Handler) deleteReplicationConfigLocked(now time.Time, in *dmsapi.DeleteReplicationConfigInput) (*dmsapi.DeleteReplicationConfigOutput, slotDropper, error) {
	rc, err := h.configLocked(in.ReplicationConfigArn)
	if err != nil {
		return nil, nil, err
	}
	status, _ := h.replicationStatusLocked(rc)
	if replicationActive(status) || status == replDeleting {
		return nil, nil, invalidState("Replication Config %s cannot be deleted while its replication is %s", rc.t.identifier, status)
	}
	if run := rc.run; run != nil && run.provision != "" && run.provision != deprovisionedDone {
		return nil, nil, invalidState("Replication Config %s cannot be deleted before its replication is deprovisioned (it is %s)", rc.t.identifier, run.provision)
	}
	var drop slotDropper
	if rc.t.engine != nil {
		if err := h.engine.DeleteTask(rc.t.id); err != nil {
			return nil, nil, invalidState("Replication Config %s: %v", rc.t.identifier, err)
		}
		drop, _ = rc.t.engine.Config().Source.(slotDropper)
	} else if rc.t.restored != nil {
		drop = h.restoredSlotLocked(rc.t)
	}
	if rc.run != nil {
		rc.run.endLife()
	}
	view := replicationConfigView(rc)
	rc.deleted = now
	return &dmsapi.DeleteReplicationConfigOutput{ReplicationConfig: view}, drop, nil
}
