package fakedms

// DescribeTableStatistics, from the engine's per-table statistics.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/dms"
)

func tableStatistics(s dms.TableStatistics) types.TableStatistics {
	return types.TableStatistics{
		AppliedDdls:       aws.Int64(s.AppliedDdls),
		AppliedDeletes:    aws.Int64(s.AppliedDeletes),
		AppliedInserts:    aws.Int64(s.AppliedInserts),
		AppliedUpdates:    aws.Int64(s.AppliedUpdates),
		Ddls:              s.Ddls,
		Deletes:           s.Deletes,
		FullLoadEndTime:   timePtr(s.FullLoadEndTime),
		FullLoadErrorRows: s.FullLoadErrorRows,
		FullLoadReloaded:  aws.Bool(s.FullLoadReloaded),
		FullLoadRows:      s.FullLoadRows,
		FullLoadStartTime: timePtr(s.FullLoadStartTime),
		Inserts:           s.Inserts,
		LastUpdateTime:    timePtr(s.LastUpdateTime),
		SchemaName:        aws.String(s.SchemaName),
		TableName:         aws.String(s.TableName),
		TableState:        aws.String(s.TableState),
		Updates:           s.Updates,
		ValidationState:   aws.String(s.ValidationState),
	}
}

func tableStatisticsFilters() filterFields[types.TableStatistics] {
	return filterFields[types.TableStatistics]{
		"schema-name": func(s types.TableStatistics) []string { return []string{aws.ToString(s.SchemaName)} },
		"table-name":  func(s types.TableStatistics) []string { return []string{aws.ToString(s.TableName)} },
		"table-state": func(s types.TableStatistics) []string { return []string{aws.ToString(s.TableState)} },
	}
}

func (h *Handler) describeTableStatistics(_ context.Context, in *dmsapi.DescribeTableStatisticsInput) (*dmsapi.DescribeTableStatisticsOutput, error) {
	h.lock()
	t, err := h.taskLocked(in.ReplicationTaskArn)
	var tables []dms.TableStatistics
	if err == nil {
		tables = t.lastTables() // the engine's, or those loaded from the data dir
	}
	h.unlock()
	if err != nil {
		return nil, err
	}
	pg, marker, err := tablesPage(tables, in.Filters, in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeTableStatisticsOutput{ReplicationTaskArn: in.ReplicationTaskArn, TableStatistics: pg, Marker: marker}, nil
}

// statisticsPage is one page of an engine task's table statistics (none
// when et is nil), filtered; DescribeReplicationTableStatistics shares it.
func statisticsPage(et *dms.Task, filters []types.Filter, marker *string, maxRecords *int32) ([]types.TableStatistics, *string, error) {
	var tables []dms.TableStatistics
	if et != nil {
		tables = et.TableStatistics()
	}
	return tablesPage(tables, filters, marker, maxRecords)
}

// tablesPage is one page of table statistics, filtered.
func tablesPage(tables []dms.TableStatistics, filters []types.Filter, marker *string, maxRecords *int32) ([]types.TableStatistics, *string, error) {
	all := []types.TableStatistics{}
	for _, s := range tables {
		all = append(all, tableStatistics(s))
	}
	matched, err := tableStatisticsFilters().match(all, filters, false)
	if err != nil {
		return nil, nil, err
	}
	pg, next, err := page(matched, marker, maxRecords, maxStatsRecords)
	if err != nil {
		return nil, nil, err
	}
	if pg == nil {
		pg = []types.TableStatistics{}
	}
	return pg, next, nil
}
