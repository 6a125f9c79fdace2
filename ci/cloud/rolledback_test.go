package cloud

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRolledBackIsMarked: both ways a wait learns of a circuit-breaker
// rollback carry ErrRolledBack, so the deploy history can say "rolled back
// by ECS", and the mark adds no words to the message.
func TestRolledBackIsMarked(t *testing.T) {
	t.Parallel()
	_, err := serviceProgress(described(
		deployment("PRIMARY", ecstypes.DeploymentRolloutStateInProgress, 1, 2),
		ecstypes.Deployment{Status: aws.String("ACTIVE"), RolloutState: ecstypes.DeploymentRolloutStateFailed, FailedTasks: 3,
			RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start.")}))
	if !errors.Is(err, ErrRolledBack) || strings.HasSuffix(err.Error(), " ") || strings.Contains(err.Error(), "%!") {
		t.Errorf("failed rollout: %q, want ErrRolledBack and a clean message", err)
	}

	api := &fakeAccount{taskDefinitions: map[string]ecstypes.TaskDefinition{taskDefinitionARN(7): taskDefinition(7, goodImage)}}
	err = checkRunningImage(t.Context(), api, "goship-dev", rollout{taskDefinition: taskDefinitionARN(7)}, badImage)
	if !errors.Is(err, ErrRolledBack) || !strings.Contains(err.Error(), "rolled it back") {
		t.Errorf("stable on the old image: %v, want ErrRolledBack", err)
	}

	_, err = serviceProgress(&ecs.DescribeServicesOutput{Failures: []ecstypes.Failure{{Arn: aws.String("arn:svc"), Reason: aws.String("MISSING")}}})
	if errors.Is(err, ErrRolledBack) {
		t.Errorf("a missing service is not a rollback: %v", err)
	}
}
