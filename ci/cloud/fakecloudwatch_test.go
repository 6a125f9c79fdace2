package cloud

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// fakeCloudWatch answers the bake's and status's CloudWatch calls as
// CloudWatch does for the service stack's alarms of goship-dev and the
// load balancer's metrics of fakeTG, and keeps what it was asked.
type fakeCloudWatch struct {
	alarms     []cwtypes.MetricAlarm
	metrics    map[string][]float64 // values by metric name
	history    []cwtypes.AlarmHistoryItem
	historyErr error

	askedAlarms  [][]string
	metricInputs []*cloudwatch.GetMetricDataInput
}

func fakeAlarm(kind string, state cwtypes.StateValue, since time.Duration, reason string) cwtypes.MetricAlarm {
	return cwtypes.MetricAlarm{AlarmName: aws.String("goship-dev-" + kind), StateValue: state, StateReason: aws.String(reason),
		StateTransitionedTimestamp: ago(since), StateUpdatedTimestamp: ago(since / 2)}
}

func fakeHistory(kind string, at time.Duration, summary string) cwtypes.AlarmHistoryItem {
	return cwtypes.AlarmHistoryItem{AlarmName: aws.String("goship-dev-" + kind), Timestamp: ago(at),
		HistoryItemType: cwtypes.HistoryItemTypeStateUpdate, HistorySummary: aws.String(summary)}
}

func (f *fakeCloudWatch) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.askedAlarms = append(f.askedAlarms, in.AlarmNames)
	var out cloudwatch.DescribeAlarmsOutput
	for _, a := range f.alarms {
		if slices.Contains(in.AlarmNames, aws.ToString(a.AlarmName)) {
			out.MetricAlarms = append(out.MetricAlarms, a)
		}
	}
	return &out, nil
}

func (f *fakeCloudWatch) DescribeAlarmHistory(_ context.Context, in *cloudwatch.DescribeAlarmHistoryInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmHistoryOutput, error) {
	if f.historyErr != nil {
		return nil, f.historyErr
	}
	var out cloudwatch.DescribeAlarmHistoryOutput
	for _, item := range f.history {
		at := aws.ToTime(item.Timestamp)
		if aws.ToString(item.AlarmName) == aws.ToString(in.AlarmName) && !at.Before(aws.ToTime(in.StartDate)) && !at.After(aws.ToTime(in.EndDate)) {
			out.AlarmHistoryItems = append(out.AlarmHistoryItems, item)
		}
	}
	return &out, nil
}

func (f *fakeCloudWatch) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.metricInputs = append(f.metricInputs, in)
	var out cloudwatch.GetMetricDataOutput
	for _, q := range in.MetricDataQueries {
		m := q.MetricStat.Metric
		values := f.metrics[aws.ToString(m.MetricName)]
		if aws.ToString(m.Namespace) != "AWS/ApplicationELB" || len(m.Dimensions) != 2 ||
			aws.ToString(m.Dimensions[1].Value) != "targetgroup/goship-dev/6d0ecf831eec9f09" || aws.ToString(m.Dimensions[0].Value) != "app/goship-dev/50dc6c495c0c9188" {
			values = nil
		}
		out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, Values: values, StatusCode: cwtypes.StatusCodeComplete})
	}
	return &out, nil
}
