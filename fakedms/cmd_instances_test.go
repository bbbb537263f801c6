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

func TestCreateReplicationInstance(t *testing.T) {
	_, c := newServer(t)
	ri := createInstance(t, c, "My-Instance")
	require.Regexp(t, regexp.MustCompile(`^arn:aws:dms:us-east-1:000000000000:rep:[A-Z2-7]{26}$`), *ri.ReplicationInstanceArn)
	require.Equal(t, "my-instance", *ri.ReplicationInstanceIdentifier, "stored lower-case")
	require.Equal(t, "creating", *ri.ReplicationInstanceStatus)
	require.Equal(t, "dms.t3.micro", *ri.ReplicationInstanceClass)
	require.Equal(t, int32(50), ri.AllocatedStorage)
	require.Equal(t, "3.5.3", *ri.EngineVersion)
	require.True(t, ri.PubliclyAccessible)
	require.NotNil(t, ri.InstanceCreateTime)

	out, err := c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.ReplicationInstances, 1)
	require.Equal(t, "available", *out.ReplicationInstances[0].ReplicationInstanceStatus)
}

func TestCreateReplicationInstanceFaults(t *testing.T) {
	_, c := newServer(t)
	createInstance(t, c, "taken")
	for _, tc := range []struct {
		name, id, class, resourceID string
		code, msg                   string
	}{
		{"duplicate, other case", "TAKEN", "dms.t3.micro", "", "ResourceAlreadyExistsFault", "Replication instance taken already exists"},
		{"leading digit", "1abc", "dms.t3.micro", "", "InvalidParameterValueException", ""},
		{"trailing hyphen", "abc-", "dms.t3.micro", "", "InvalidParameterValueException", ""},
		{"double hyphen", "a--b", "dms.t3.micro", "", "InvalidParameterValueException", ""},
		{"underscore", "a_b", "dms.t3.micro", "", "InvalidParameterValueException", ""},
		{"too long", "a" + string(make([]byte, 63)), "dms.t3.micro", "", "InvalidParameterValueException", ""},
		{"bad class", "fine", "t3.micro", "", "InvalidParameterValueException", "Invalid ReplicationInstanceClass t3.micro: want dms.<family>.<size>, such as dms.t3.medium"},
		{"bad resource identifier", "fine", "dms.t3.micro", "9x", "InvalidParameterValueException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &dmsapi.CreateReplicationInstanceInput{
				ReplicationInstanceIdentifier: aws.String(tc.id),
				ReplicationInstanceClass:      aws.String(tc.class),
			}
			if tc.resourceID != "" {
				in.ResourceIdentifier = aws.String(tc.resourceID)
			}
			_, err := c.CreateReplicationInstance(ctx(t), in)
			requireAPIError(t, err, tc.code, tc.msg)
		})
	}
}

func TestInstanceIdentifierMessage(t *testing.T) {
	_, c := newServer(t)
	_, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("a--b"), ReplicationInstanceClass: aws.String("dms.t3.micro"),
	})
	requireAPIError(t, err, "InvalidParameterValueException",
		"The parameter ReplicationInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must not end with a hyphen or contain two consecutive hyphens; and must be at most 63 characters long.")
}

func TestResourceIdentifierNamesTheARN(t *testing.T) {
	_, c := newServer(t, fakedms.WithRegion("eu-west-1"), fakedms.WithAccount("123456789012"))
	out, err := c.CreateReplicationInstance(ctx(t), &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String("named"),
		ReplicationInstanceClass:      aws.String("dms.t3.micro"),
		ResourceIdentifier:            aws.String("my-rep-1"),
	})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:dms:eu-west-1:123456789012:rep:my-rep-1", *out.ReplicationInstance.ReplicationInstanceArn)
}

func TestDescribeReplicationInstancesFiltersAndPages(t *testing.T) {
	_, c := newServer(t)
	var arns []string
	for i := range 25 {
		arns = append(arns, *createInstance(t, c, "inst-"+string(rune('a'+i))).ReplicationInstanceArn)
	}
	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"by id", []types.Filter{{Name: aws.String("replication-instance-id"), Values: []string{"inst-c", "inst-d"}}}, []string{"inst-c", "inst-d"}},
		{"by arn", []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{arns[5]}}}, []string{"inst-f"}},
		{"by class and id", []types.Filter{
			{Name: aws.String("replication-instance-class"), Values: []string{"dms.t3.micro"}},
			{Name: aws.String("replication-instance-id"), Values: []string{"inst-y"}},
		}, []string{"inst-y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{Filters: tc.filters})
			require.NoError(t, err)
			var got []string
			for _, ri := range out.ReplicationInstances {
				got = append(got, *ri.ReplicationInstanceIdentifier)
			}
			require.Equal(t, tc.want, got)
		})
	}

	_, err := c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-id"), Values: []string{"nope"}}},
	})
	requireAPIError(t, err, "ResourceNotFoundFault", "No replication instances found matching provided filters")
	_, err = c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}},
	})
	requireAPIError(t, err, "InvalidParameterValueException", `Invalid filter name "colour". Valid filter names: engine-version, replication-instance-arn, replication-instance-class, replication-instance-id`)
	_, err = c.DescribeReplicationInstances(ctx(t), &dmsapi.DescribeReplicationInstancesInput{MaxRecords: aws.Int32(10)})
	requireAPIError(t, err, "InvalidParameterValueException", "Invalid value 10 for MaxRecords. Must be between 20 and 100")

	// The SDK's paginator walks the Marker.
	p := dmsapi.NewDescribeReplicationInstancesPaginator(c, &dmsapi.DescribeReplicationInstancesInput{MaxRecords: aws.Int32(20)})
	var pages, n int
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		require.NoError(t, err)
		pages++
		n += len(out.ReplicationInstances)
	}
	require.Equal(t, 2, pages)
	require.Equal(t, 25, n)
}

func TestModifyRebootDeleteReplicationInstance(t *testing.T) {
	_, c := newServer(t)
	ri := createInstance(t, c, "mod")
	mod, err := c.ModifyReplicationInstance(ctx(t), &dmsapi.ModifyReplicationInstanceInput{
		ReplicationInstanceArn:   ri.ReplicationInstanceArn,
		ReplicationInstanceClass: aws.String("dms.r5.large"),
		AllocatedStorage:         aws.Int32(100),
		ApplyImmediately:         true,
	})
	require.NoError(t, err)
	require.Equal(t, "modifying", *mod.ReplicationInstance.ReplicationInstanceStatus)
	require.Equal(t, "dms.r5.large", *mod.ReplicationInstance.ReplicationInstanceClass)
	require.Equal(t, int32(100), mod.ReplicationInstance.AllocatedStorage)

	_, err = c.ModifyReplicationInstance(ctx(t), &dmsapi.ModifyReplicationInstanceInput{
		ReplicationInstanceArn: ri.ReplicationInstanceArn, AllocatedStorage: aws.Int32(10),
	})
	requireAPIError(t, err, "InvalidParameterValueException", "Invalid AllocatedStorage 10: must be between the current 100 and 6144 GB")

	rb, err := c.RebootReplicationInstance(ctx(t), &dmsapi.RebootReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstanceArn})
	require.NoError(t, err)
	require.Equal(t, "rebooting", *rb.ReplicationInstance.ReplicationInstanceStatus)

	w := dmsapi.NewReplicationInstanceAvailableWaiter(c, func(o *dmsapi.ReplicationInstanceAvailableWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{*ri.ReplicationInstanceArn}}},
	}, waitLimit))

	del, err := c.DeleteReplicationInstance(ctx(t), &dmsapi.DeleteReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstanceArn})
	require.NoError(t, err)
	require.Equal(t, "deleting", *del.ReplicationInstance.ReplicationInstanceStatus)
	dw := dmsapi.NewReplicationInstanceDeletedWaiter(c, func(o *dmsapi.ReplicationInstanceDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, dw.Wait(ctx(t), &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{*ri.ReplicationInstanceArn}}},
	}, waitLimit))

	_, err = c.DeleteReplicationInstance(ctx(t), &dmsapi.DeleteReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstanceArn})
	requireAPIError(t, err, "ResourceNotFoundFault", "Replication Instance "+*ri.ReplicationInstanceArn+" not found")
}

func TestInstanceWaitersWithStateDelay(t *testing.T) {
	_, c := newServer(t, fakedms.WithStateDelay(500*time.Millisecond)) // long enough to see the transitional states on a loaded machine
	ri := createInstance(t, c, "slow")
	filter := &dmsapi.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{*ri.ReplicationInstanceArn}}},
	}
	out, err := c.DescribeReplicationInstances(ctx(t), filter)
	require.NoError(t, err)
	require.Equal(t, "creating", *out.ReplicationInstances[0].ReplicationInstanceStatus)
	w := dmsapi.NewReplicationInstanceAvailableWaiter(c, func(o *dmsapi.ReplicationInstanceAvailableWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, w.Wait(ctx(t), filter, waitLimit))

	_, err = c.DeleteReplicationInstance(ctx(t), &dmsapi.DeleteReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstanceArn})
	require.NoError(t, err)
	out, err = c.DescribeReplicationInstances(ctx(t), filter)
	require.NoError(t, err)
	require.Equal(t, "deleting", *out.ReplicationInstances[0].ReplicationInstanceStatus)
	dw := dmsapi.NewReplicationInstanceDeletedWaiter(c, func(o *dmsapi.ReplicationInstanceDeletedWaiterOptions) { fast(&o.MinDelay, &o.MaxDelay) })
	require.NoError(t, dw.Wait(ctx(t), filter, waitLimit))
}

func TestDescribeOrderableAndEngineVersions(t *testing.T) {
	_, c := newServer(t)
	ord, err := c.DescribeOrderableReplicationInstances(ctx(t), &dmsapi.DescribeOrderableReplicationInstancesInput{})
	require.NoError(t, err)
	require.Len(t, ord.OrderableReplicationInstances, 16)
	first := ord.OrderableReplicationInstances[0]
	require.Equal(t, "dms.t2.micro", *first.ReplicationInstanceClass)
	require.Equal(t, int32(5), first.MinAllocatedStorage)
	require.Equal(t, int32(6144), first.MaxAllocatedStorage)
	require.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c"}, first.AvailabilityZones)

	ev, err := c.DescribeEngineVersions(ctx(t), &dmsapi.DescribeEngineVersionsInput{})
	require.NoError(t, err)
	var versions []string
	for _, v := range ev.EngineVersions {
		versions = append(versions, *v.Version)
	}
	require.Equal(t, []string{"3.4.7", "3.5.1", "3.5.2", "3.5.3", "3.5.4"}, versions)
	require.Equal(t, []string{"3.5.4"}, ev.EngineVersions[3].AvailableUpgrades)
	require.Equal(t, types.ReleaseStatusValuesProd, ev.EngineVersions[3].ReleaseStatus)
}
