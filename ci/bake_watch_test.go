package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// bakeAccount answers a bake's reads: the service running revision 2 of
// goship-dev behind one target group, and the four alarms as alarms says
// at each look (numbered from 1).
type bakeAccount struct {
	mu      sync.Mutex
	started time.Time
	looks   int
	alarms  func(look int, started time.Time) ([]cwtypes.MetricAlarm, error)
	primary func(look int) string // the PRIMARY deployment's task definition
}

const (
	bakeTG      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/goship-dev/6d0ecf831eec9f09"
	bakeLB      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/goship-dev/50dc6c495c0c9188"
	bakeTaskDef = "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:2"
)

func bakeAlarm(kind string, state cwtypes.StateValue, since time.Time) cwtypes.MetricAlarm {
	return cwtypes.MetricAlarm{AlarmName: aws.String("goship-dev-" + kind), StateValue: state, StateTransitionedTimestamp: aws.Time(since),
		StateReason: aws.String("Threshold Crossed: 3 out of the last 5 datapoints [7.5, 9.0, 8.2] were greater than the threshold (2.0).")}
}

// allOK is the four alarms OK since an hour before the bake.
func allOK(_ int, started time.Time) ([]cwtypes.MetricAlarm, error) {
	var alarms []cwtypes.MetricAlarm
	for _, kind := range []string{"target-5xx", "latency-p99", "unhealthy-hosts", "running-tasks"} {
		alarms = append(alarms, bakeAlarm(kind, cwtypes.StateValueOk, started.Add(-time.Hour)))
	}
	return alarms, nil
}

func (a *bakeAccount) DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	primary := bakeTaskDef
	if a.primary != nil {
		primary = a.primary(a.looks)
	}
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{ServiceName: aws.String("goship-dev"), Status: aws.String("ACTIVE"),
		TaskDefinition: aws.String(primary),
		LoadBalancers:  []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(bakeTG)}},
		Deployments:    []ecstypes.Deployment{{Status: aws.String("PRIMARY"), TaskDefinition: aws.String(primary), RolloutState: ecstypes.DeploymentRolloutStateCompleted}},
	}}}, nil
}

func (a *bakeAccount) DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return nil, errors.New("not read by a bake")
}

func (a *bakeAccount) ListTasks(context.Context, *ecs.ListTasksInput, ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	return &ecs.ListTasksOutput{}, nil
}

func (a *bakeAccount) DescribeTasks(context.Context, *ecs.DescribeTasksInput, ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return &ecs.DescribeTasksOutput{}, nil
}

func (a *bakeAccount) DescribeTargetGroups(context.Context, *elb.DescribeTargetGroupsInput, ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	return &elb.DescribeTargetGroupsOutput{TargetGroups: []elbtypes.TargetGroup{{TargetGroupArn: aws.String(bakeTG), LoadBalancerArns: []string{bakeLB}}}}, nil
}

func (a *bakeAccount) DescribeTargetHealth(context.Context, *elb.DescribeTargetHealthInput, ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	return &elb.DescribeTargetHealthOutput{}, nil
}

func (a *bakeAccount) DescribeLoadBalancers(context.Context, *elb.DescribeLoadBalancersInput, ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	return &elb.DescribeLoadBalancersOutput{}, nil
}

func (a *bakeAccount) DescribeListeners(context.Context, *elb.DescribeListenersInput, ...func(*elb.Options)) (*elb.DescribeListenersOutput, error) {
	return &elb.DescribeListenersOutput{}, nil
}

func (a *bakeAccount) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	a.mu.Lock()
	a.looks++
	look, started := a.looks, a.started
	a.mu.Unlock()
	alarms, err := a.alarms(look, started)
	if err != nil {
		return nil, err
	}
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: alarms}, nil
}

func (a *bakeAccount) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	var out cloudwatch.GetMetricDataOutput
	values := map[string][]float64{"requests": {600}, "target5xx": {3}, "p99": {0.09}}
	for _, q := range in.MetricDataQueries {
		out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, Values: values[aws.ToString(q.Id)]})
	}
	return &out, nil
}

func (a *bakeAccount) DescribeAlarmHistory(context.Context, *cloudwatch.DescribeAlarmHistoryInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmHistoryOutput, error) {
	return &cloudwatch.DescribeAlarmHistoryOutput{}, nil
}

// TestBakeWatch runs the bake's loop against canned reads: what each way
// a bake can end records, and whether it blames the image.
func TestBakeWatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		alarms  func(look int, started time.Time) ([]cwtypes.MetricAlarm, error)
		primary func(look int) string
		// cancelAt interrupts the run at that look, as Ctrl-C does.
		cancelAt     int
		wantErr      func(error) bool
		wantRollBack bool
		wantAlarm    string
		wantOutcome  string
	}{
		{name: "every alarm OK to the end", alarms: allOK, wantErr: func(err error) bool { return err == nil }, wantOutcome: report.BakePassed},
		{name: "an alarm goes into ALARM during the bake",
			alarms: func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
				alarms, _ := allOK(look, started)
				if look >= 3 {
					alarms[1] = bakeAlarm("latency-p99", cwtypes.StateValueAlarm, started.Add(time.Millisecond))
				}
				return alarms, nil
			},
			wantErr: isBakeFailure, wantRollBack: true, wantAlarm: "goship-dev-latency-p99", wantOutcome: "failed: alarm goship-dev-latency-p99 went into ALARM"},
		{name: "an ALARM from before the bake is not the release's",
			alarms: func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
				alarms, _ := allOK(look, started)
				alarms[0] = bakeAlarm("target-5xx", cwtypes.StateValueAlarm, started.Add(-3*time.Minute))
				return alarms, nil
			},
			wantErr: func(err error) bool { return err == nil }, wantOutcome: report.BakePassed},
		{name: "INSUFFICIENT_DATA is a quiet service",
			alarms: func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
				alarms, _ := allOK(look, started)
				alarms[3] = bakeAlarm("running-tasks", cwtypes.StateValueInsufficientData, started.Add(-time.Hour))
				return alarms, nil
			},
			wantErr: func(err error) bool { return err == nil }, wantOutcome: report.BakePassed},
		{name: "ECS rolls the deployment back itself", alarms: allOK,
			primary: func(look int) string {
				if look >= 2 {
					return "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:1"
				}
				return bakeTaskDef
			},
			wantErr: isBakeFailure, wantRollBack: true, wantOutcome: "failed: ECS rolled the deployment back"},
		{name: "an alarm is missing: the bake cannot see",
			alarms: func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
				alarms, _ := allOK(look, started)
				return alarms[:3], nil
			},
			wantErr: isBakeFailure, wantOutcome: "failed: CloudWatch has no alarm goship-dev-running-tasks"},
		{name: "three failed reads in a row",
			alarms: func(int, time.Time) ([]cwtypes.MetricAlarm, error) {
				return nil, errors.New("AccessDenied: not authorized to perform cloudwatch:DescribeAlarms")
			},
			wantErr: isBakeFailure, wantOutcome: "cannot watch: cloudwatch:DescribeAlarms"},
		{name: "one failed read is not blindness",
			alarms: func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
				if look == 2 {
					return nil, errors.New("Throttling: Rate exceeded")
				}
				return allOK(look, started)
			},
			wantErr: func(err error) bool { return err == nil }, wantOutcome: report.BakePassed},
		{name: "Ctrl-C during the bake", alarms: allOK, cancelAt: 2,
			wantErr: func(err error) bool { return errors.Is(err, errNotWatched) }, wantOutcome: "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			account := &bakeAccount{alarms: tt.alarms, primary: tt.primary}
			if tt.cancelAt > 0 {
				alarms := tt.alarms
				account.alarms = func(look int, started time.Time) ([]cwtypes.MetricAlarm, error) {
					if look == tt.cancelAt {
						cancel()
					}
					return alarms(look, started)
				}
			}
			var out lockedBuffer
			p := &pipeline{cfg: config{app: "goship", environment: "dev", bake: 200 * time.Millisecond, bakePoll: 10 * time.Millisecond},
				stdout: &out, steps: newSteps(&out, time.Now), result: &report.Summary{}}
			p.now = func() time.Time {
				now := time.Now()
				account.mu.Lock()
				if account.started.IsZero() {
					account.started = now
				}
				account.mu.Unlock()
				return now
			}
			clients := cloud.Clients{ECS: account, ELB: account, CloudWatch: account}
			b, err := bake(ctx, p, clients, "goship-dev", "goship-dev")
			t.Logf("%s\n%v", out.String(), err)
			if !tt.wantErr(err) {
				t.Fatalf("bake = %v", err)
			}
			var failed bakeFailure
			if errors.As(err, &failed) && (failed.verdict.RollBack != tt.wantRollBack || failed.verdict.Alarm != tt.wantAlarm) {
				t.Errorf("verdict %+v, want roll back %v, alarm %q", failed.verdict, tt.wantRollBack, tt.wantAlarm)
			}
			if b == nil || !strings.HasPrefix(b.Outcome, tt.wantOutcome) || b.Alarm != tt.wantAlarm || b.Length != "200ms" {
				t.Fatalf("bake record %+v, want outcome %q, alarm %q", b, tt.wantOutcome, tt.wantAlarm)
			}
			if b.Polls > 0 && (b.Traffic == nil || b.Traffic.Requests != 600) {
				t.Errorf("bake record's traffic %+v, want the 600 requests read", b.Traffic)
			}
		})
	}
}

func isBakeFailure(err error) bool { return errors.As(err, new(bakeFailure)) }

// TestBakeSkipped: --bake 0 reads nothing and says so.
func TestBakeSkipped(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	p := &pipeline{cfg: config{bake: 0}, stdout: &out, now: time.Now, steps: newSteps(&out, time.Now)}
	b, err := bake(t.Context(), p, cloud.Clients{}, "goship-dev", "goship-dev")
	if err != nil || b.Outcome != report.BakeSkipped || !strings.Contains(out.String(), "bake skipped (--bake 0)") {
		t.Errorf("bake = %+v, %v; output %q", b, err, out.String())
	}
}
