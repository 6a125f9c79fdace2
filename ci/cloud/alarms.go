package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/example/goship/ci/report"
)

// The CloudWatch reads of the bake, status and the failure diagnosis: the
// environment's alarms by their exact names, what the load balancer
// measured for the service's target group, and what the alarms did.

// Alarms are the states of the alarms named, in that order. Exact names,
// never a prefix (see report.AlarmNames); a name CloudWatch does not know
// comes back with an empty State, for the caller to call missing.
func Alarms(ctx context.Context, api AlarmAPI, names []string) ([]report.Alarm, error) {
	found := map[string]report.Alarm{}
	in := &cloudwatch.DescribeAlarmsInput{AlarmNames: names, AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}}
	for {
		resp, err := api.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudwatch:DescribeAlarms %s: %w", strings.Join(names, ", "), err)
		}
		for _, a := range resp.MetricAlarms {
			// StateTransitionedTimestamp is when the state last changed;
			// StateUpdatedTimestamp also moves when only the reason does.
			since := aws.ToTime(a.StateTransitionedTimestamp)
			if since.IsZero() {
				since = aws.ToTime(a.StateUpdatedTimestamp)
			}
			found[aws.ToString(a.AlarmName)] = report.Alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue),
				Since: since.UTC(), Reason: aws.ToString(a.StateReason)}
		}
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	alarms := make([]report.Alarm, len(names))
	for i, name := range names {
		alarms[i] = report.Alarm{Name: name}
		if a, ok := found[name]; ok {
			alarms[i] = a
		}
	}
	return alarms, nil
}

// TrafficSource names the service's target group and its load balancer as
// the ALB's CloudWatch metrics do: the dimensions TargetGroup
// (targetgroup/<name>/<id>) and LoadBalancer (app/<name>/<id>), the ends of
// their ARNs.
type TrafficSource struct {
	LoadBalancer string
	TargetGroup  string
}

// FindTrafficSource reads the service's first target group and the load
// balancer in front of it; a service without one has none (zero value).
func FindTrafficSource(ctx context.Context, api LoadBalancerAPI, svc types.Service) (TrafficSource, error) {
	var group string
	for _, lb := range svc.LoadBalancers {
		if arn := aws.ToString(lb.TargetGroupArn); arn != "" {
			group = arn
			break
		}
	}
	if group == "" {
		return TrafficSource{}, nil
	}
	tg, err := api.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{group}})
	if err != nil {
		return TrafficSource{}, fmt.Errorf("elasticloadbalancing:DescribeTargetGroups: %w", err)
	}
	if len(tg.TargetGroups) == 0 || len(tg.TargetGroups[0].LoadBalancerArns) == 0 {
		return TrafficSource{}, nil
	}
	lb := tg.TargetGroups[0].LoadBalancerArns[0]
	_, lbDimension, ok := strings.Cut(lb, ":loadbalancer/")
	if !ok {
		return TrafficSource{}, fmt.Errorf("load balancer ARN %s has no loadbalancer/ part", lb)
	}
	return TrafficSource{LoadBalancer: lbDimension, TargetGroup: group[strings.LastIndex(group, ":")+1:]}, nil
}

// The metric queries' IDs: GetMetricData answers by them.
const (
	queryRequests = "requests"
	query5xx      = "target5xx"
	queryP99      = "p99"
)

// Traffic is what the load balancer measured for src from from to to:
// requests and target 5xx summed, TargetResponseTime's p99. CloudWatch
// keeps the ALB's figures per minute, so the window starts at from's
// minute, and the whole window is one period: a p99 of the window, not a
// p99 of p99s. A minute without a request has no datapoint: no requests,
// and no p99 (an emulator without percentiles answers the same way).
func Traffic(ctx context.Context, api AlarmAPI, src TrafficSource, from, to time.Time) (report.Traffic, error) {
	start := from.UTC().Truncate(time.Minute)
	end := to.UTC().Truncate(time.Minute).Add(time.Minute)
	if src.TargetGroup == "" {
		return report.MeasuredTraffic(start, to.UTC(), 0, 0, nil), nil
	}
	period := int32(end.Sub(start) / time.Second)
	dimensions := []cwtypes.Dimension{
		{Name: aws.String("LoadBalancer"), Value: aws.String(src.LoadBalancer)},
		{Name: aws.String("TargetGroup"), Value: aws.String(src.TargetGroup)},
	}
	query := func(id, metric, stat string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(metric), Dimensions: dimensions},
			Period: aws.Int32(period), Stat: aws.String(stat),
		}}
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end), MetricDataQueries: []cwtypes.MetricDataQuery{
		query(queryRequests, "RequestCount", "Sum"),
		query(query5xx, "HTTPCode_Target_5XX_Count", "Sum"),
		query(queryP99, "TargetResponseTime", "p99"),
	}}
	values := map[string][]float64{}
	for {
		resp, err := api.GetMetricData(ctx, in)
		if err != nil {
			return report.Traffic{}, fmt.Errorf("cloudwatch:GetMetricData for target group %s: %w", src.TargetGroup, err)
		}
		for _, r := range resp.MetricDataResults {
			values[aws.ToString(r.Id)] = append(values[aws.ToString(r.Id)], r.Values...)
		}
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	sum := func(vs []float64) float64 {
		total := 0.0
		for _, v := range vs {
			total += v
		}
		return total
	}
	var p99Ms *float64
	if vs := values[queryP99]; len(vs) > 0 {
		// One period gives one value; should CloudWatch split the window,
		// the worst of its parts is the honest figure.
		worst := slices.Max(vs) * 1000
		p99Ms = &worst
	}
	return report.MeasuredTraffic(start, to.UTC(), sum(values[queryRequests]), sum(values[query5xx]), p99Ms), nil
}

// AlarmHistory is what the alarms named did from from to to, oldest
// first: their state changes only, read alarm by alarm (the call takes one
// name, and a prefix would also match another application's alarms).
func AlarmHistory(ctx context.Context, api AlarmAPI, names []string, from, to time.Time) ([]report.AlarmEvent, error) {
	var events []report.AlarmEvent
	for _, name := range names {
		in := &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String(name), HistoryItemType: cwtypes.HistoryItemTypeStateUpdate,
			StartDate: aws.Time(from), EndDate: aws.Time(to)}
		for {
			resp, err := api.DescribeAlarmHistory(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("cloudwatch:DescribeAlarmHistory %s: %w", name, err)
			}
			for _, item := range resp.AlarmHistoryItems {
				events = append(events, report.AlarmEvent{At: aws.ToTime(item.Timestamp).UTC(), Alarm: aws.ToString(item.AlarmName),
					Type: string(item.HistoryItemType), Summary: aws.ToString(item.HistorySummary)})
			}
			if resp.NextToken == nil {
				break
			}
			in.NextToken = resp.NextToken
		}
	}
	slices.SortStableFunc(events, func(a, b report.AlarmEvent) int { return a.At.Compare(b.At) })
	return events, nil
}

// AlarmWindow asks a diagnosis for the alarm history of Names from From to
// To; without names it has none.
type AlarmWindow struct {
	Names    []string
	From, To time.Time
}

// addAlarmHistory puts the window's alarm history into d, or why it could
// not be read: a diagnosis is written while something else already
// failed, and an account (or an emulator) that cannot answer must not
// hide that.
func addAlarmHistory(ctx context.Context, api AlarmAPI, d *report.Diagnosis, w AlarmWindow) {
	if len(w.Names) == 0 {
		return
	}
	if api == nil {
		d.AlarmHistoryError = "no CloudWatch client"
		return
	}
	events, err := AlarmHistory(ctx, api, w.Names, w.From, w.To)
	if err != nil {
		d.AlarmHistoryError = report.FirstLine(err.Error())
		return
	}
	d.AlarmHistory = events
	if d.AlarmHistory == nil {
		d.AlarmHistory = []report.AlarmEvent{}
	}
}

// Signals are the environment's alarms and the last window of traffic,
// as status shows them.
type Signals struct {
	Alarms  []string // exact names
	Traffic time.Duration
	Now     time.Time
}

// addSignals reads the alarms and the traffic into st. What cannot be
// read is said in st rather than failing status: the service's own state
// is worth showing without them.
func addSignals(ctx context.Context, c Clients, svc types.Service, st *report.ServiceStatus, s Signals) {
	if len(s.Alarms) == 0 {
		return
	}
	if c.CloudWatch == nil {
		st.SignalsError = "no CloudWatch client"
		return
	}
	var errs []error
	alarms, err := Alarms(ctx, c.CloudWatch, s.Alarms)
	if err != nil {
		errs = append(errs, err)
	}
	st.Alarms = alarms
	src, err := FindTrafficSource(ctx, c.ELB, svc)
	if err == nil {
		var traffic report.Traffic
		traffic, err = Traffic(ctx, c.CloudWatch, src, s.Now.Add(-s.Traffic), s.Now)
		if err == nil {
			st.Traffic = &traffic
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		st.SignalsError = report.FirstLine(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
}
