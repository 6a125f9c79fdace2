package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/example/goship/ci/report"
)

// ErrNoService says the environment has no ECS service yet.
var ErrNoService = errors.New("no ECS service")

// statusEvents is how many service events status shows.
const statusEvents = 8

// DescribeService returns the ECS service, or an error wrapping
// ErrNoService when there is none (never deployed, or destroyed).
func DescribeService(ctx context.Context, api ECSAPI, cluster, service string) (types.Service, error) {
	resp, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
	if err != nil {
		var notFound *types.ClusterNotFoundException
		if errors.As(err, &notFound) {
			return types.Service{}, fmt.Errorf("%w %s: cluster %s does not exist (deploy the environment first)", ErrNoService, service, cluster)
		}
		return types.Service{}, fmt.Errorf("ecs:DescribeServices %s/%s: %w", cluster, service, err)
	}
	for _, s := range resp.Services {
		if aws.ToString(s.Status) != "INACTIVE" {
			return s, nil
		}
	}
	return types.Service{}, fmt.Errorf("%w %s in cluster %s (deploy the environment first)", ErrNoService, service, cluster)
}

// RunningImage is the image of the service's PRIMARY deployment, the one
// a deploy without --image would keep and a rollback moves away from.
func RunningImage(ctx context.Context, api ECSAPI, svc types.Service) (string, error) {
	taskDefinition := aws.ToString(svc.TaskDefinition)
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			taskDefinition = aws.ToString(d.TaskDefinition)
		}
	}
	if taskDefinition == "" {
		return "", fmt.Errorf("ECS service %s names no task definition", aws.ToString(svc.ServiceName))
	}
	resp, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDefinition)})
	if err != nil {
		return "", fmt.Errorf("ecs:DescribeTaskDefinition %s: %w", taskDefinition, err)
	}
	for _, c := range resp.TaskDefinition.ContainerDefinitions {
		if aws.ToBool(c.Essential) || len(resp.TaskDefinition.ContainerDefinitions) == 1 {
			return aws.ToString(c.Image), nil
		}
	}
	return "", fmt.Errorf("task definition %s has no essential container", taskDefinition)
}

// Status gathers one look at the service: deployments, task counts,
// target health, the autoscaling range, the latest events and the URL,
// all read from the service itself and what it points at, so that no
// Terraform output (and no engine) is needed; and the signals' alarms and
// traffic, when s names alarms.
func Status(ctx context.Context, c Clients, cluster, service string, s Signals) (report.ServiceStatus, error) {
	svc, err := DescribeService(ctx, c.ECS, cluster, service)
	if err != nil {
		return report.ServiceStatus{}, err
	}
	st := report.ServiceStatus{
		Cluster:        cluster,
		Service:        service,
		TaskDefinition: aws.ToString(svc.TaskDefinition),
		Desired:        svc.DesiredCount,
		Running:        svc.RunningCount,
		Pending:        svc.PendingCount,
		Events:         serviceEvents(svc, statusEvents),
		Deployments:    Deployments(svc),
	}
	if st.Image, err = RunningImage(ctx, c.ECS, svc); err != nil {
		return report.ServiceStatus{}, err
	}
	if st.Targets, err = TargetHealth(ctx, c.ELB, svc); err != nil {
		return report.ServiceStatus{}, err
	}
	if st.URL, err = ServiceURL(ctx, c.ELB, svc); err != nil {
		return report.ServiceStatus{}, err
	}
	if st.Scaling, err = scalingRange(ctx, c.Scaling, cluster, service); err != nil {
		return report.ServiceStatus{}, err
	}
	addSignals(ctx, c, svc, &st, s)
	// --json prints empty lists as [], not null.
	st.Alarms = nonNil(st.Alarms)
	st.Deployments = nonNil(st.Deployments)
	st.Targets = nonNil(st.Targets)
	st.Events = nonNil(st.Events)
	return st, nil
}

// Deployments are the service's ECS deployments, as status shows them and
// the bake reads ECS's own rollback from them.
func Deployments(svc types.Service) []report.Deployment {
	var deployments []report.Deployment
	for _, d := range svc.Deployments {
		deployments = append(deployments, report.Deployment{
			ID:             aws.ToString(d.Id),
			Status:         aws.ToString(d.Status),
			RolloutState:   string(d.RolloutState),
			RolloutReason:  aws.ToString(d.RolloutStateReason),
			TaskDefinition: aws.ToString(d.TaskDefinition),
			Desired:        d.DesiredCount,
			Running:        d.RunningCount,
			Pending:        d.PendingCount,
			Failed:         d.FailedTasks,
			Created:        aws.ToTime(d.CreatedAt),
		})
	}
	return deployments
}

func serviceEvents(svc types.Service, n int) []report.Event {
	var events []report.Event
	for _, e := range svc.Events[:min(n, len(svc.Events))] {
		events = append(events, report.Event{At: aws.ToTime(e.CreatedAt), Message: aws.ToString(e.Message)})
	}
	return events
}

// TargetHealth is the health of every target in the service's target
// groups, as the load balancer sees it.
func TargetHealth(ctx context.Context, api LoadBalancerAPI, svc types.Service) ([]report.Target, error) {
	var targets []report.Target
	for _, lb := range svc.LoadBalancers {
		arn := aws.ToString(lb.TargetGroupArn)
		if arn == "" {
			continue
		}
		resp, err := api.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("elasticloadbalancing:DescribeTargetHealth %s: %w", arn, err)
		}
		for _, d := range resp.TargetHealthDescriptions {
			t := report.Target{}
			if d.Target != nil {
				t.ID, t.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
			}
			if d.TargetHealth != nil {
				t.State = string(d.TargetHealth.State)
				t.Reason = string(d.TargetHealth.Reason)
				t.Description = aws.ToString(d.TargetHealth.Description)
			}
			targets = append(targets, t)
		}
	}
	slices.SortFunc(targets, func(a, b report.Target) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return targets, nil
}

// ServiceURL is the base URL of the load balancer in front of the
// service: https when it has an HTTPS listener, as the service stack's
// service_url output says.
func ServiceURL(ctx context.Context, api LoadBalancerAPI, svc types.Service) (string, error) {
	var groups []string
	for _, lb := range svc.LoadBalancers {
		if arn := aws.ToString(lb.TargetGroupArn); arn != "" {
			groups = append(groups, arn)
		}
	}
	if len(groups) == 0 {
		return "", nil
	}
	tg, err := api.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: groups[:1]})
	if err != nil {
		return "", fmt.Errorf("elasticloadbalancing:DescribeTargetGroups: %w", err)
	}
	if len(tg.TargetGroups) == 0 || len(tg.TargetGroups[0].LoadBalancerArns) == 0 {
		return "", nil
	}
	lbArn := tg.TargetGroups[0].LoadBalancerArns[0]
	lbs, err := api.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if err != nil {
		return "", fmt.Errorf("elasticloadbalancing:DescribeLoadBalancers: %w", err)
	}
	if len(lbs.LoadBalancers) == 0 {
		return "", nil
	}
	listeners, err := api.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)})
	if err != nil {
		return "", fmt.Errorf("elasticloadbalancing:DescribeListeners: %w", err)
	}
	scheme := "http"
	if slices.ContainsFunc(listeners.Listeners, func(l elbtypes.Listener) bool { return l.Protocol == elbtypes.ProtocolEnumHttps }) {
		scheme = "https"
	}
	return scheme + "://" + aws.ToString(lbs.LoadBalancers[0].DNSName), nil
}

// scalingRange is the service's autoscaling minimum and maximum, or nil
// when the service does not scale.
func scalingRange(ctx context.Context, api ScalingAPI, cluster, service string) (*report.Scaling, error) {
	resp, err := api.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace:  aastypes.ServiceNamespaceEcs,
		ResourceIds:       []string{"service/" + cluster + "/" + service},
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
	})
	if err != nil {
		return nil, fmt.Errorf("application-autoscaling:DescribeScalableTargets: %w", err)
	}
	if len(resp.ScalableTargets) == 0 {
		return nil, nil
	}
	t := resp.ScalableTargets[0]
	return &report.Scaling{Min: aws.ToInt32(t.MinCapacity), Max: aws.ToInt32(t.MaxCapacity)}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
