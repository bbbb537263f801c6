package fakedms

// DescribeAccountAttributes: the account's quotas and what is used of them.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

func (h *Handler) describeAccountAttributes(_ context.Context, _ *dmsapi.DescribeAccountAttributesInput) (*dmsapi.DescribeAccountAttributesOutput, error) {
	h.lock()
	defer h.unlock()
	var storage int64
	for _, in := range h.st.instances {
		storage += int64(in.ri.AllocatedStorage)
	}
	// The default quotas of the AWS DMS User Guide ("Quotas for AWS
	// Database Migration Service").
	quota := func(name string, max, used int64) types.AccountQuota {
		return types.AccountQuota{AccountQuotaName: aws.String(name), Max: max, Used: used}
	}
	return &dmsapi.DescribeAccountAttributesOutput{
		AccountQuotas: []types.AccountQuota{
			quota("ReplicationInstances", 60, int64(len(h.st.instances))),
			quota("AllocatedStorage", 30000, storage),
			quota("Endpoints", 1000, int64(len(h.st.endpoints))),
			quota("ReplicationTasks", 600, int64(len(h.st.tasks))),
			quota("ReplicationSubnetGroups", 60, int64(len(h.st.subnetGroups))),
			quota("EventSubscriptions", 60, 0),
			quota("Certificates", 100, 0),
		},
		// AWS documents the format as c99999999999.
		UniqueAccountIdentifier: aws.String("c" + hexDigest(h.cfg.account, 11)),
	}, nil
}
