package main

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

func deployment(status string, state ecstypes.DeploymentRolloutState, running, desired int32) ecstypes.Deployment {
	return ecstypes.Deployment{Status: aws.String(status), RolloutState: state, RunningCount: running, DesiredCount: desired}
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
		{"missing service", &ecs.DescribeServicesOutput{Failures: []ecstypes.Failure{{Arn: aws.String("arn:svc"), Reason: aws.String("MISSING")}}}, false, "MISSING"},
	}
	for _, tt := range tests {
		stable, progress, err := serviceProgress(tt.resp)
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
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling, rolling, done}}
		var out bytes.Buffer
		if err := waitStable(context.Background(), fake, "goship-dev", "goship-dev", time.Minute, time.Millisecond, &out); err != nil {
			t.Fatal(err)
		}
		if fake.calls != 3 || strings.Count(out.String(), "\n") != 3 || !strings.Contains(out.String(), "rollout COMPLETED, 2/2 tasks running") {
			t.Errorf("%d calls, progress:\n%s", fake.calls, out.String())
		}
	})
	t.Run("times out", func(t *testing.T) {
		t.Parallel()
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling}}
		err := waitStable(context.Background(), fake, "goship-dev", "goship-dev", 50*time.Millisecond, time.Millisecond, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "not stable after 50ms") {
			t.Errorf("waitStable = %v, want a timeout", err)
		}
	})
	t.Run("rollout fails", func(t *testing.T) {
		t.Parallel()
		failed := described(ecstypes.Deployment{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateFailed, RolloutStateReason: aws.String("circuit breaker")})
		fake := &fakeECS{answers: []*ecs.DescribeServicesOutput{rolling, failed}}
		err := waitStable(context.Background(), fake, "goship-dev", "goship-dev", time.Minute, time.Millisecond, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "rollout failed: circuit breaker") {
			t.Errorf("waitStable = %v, want the rollout failure", err)
		}
	})
}
