package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// serviceDescriber is the ECS call the wait polls: ECS in a run, a fake in
// tests.
type serviceDescriber interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

const waitInterval = 15 * time.Second

// waitStable polls ECS until the service runs only the new deployment,
// with every desired task running, and prints a progress line each time.
// It gives up after timeout (deploys of a new ALB can take longer than
// the SDK waiter's default) and at once if the rollout fails.
func waitStable(ctx context.Context, ecsAPI serviceDescriber, cluster, service string, timeout, interval time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		resp, err := ecsAPI.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("describing ECS service %s: %w", service, err)
		}
		if err == nil {
			stable, progress, err := serviceProgress(resp)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  ecs %s: %s\n", service, progress)
			if stable {
				return nil
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

// serviceProgress decides from one DescribeServices answer whether the
// service is stable: exactly one deployment, the PRIMARY one, its rollout
// COMPLETED and as many tasks running as desired.
func serviceProgress(resp *ecs.DescribeServicesOutput) (bool, string, error) {
	if len(resp.Failures) > 0 {
		f := resp.Failures[0]
		return false, "", fmt.Errorf("ECS service %s: %s", aws.ToString(f.Arn), aws.ToString(f.Reason))
	}
	if len(resp.Services) != 1 {
		return false, "", fmt.Errorf("ECS returned %d services, want 1", len(resp.Services))
	}
	svc := resp.Services[0]
	var primary *types.Deployment
	for i, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			primary = &svc.Deployments[i]
		}
	}
	if primary == nil {
		return false, fmt.Sprintf("no primary deployment yet (%d deployments)", len(svc.Deployments)), nil
	}
	if primary.RolloutState == types.DeploymentRolloutStateFailed {
		return false, "", fmt.Errorf("ECS rollout failed: %s", aws.ToString(primary.RolloutStateReason))
	}
	progress := fmt.Sprintf("rollout %s, %d/%d tasks running, %d pending, %d failed, %d deployments",
		primary.RolloutState, primary.RunningCount, primary.DesiredCount, primary.PendingCount, primary.FailedTasks, len(svc.Deployments))
	stable := len(svc.Deployments) == 1 &&
		primary.RolloutState == types.DeploymentRolloutStateCompleted &&
		primary.RunningCount == primary.DesiredCount
	return stable, progress, nil
}
