package cloud

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// fakeAccount answers the day-two calls from canned values in the SDK's
// own response types, shaped as ECS, ELB, Application Auto Scaling and
// CloudWatch Logs return them for a service stack of this repository
// (names <app>-<env>, container api, awslogs prefix api).
type fakeAccount struct {
	service         ecstypes.Service
	taskDefinitions map[string]ecstypes.TaskDefinition // by ARN
	stoppedTasks    []ecstypes.Task
	targets         []elbtypes.TargetHealthDescription
	scalable        []aastypes.ScalableTarget
	streams         map[string][]logstypes.OutputLogEvent // by group + "|" + stream
	cloudWatch      *fakeCloudWatch
}

const (
	fakeRegion   = "eu-west-1"
	fakeAccountI = "123456789012"
	fakeCluster  = "goship-dev"
	fakeTG       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/goship-dev/6d0ecf831eec9f09"
	fakeLB       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/goship-dev/50dc6c495c0c9188"
	fakeRepo     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev"
	goodImage    = fakeRepo + "@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	badImage     = fakeRepo + "@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func taskDefinitionARN(revision int) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/goship-dev:%d", fakeRegion, fakeAccountI, revision)
}

func taskARN(id string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task/%s/%s", fakeRegion, fakeAccountI, fakeCluster, id)
}

func taskDefinition(revision int, image string) ecstypes.TaskDefinition {
	return ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(taskDefinitionARN(revision)),
		Family:            aws.String("goship-dev"),
		Revision:          int32(revision),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("api"), Image: aws.String(image), Essential: aws.Bool(true),
			LogConfiguration: &ecstypes.LogConfiguration{
				LogDriver: ecstypes.LogDriverAwslogs,
				Options: map[string]string{
					"awslogs-group": "/ecs/goship-dev", "awslogs-region": fakeRegion,
					"awslogs-stream-prefix": "api", "mode": "non-blocking",
				},
			},
		}},
	}
}

// now is the fixed moment the golden files are rendered at.
var now = time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)

func ago(d time.Duration) *time.Time { t := now.Add(-d); return &t }

// failedRollout is a deploy of badImage (revision 8) that the circuit
// breaker is rolling back to goodImage (revision 7): one task exited, one
// failed its ELB health checks, one could not pull; a task of the good
// image stopped by a scale-in is not part of the story.
func failedRollout() *fakeAccount {
	exit1, exit137 := int32(1), int32(137)
	logLine := func(at time.Duration, msg string) logstypes.OutputLogEvent {
		return logstypes.OutputLogEvent{Timestamp: aws.Int64(ago(at).UnixMilli()), Message: aws.String(msg)}
	}
	var many []logstypes.OutputLogEvent
	for i := range 20 {
		many = append(many, logLine(6*time.Minute, fmt.Sprintf(`{"time":"2026-11-29T10:24:%02dZ","level":"INFO","msg":"request","path":"/healthz","status":503}`, i)))
	}
	return &fakeAccount{
		service: ecstypes.Service{
			ServiceName:    aws.String("goship-dev"),
			ServiceArn:     aws.String("arn:aws:ecs:eu-west-1:123456789012:service/goship-dev/goship-dev"),
			Status:         aws.String("ACTIVE"),
			DesiredCount:   2,
			RunningCount:   2,
			PendingCount:   1,
			TaskDefinition: aws.String(taskDefinitionARN(7)),
			LoadBalancers:  []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(fakeTG), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
			Deployments: []ecstypes.Deployment{
				{Id: aws.String("ecs-svc/4417082914620915731"), Status: aws.String("PRIMARY"), TaskDefinition: aws.String(taskDefinitionARN(7)),
					RolloutState: ecstypes.DeploymentRolloutStateInProgress, RolloutStateReason: aws.String("ECS deployment ecs-svc/4417082914620915731 in progress."),
					DesiredCount: 2, RunningCount: 1, PendingCount: 1, CreatedAt: ago(2 * time.Minute)},
				{Id: aws.String("ecs-svc/9024851283410945710"), Status: aws.String("ACTIVE"), TaskDefinition: aws.String(taskDefinitionARN(8)),
					RolloutState: ecstypes.DeploymentRolloutStateFailed, RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start."),
					DesiredCount: 0, RunningCount: 1, FailedTasks: 3, CreatedAt: ago(14 * time.Minute)},
			},
			Events: []ecstypes.ServiceEvent{
				{CreatedAt: ago(90 * time.Second), Message: aws.String("(service goship-dev) has started 1 tasks: (task 5f1c2b0e9a7d4c3b8e6f0a1b2c3d4e5f).")},
				{CreatedAt: ago(2 * time.Minute), Message: aws.String("(service goship-dev) (deployment ecs-svc/9024851283410945710) deployment failed: tasks failed to start.")},
				{CreatedAt: ago(5 * time.Minute), Message: aws.String("(service goship-dev) (port 8080) is unhealthy in (target-group " + fakeTG + ") due to (reason Health checks failed with these codes: [503]).")},
				{CreatedAt: ago(12 * time.Minute), Message: aws.String("(service goship-dev) has started 2 tasks: (task 0b7e1f3c5d9a4e2f8c6b4a2e0d8f6b4a) (task 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d).")},
			},
		},
		taskDefinitions: map[string]ecstypes.TaskDefinition{
			taskDefinitionARN(7): taskDefinition(7, goodImage),
			taskDefinitionARN(8): taskDefinition(8, badImage),
		},
		stoppedTasks: []ecstypes.Task{
			{TaskArn: aws.String(taskARN("0b7e1f3c5d9a4e2f8c6b4a2e0d8f6b4a")), TaskDefinitionArn: aws.String(taskDefinitionARN(8)),
				LastStatus: aws.String("STOPPED"), StoppedAt: ago(9 * time.Minute), StopCode: ecstypes.TaskStopCodeEssentialContainerExited,
				StoppedReason: aws.String("Essential container in task exited"),
				Containers:    []ecstypes.Container{{Name: aws.String("api"), Image: aws.String(badImage), ExitCode: &exit1, LastStatus: aws.String("STOPPED"), HealthStatus: ecstypes.HealthStatusUnhealthy}}},
			{TaskArn: aws.String(taskARN("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d")), TaskDefinitionArn: aws.String(taskDefinitionARN(8)),
				LastStatus: aws.String("STOPPED"), StoppedAt: ago(4 * time.Minute), StopCode: ecstypes.TaskStopCodeServiceSchedulerInitiated,
				StoppedReason: aws.String("Task failed ELB health checks in (target-group " + fakeTG + ")"),
				Containers:    []ecstypes.Container{{Name: aws.String("api"), Image: aws.String(badImage), ExitCode: &exit137, LastStatus: aws.String("STOPPED"), HealthStatus: ecstypes.HealthStatusUnknown}}},
			{TaskArn: aws.String(taskARN("c3d4e5f60718293a4b5c6d7e8f901a2b")), TaskDefinitionArn: aws.String(taskDefinitionARN(8)),
				LastStatus: aws.String("STOPPED"), StoppedAt: ago(3 * time.Minute), StopCode: ecstypes.TaskStopCodeTaskFailedToStart,
				StoppedReason: aws.String("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref " + badImage + ": not found"),
				Containers: []ecstypes.Container{{Name: aws.String("api"), Image: aws.String(badImage), LastStatus: aws.String("STOPPED"),
					Reason: aws.String("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref " + badImage + ": not found")}}},
			{TaskArn: aws.String(taskARN("ffeeddccbbaa99887766554433221100")), TaskDefinitionArn: aws.String(taskDefinitionARN(7)),
				LastStatus: aws.String("STOPPED"), StoppedAt: ago(1 * time.Minute), StopCode: ecstypes.TaskStopCodeServiceSchedulerInitiated,
				StoppedReason: aws.String("Scaling activity initiated by (deployment ecs-svc/4417082914620915731)"),
				Containers:    []ecstypes.Container{{Name: aws.String("api"), Image: aws.String(goodImage), ExitCode: aws.Int32(0)}}},
		},
		targets: []elbtypes.TargetHealthDescription{
			{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.2.41"), Port: aws.Int32(8080)}, HealthCheckPort: aws.String("8080"),
				TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}},
			{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.1.23"), Port: aws.Int32(8080)}, HealthCheckPort: aws.String("8080"),
				TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumUnhealthy, Reason: elbtypes.TargetHealthReasonEnumResponseCodeMismatch,
					Description: aws.String("Health checks failed with these codes: [503]")}},
			{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.1.77"), Port: aws.Int32(8080)}, HealthCheckPort: aws.String("8080"),
				TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumDraining, Reason: elbtypes.TargetHealthReasonEnumDeregistrationInProgress,
					Description: aws.String("Target deregistration is in progress")}},
		},
		scalable: []aastypes.ScalableTarget{{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/goship-dev/goship-dev"),
			ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(6)}},
		cloudWatch: &fakeCloudWatch{
			alarms: []cwtypes.MetricAlarm{
				fakeAlarm("target-5xx", cwtypes.StateValueAlarm, 9*time.Minute, "Threshold Crossed: 3 out of the last 5 datapoints [7.6 (29/11/26 10:20:00), 9.1 (29/11/26 10:19:00), 6.3 (29/11/26 10:18:00)] were greater than the threshold (2.0)."),
				fakeAlarm("latency-p99", cwtypes.StateValueOk, 3*time.Hour, "Threshold Crossed: no datapoints were received for 5 periods and 5 missing datapoints were treated as [NonBreaching]."),
				fakeAlarm("unhealthy-hosts", cwtypes.StateValueAlarm, 6*time.Minute, "Threshold Crossed: 3 out of the last 5 datapoints [1.0 (29/11/26 10:23:00), 1.0 (29/11/26 10:22:00), 1.0 (29/11/26 10:21:00)] were greater than or equal to the threshold (1.0)."),
				fakeAlarm("running-tasks", cwtypes.StateValueInsufficientData, 20*time.Hour, "Unchecked: Initial alarm creation"),
			},
			metrics: map[string][]float64{"RequestCount": {1230}, "HTTPCode_Target_5XX_Count": {96}, "TargetResponseTime": {0.412}},
			history: []cwtypes.AlarmHistoryItem{
				fakeHistory("unhealthy-hosts", 6*time.Minute, "Alarm updated from OK to ALARM"),
				fakeHistory("target-5xx", 9*time.Minute, "Alarm updated from OK to ALARM"),
			},
		},
		streams: map[string][]logstypes.OutputLogEvent{
			"/ecs/goship-dev|api/api/0b7e1f3c5d9a4e2f8c6b4a2e0d8f6b4a": {
				logLine(10*time.Minute, `{"time":"2026-11-29T10:20:01.112Z","level":"INFO","msg":"starting","version":"v1.3.0","commit":"2222222"}`),
				logLine(10*time.Minute, `{"time":"2026-11-29T10:20:01.115Z","level":"ERROR","msg":"invalid configuration","error":"READ_TIMEOUT: time: invalid duration \"5\""}`),
			},
			"/ecs/goship-dev|api/api/9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d": many,
		},
	}
}

// healthy is the same service after the rollback completed.
func healthy() *fakeAccount {
	a := failedRollout()
	a.service.PendingCount = 0
	a.service.Deployments = []ecstypes.Deployment{{Id: aws.String("ecs-svc/4417082914620915731"), Status: aws.String("PRIMARY"),
		TaskDefinition: aws.String(taskDefinitionARN(7)), RolloutState: ecstypes.DeploymentRolloutStateCompleted,
		RolloutStateReason: aws.String("ECS deployment ecs-svc/4417082914620915731 completed."), DesiredCount: 2, RunningCount: 2, CreatedAt: ago(2 * time.Minute)}}
	a.service.Events = append([]ecstypes.ServiceEvent{{CreatedAt: ago(30 * time.Second), Message: aws.String("(service goship-dev) has reached a steady state.")}}, a.service.Events...)
	a.targets = []elbtypes.TargetHealthDescription{
		{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.1.58"), Port: aws.Int32(8080)}, TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}},
		{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.2.41"), Port: aws.Int32(8080)}, TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}},
	}
	a.cloudWatch.alarms[0] = fakeAlarm("target-5xx", cwtypes.StateValueOk, time.Minute, "Threshold Crossed: 5 out of the last 5 datapoints were not greater than the threshold (2.0).")
	a.cloudWatch.alarms[2] = fakeAlarm("unhealthy-hosts", cwtypes.StateValueOk, 2*time.Minute, "Threshold Crossed: 5 out of the last 5 datapoints were not greater than or equal to the threshold (1.0).")
	a.cloudWatch.metrics = map[string][]float64{"RequestCount": {1860}, "HTTPCode_Target_5XX_Count": {2}, "TargetResponseTime": {0.084}}
	return a
}

func (a *fakeAccount) clients() Clients {
	return Clients{ECS: a, ELB: a, Scaling: a, Logs: a, CloudWatch: a.cloudWatch}
}

func (a *fakeAccount) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if aws.ToString(in.Cluster) != fakeCluster || !slices.Equal(in.Services, []string{"goship-dev"}) {
		return &ecs.DescribeServicesOutput{Failures: []ecstypes.Failure{{Arn: aws.String(in.Services[0]), Reason: aws.String("MISSING")}}}, nil
	}
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{a.service}}, nil
}

func (a *fakeAccount) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	td, ok := a.taskDefinitions[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, &ecstypes.ClientException{Message: aws.String("Unable to describe task definition.")}
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &td}, nil
}

func (a *fakeAccount) ListTasks(_ context.Context, in *ecs.ListTasksInput, _ ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	if in.DesiredStatus != ecstypes.DesiredStatusStopped {
		return &ecs.ListTasksOutput{}, nil
	}
	var arns []string
	for _, t := range a.stoppedTasks {
		arns = append(arns, aws.ToString(t.TaskArn))
	}
	return &ecs.ListTasksOutput{TaskArns: arns}, nil
}

func (a *fakeAccount) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	var out ecs.DescribeTasksOutput
	for _, t := range a.stoppedTasks {
		if slices.Contains(in.Tasks, aws.ToString(t.TaskArn)) {
			out.Tasks = append(out.Tasks, t)
		}
	}
	return &out, nil
}

func (a *fakeAccount) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	if aws.ToString(in.TargetGroupArn) != fakeTG {
		return nil, &elbtypes.TargetGroupNotFoundException{Message: aws.String("One or more target groups not found")}
	}
	return &elb.DescribeTargetHealthOutput{TargetHealthDescriptions: a.targets}, nil
}

func (a *fakeAccount) DescribeTargetGroups(context.Context, *elb.DescribeTargetGroupsInput, ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	return &elb.DescribeTargetGroupsOutput{TargetGroups: []elbtypes.TargetGroup{{TargetGroupArn: aws.String(fakeTG), LoadBalancerArns: []string{fakeLB}}}}, nil
}

func (a *fakeAccount) DescribeLoadBalancers(context.Context, *elb.DescribeLoadBalancersInput, ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	return &elb.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String(fakeLB),
		DNSName: aws.String("goship-dev-1234567890.eu-west-1.elb.amazonaws.com")}}}, nil
}

func (a *fakeAccount) DescribeListeners(context.Context, *elb.DescribeListenersInput, ...func(*elb.Options)) (*elb.DescribeListenersOutput, error) {
	return &elb.DescribeListenersOutput{Listeners: []elbtypes.Listener{{Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp}}}, nil
}

func (a *fakeAccount) DescribeScalableTargets(context.Context, *applicationautoscaling.DescribeScalableTargetsInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScalableTargetsOutput, error) {
	return &applicationautoscaling.DescribeScalableTargetsOutput{ScalableTargets: a.scalable}, nil
}

func (a *fakeAccount) GetLogEvents(_ context.Context, in *cloudwatchlogs.GetLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	events, ok := a.streams[aws.ToString(in.LogGroupName)+"|"+aws.ToString(in.LogStreamName)]
	if !ok {
		return nil, &logstypes.ResourceNotFoundException{Message: aws.String("The specified log stream does not exist.")}
	}
	if n := int(aws.ToInt32(in.Limit)); n > 0 && len(events) > n {
		events = events[len(events)-n:]
	}
	return &cloudwatchlogs.GetLogEventsOutput{Events: events}, nil
}

func (a *fakeAccount) FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	return &cloudwatchlogs.FilterLogEventsOutput{}, nil
}
