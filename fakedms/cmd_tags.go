package fakedms

// Tags: AddTagsToResource, RemoveTagsFromResource, ListTagsForResource.

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// setTagsLocked adds tags to a resource, replacing the values of keys it
// already has.
func (h *Handler) setTagsLocked(arn string, tags []types.Tag) {
	cur := h.st.tags[arn]
	for _, tag := range tags {
		i := slices.IndexFunc(cur, func(t types.Tag) bool { return aws.ToString(t.Key) == aws.ToString(tag.Key) })
		tag := types.Tag{Key: tag.Key, Value: tag.Value, ResourceArn: aws.String(arn)}
		if i >= 0 {
			cur[i] = tag
		} else {
			cur = append(cur, tag)
		}
	}
	if cur != nil {
		h.st.tags[arn] = cur
	}
}

// taggableLocked checks that arn names an existing resource.
func (h *Handler) taggableLocked(arn *string) error {
	if err := required("ResourceArn", arn); err != nil {
		return err
	}
	if arnKind(*arn) == "" {
		return invalidParam("Invalid ARN %q", *arn)
	}
	_, inst := h.st.instances[*arn]
	_, ep := h.st.endpoints[*arn]
	_, task := h.st.tasks[*arn]
	_, grp := h.st.subnetGroups[*arn]
	_, cfg := h.st.configs[*arn]
	if !inst && !ep && !task && !grp && !cfg {
		return notFound("Resource %s not found", *arn)
	}
	return nil
}

func (h *Handler) addTagsToResource(_ context.Context, in *dmsapi.AddTagsToResourceInput) (*dmsapi.AddTagsToResourceOutput, error) {
	h.lock()
	defer h.unlock()
	if err := h.taggableLocked(in.ResourceArn); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		if aws.ToString(t.Key) == "" {
			return nil, invalidParam("Tag keys must not be empty")
		}
	}
	h.setTagsLocked(*in.ResourceArn, in.Tags)
	return &dmsapi.AddTagsToResourceOutput{}, nil
}

func (h *Handler) removeTagsFromResource(_ context.Context, in *dmsapi.RemoveTagsFromResourceInput) (*dmsapi.RemoveTagsFromResourceOutput, error) {
	h.lock()
	defer h.unlock()
	if err := h.taggableLocked(in.ResourceArn); err != nil {
		return nil, err
	}
	h.st.tags[*in.ResourceArn] = slices.DeleteFunc(h.st.tags[*in.ResourceArn], func(t types.Tag) bool {
		return slices.Contains(in.TagKeys, aws.ToString(t.Key))
	})
	return &dmsapi.RemoveTagsFromResourceOutput{}, nil
}

func (h *Handler) listTagsForResource(_ context.Context, in *dmsapi.ListTagsForResourceInput) (*dmsapi.ListTagsForResourceOutput, error) {
	arns := slices.Clone(in.ResourceArnList)
	if in.ResourceArn != nil {
		arns = append([]string{*in.ResourceArn}, arns...)
	}
	if len(arns) == 0 {
		return nil, invalidParam("The parameter ResourceArn or ResourceArnList must be provided.")
	}
	h.lock()
	defer h.unlock()
	out := &dmsapi.ListTagsForResourceOutput{TagList: []types.Tag{}}
	for _, arn := range arns {
		if err := h.taggableLocked(&arn); err != nil {
			return nil, err
		}
		out.TagList = append(out.TagList, h.st.tags[arn]...)
	}
	return out, nil
}
