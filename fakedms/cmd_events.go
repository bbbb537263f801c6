package fakedms

// DescribeEvents: creation, deletion and state changes of replication
// tasks and instances.

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

func (h *Handler) describeEvents(_ context.Context, in *dmsapi.DescribeEventsInput) (*dmsapi.DescribeEventsOutput, error) {
	if len(in.Filters) > 0 {
		return nil, invalidParam("DescribeEvents filters are not supported; use SourceType, SourceIdentifier, EventCategories and the time range")
	}
	switch in.SourceType {
	case "", types.SourceTypeReplicationInstance, sourceTypeTask:
	default:
		return nil, invalidParam("Invalid value %q for SourceType: must be replication-instance or replication-task", in.SourceType)
	}
	now := h.lock()
	events := slices.Clone(h.st.events)
	h.unlock()

	// The time range: StartTime/EndTime, else the last Duration minutes
	// (default 60), as the API documents.
	end := now
	if in.EndTime != nil {
		end = *in.EndTime
	}
	start := end.Add(-time.Duration(aws.ToInt32(in.Duration)) * time.Minute)
	if in.Duration == nil {
		start = end.Add(-time.Hour)
	}
	if in.StartTime != nil {
		start = *in.StartTime
	}
	var matched []types.Event
	for _, e := range events {
		switch {
		case e.Date.Before(start) || e.Date.After(end):
		case in.SourceType != "" && e.SourceType != in.SourceType:
		case in.SourceIdentifier != nil && aws.ToString(e.SourceIdentifier) != *in.SourceIdentifier:
		case len(in.EventCategories) > 0 && !slices.Contains(in.EventCategories, e.EventCategories[0]):
		default:
			matched = append(matched, e)
		}
	}
	pg, marker, err := page(matched, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []types.Event{}
	}
	return &dmsapi.DescribeEventsOutput{Events: pg, Marker: marker}, nil
}
