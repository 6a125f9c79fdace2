package cloud

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

const (
	newTaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:8"
	oldTaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:7"
)

var (
	newImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("b", 64)
	oldImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("a", 64)
)

func deployment(status string, state ecstypes.DeploymentRolloutState, running, desired int32) ecstypes.Deployment {
	return ecstypes.Deployment{Status: aws.String(status), RolloutState: state, RunningCount: running, DesiredCount: desired,
		TaskDefinition: aws.String(newTaskDefinition)}
}

func described(deployments ...ecstypes.Deployment) *ecs.DescribeServicesOutput {
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{ServiceName: aws.String("goship-dev"), Deployments: deployments}}}
}

func TestServiceProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		resp    *ecs.DescribeServicesOutput
		stable  bool
		wantErr string
	}{
		{"completed", described(deployment("PRIMARY", ecstypes.DeploymentRolloutStateCompleted, 2, 2)), true, ""},
		{"old tasks draining", described(
			deployment("PRIMARY", ecstypes.DeploymentRolloutStateCompleted, 2, 2),
			deployment("ACTIVE", ecstypes.DeploymentRolloutStateCompleted, 1, 0)), false, ""},
		{"in progress", described(deployment("PRIMARY", ecstypes.DeploymentRolloutStateInProgress, 2, 2)), false, ""},
		{"tasks starting", described(deployment("PRIMARY", ecstypes.DeploymentRolloutStateCompleted, 1, 2)), false, ""},
		{"no primary", described(deployment("ACTIVE", ecstypes.DeploymentRolloutStateCompleted, 2, 2)), false, ""},
		{"rollout failed", described(ecstypes.Deployment{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateFailed,
			RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start.")}), false, "circuit breaker"},
		// With rollback on, the circuit breaker marks the new deployment
		// FAILED and ACTIVE, and a new PRIMARY one brings the old image back.
		{"rolling back", described(
			deployment("PRIMARY", ecstypes.DeploymentRolloutStateInProgress, 1, 2),
			ecstypes.Deployment{Status: aws.String("ACTIVE"), RolloutState: ecstypes.DeploymentRolloutStateFailed, FailedTasks: 3,
				RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start.")}), false, "rolling back to the previous task definition"},
		{"missing service", &ecs.DescribeServicesOutput{Failures: []ecstypes.Failure{{Arn: aws.String("arn:svc"), Reason: aws.String("MISSING")}}}, false, "MISSING"},
	}
	for _, tt := range tests {
		state, err := serviceProgress(tt.resp)
		stable, progress := state.stable, state.progress
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || stable != tt.stable || progress == "" {
			t.Errorf("%s: serviceProgress = %v, %q, %v; want stable %v", tt.name, stable, progress, err, tt.stable)
		}
	}
}

// fakeECS answers DescribeServices from a script, repeating its last answer.
type fakeECS struct {
	mu      sync.Mutex
	answers []*ecs.DescribeServicesOutput
	calls   int
	images  map[string]string // task definition ARN → image
}

func (f *fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	image, ok := f.images[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, errors.New("ClientException: unable to describe task definition")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{
		TaskDefinitionArn:    in.TaskDefinition,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String(image)}},
	}}, nil
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Cluster) != "goship-dev" || len(in.Services) != 1 || in.Services[0] != "goship-dev" {
		return nil, errors.New("unexpected input")
	}
	answer := f.answers[min(f.calls, len(f.answers)-1)]
	f.calls++
	return answer, nil
}

func TestWaitStable(t *testing.T) {
	t.Parallel()
	rolling := described(
		deployment("PRIMARY", ecstypes.DeploymentRolloutStateInProgress, 1, 2),
		deployment("ACTIVE", ecstypes.DeploymentRolloutStateCompleted, 2, 0))
	done := described(deployment("PRIMARY", ecstypes.DeploymentRolloutStateCompleted, 2, 2))

	t.Run("becomes stable", func(t *testing.T) {
		t.Parallel()
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling, rolling, done}, images: map[string]string{newTaskDefinition: newImage}}
		var out bytes.Buffer
		if err := WaitStable(context.Background(), fake, "goship-dev", "goship-dev", newImage, time.Minute, time.Millisecond, &out); err != nil {
			t.Fatal(err)
		}
		if fake.calls != 3 || strings.Count(out.String(), "\n") != 3 || !strings.Contains(out.String(), "rollout COMPLETED, 2/2 tasks running") {
			t.Errorf("%d calls, progress:\n%s", fake.calls, out.String())
		}
	})
	t.Run("times out", func(t *testing.T) {
		t.Parallel()
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling}}
		err := WaitStable(context.Background(), fake, "goship-dev", "goship-dev", newImage, 50*time.Millisecond, time.Millisecond, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "not stable after 50ms") {
			t.Errorf("WaitStable = %v, want a timeout", err)
		}
	})
	t.Run("rollout fails", func(t *testing.T) {
		t.Parallel()
		failed := described(ecstypes.Deployment{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateFailed, RolloutStateReason: aws.String("circuit breaker")})
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling, failed}}
		err := WaitStable(context.Background(), fake, "goship-dev", "goship-dev", newImage, time.Minute, time.Millisecond, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "deployment failed: circuit breaker") {
			t.Errorf("WaitStable = %v, want the rollout failure", err)
		}
	})
	t.Run("rolled back before the wait began", func(t *testing.T) {
		t.Parallel()
		// Terraform waits for a steady state too: by the time this wait
		// starts, the rollback may be over and the failed deployment gone.
		rolledBack := described(ecstypes.Deployment{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateCompleted,
			RunningCount: 2, DesiredCount: 2, TaskDefinition: aws.String(oldTaskDefinition)})
		rolledBack.Services[0].Events = []ecstypes.ServiceEvent{{Message: aws.String("(service goship-dev) rolling back to deployment ecs-svc/123")}}
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolledBack}, images: map[string]string{oldTaskDefinition: oldImage, newTaskDefinition: newImage}}
		err := WaitStable(context.Background(), fake, "goship-dev", "goship-dev", newImage, time.Minute, time.Millisecond, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "runs "+oldImage) || !strings.Contains(err.Error(), "rolling back to deployment") {
			t.Errorf("WaitStable = %v, want the rollback to the old image, with the events", err)
		}
	})
}
