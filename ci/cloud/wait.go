package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECSAPI is the part of ECS the wait uses: ECS in a run, a fake in tests.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ErrRolledBack marks a wait that ended because the deployment failed
// and the circuit breaker rolled it back (or is rolling it back), so that
// the deploy history can say so.
var ErrRolledBack = errors.New("rolled back by the ECS circuit breaker")

// WaitInterval is how often WaitStable asks ECS.
const WaitInterval = 15 * time.Second

// WaitStable polls ECS until the service runs only the new deployment,
// with every desired task running, and prints a progress line each time.
// It gives up after timeout (deploys of a new ALB can take longer than
// the SDK waiter's default) and at once if the rollout fails.
//
// The service's circuit breaker rolls a failed deployment back, and a
// completed rollback looks stable: one PRIMARY deployment, COMPLETED, all
// tasks running, just not the image that was deployed. So a stable service
// is only a success when its task definition runs image.
func WaitStable(ctx context.Context, api ECSAPI, cluster, service, image string, timeout, interval time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		resp, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("describing ECS service %s: %w", service, err)
		}
		if err == nil {
			state, err := serviceProgress(resp)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  ecs %s: %s\n", service, state.progress)
			if state.stable {
				return checkRunningImage(ctx, api, service, state, image)
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("ECS service %s not stable after %s: see its events in the ECS console, and the task logs", service, timeout)
			}
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// rollout is what one DescribeServices answer says about the service.
type rollout struct {
	stable         bool
	progress       string
	taskDefinition string   // of the PRIMARY deployment
	events         []string // the service's latest events, newest first
}

// serviceProgress decides from one DescribeServices answer whether the
// service is stable: exactly one deployment, the PRIMARY one, its rollout
// COMPLETED and as many tasks running as desired. A deployment in state
// FAILED, PRIMARY or not, ends the wait at once: with rollback on, the
// circuit breaker marks the new deployment FAILED and starts a new PRIMARY
// one that brings back the previous task definition.
func serviceProgress(resp *ecs.DescribeServicesOutput) (rollout, error) {
	if len(resp.Failures) > 0 {
		f := resp.Failures[0]
		return rollout{}, fmt.Errorf("ECS service %s: %s", aws.ToString(f.Arn), aws.ToString(f.Reason))
	}
	if len(resp.Services) != 1 {
		return rollout{}, fmt.Errorf("ECS returned %d services, want 1", len(resp.Services))
	}
	svc := resp.Services[0]
	var events []string
	for _, e := range svc.Events[:min(len(svc.Events), 5)] {
		events = append(events, aws.ToString(e.Message))
	}
	var primary *types.Deployment
	for i, d := range svc.Deployments {
		if d.RolloutState == types.DeploymentRolloutStateFailed {
			what := "ECS deployment failed"
			if aws.ToString(d.Status) != "PRIMARY" {
				what = "ECS deployment failed and the circuit breaker is rolling back to the previous task definition"
			}
			return rollout{}, fmt.Errorf("%s: %s (%d tasks failed)%s%w",
				what, aws.ToString(d.RolloutStateReason), d.FailedTasks, eventLines(events), rolledBackMark{})
		}
		if aws.ToString(d.Status) == "PRIMARY" {
			primary = &svc.Deployments[i]
		}
	}
	if primary == nil {
		return rollout{progress: fmt.Sprintf("no primary deployment yet (%d deployments)", len(svc.Deployments)), events: events}, nil
	}
	return rollout{
		stable: len(svc.Deployments) == 1 &&
			primary.RolloutState == types.DeploymentRolloutStateCompleted &&
			primary.RunningCount == primary.DesiredCount,
		progress: fmt.Sprintf("rollout %s, %d/%d tasks running, %d pending, %d failed, %d deployments",
			primary.RolloutState, primary.RunningCount, primary.DesiredCount, primary.PendingCount, primary.FailedTasks, len(svc.Deployments)),
		taskDefinition: aws.ToString(primary.TaskDefinition),
		events:         events,
	}, nil
}

// checkRunningImage fails when the stable service runs another image than
// the one deployed: the sign of a rollback that finished before the wait
// began (Terraform waits for a steady state too).
func checkRunningImage(ctx context.Context, api ECSAPI, service string, state rollout, image string) error {
	if state.taskDefinition == "" {
		return fmt.Errorf("ECS service %s is stable but names no task definition", service)
	}
	resp, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(state.taskDefinition)})
	if err != nil {
		return fmt.Errorf("describing ECS task definition %s: %w", state.taskDefinition, err)
	}
	var images []string
	if resp.TaskDefinition != nil {
		for _, c := range resp.TaskDefinition.ContainerDefinitions {
			images = append(images, aws.ToString(c.Image))
		}
	}
	if slices.Contains(images, image) {
		return nil
	}
	return fmt.Errorf("ECS service %s is stable but runs %s (task definition %s), not %s: the deployment failed and the circuit breaker rolled it back%s%w",
		service, strings.Join(images, ", "), state.taskDefinition, image, eventLines(state.events), rolledBackMark{})
}

// eventLines formats the service's latest events, which say why tasks
// failed (a failing health check, an image that cannot be pulled).
func eventLines(events []string) string {
	if len(events) == 0 {
		return ""
	}
	return "\n  latest service events:\n    " + strings.Join(events, "\n    ")
}

// rolledBackMark wraps ErrRolledBack without adding words to a message
// that already says it.
type rolledBackMark struct{}

func (rolledBackMark) Error() string { return "" }
func (rolledBackMark) Unwrap() error { return ErrRolledBack }
