package moto_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/example/goship/internal/moto"
)

// TestServer starts one emulator and checks each thing the harness promises
// on it: the SDK configuration reaches it, the Application Auto Scaling tag
// calls moto lacks answer, and ECS services report the running count asked
// for.
func TestServer(t *testing.T) {
	t.Parallel()
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	cfg := server.AWSConfig()

	t.Run("sdk reaches the emulator", func(t *testing.T) {
		t.Parallel()
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(id.Account); got != moto.AccountID {
			t.Errorf("account = %q, want %q", got, moto.AccountID)
		}
	})

	t.Run("scalable target tags", func(t *testing.T) {
		t.Parallel()
		client := ecs.NewFromConfig(cfg)
		cluster, service := "tags", "tagged"
		createService(t, client, cluster, service, 1, nil)
		call := func(action string, body any) map[string]any {
			t.Helper()
			return autoscaling(t, server.Endpoint, action, body)
		}
		registered := call("RegisterScalableTarget", map[string]any{
			"ServiceNamespace":  "ecs",
			"ResourceId":        "service/" + cluster + "/" + service,
			"ScalableDimension": "ecs:service:DesiredCount",
			"MinCapacity":       1,
			"MaxCapacity":       2,
			"Tags":              map[string]string{"Application": "goship"},
		})
		arn, _ := registered["ScalableTargetARN"].(string)
		if arn == "" {
			t.Fatalf("RegisterScalableTarget returned no ARN: %v", registered)
		}
		call("TagResource", map[string]any{"ResourceARN": arn, "Tags": map[string]string{"Environment": "dev", "Gone": "soon"}})
		call("UntagResource", map[string]any{"ResourceARN": arn, "TagKeys": []string{"Gone"}})
		got, _ := json.Marshal(call("ListTagsForResource", map[string]any{"ResourceARN": arn})["Tags"])
		if want := `{"Application":"goship","Environment":"dev"}`; string(got) != want {
			t.Errorf("tags = %s, want %s", got, want)
		}
	})

	t.Run("ecs services report the running count", func(t *testing.T) {
		t.Parallel()
		client := ecs.NewFromConfig(cfg)
		createService(t, client, "running", "api", 2, nil)
		out, err := client.DescribeServices(t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String("running"), Services: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Services) != 1 || out.Services[0].RunningCount != 2 {
			t.Fatalf("services = %+v, want one with 2 running", out.Services)
		}
		if state := out.Services[0].Deployments[0].RolloutState; state != ecstypes.DeploymentRolloutStateCompleted {
			t.Errorf("rollout state = %s, want COMPLETED", state)
		}
	})

	t.Run("ecs services keep their deployment alarms from create", func(t *testing.T) {
		t.Parallel()
		client := ecs.NewFromConfig(cfg)
		createService(t, client, "alarms", "api", 1, &ecstypes.DeploymentConfiguration{
			Alarms: &ecstypes.DeploymentAlarms{AlarmNames: []string{"api-dev-target-5xx", "api-dev-latency-p99"}, Enable: true, Rollback: true},
		})
		out, err := client.DescribeServices(t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String("alarms"), Services: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Services) != 1 || out.Services[0].DeploymentConfiguration == nil || out.Services[0].DeploymentConfiguration.Alarms == nil {
			t.Fatalf("services = %+v, want one with its deployment alarms", out.Services)
		}
		got := out.Services[0].DeploymentConfiguration.Alarms
		if !got.Enable || !got.Rollback || strings.Join(got.AlarmNames, ",") != "api-dev-target-5xx,api-dev-latency-p99" {
			t.Errorf("deployment alarms = %+v, want both names, enabled, rolling back", got)
		}
	})

	t.Run("environ keeps no real credentials", func(t *testing.T) {
		t.Parallel()
		env := server.Environ([]string{"AWS_PROFILE=prod", "AWS_SESSION_TOKEN=real", "HOME=/home/x"})
		joined := strings.Join(env, "\n")
		for _, leaked := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "=real", "=prod"} {
			if strings.Contains(joined, leaked) {
				t.Errorf("environ keeps %q:\n%s", leaked, joined)
			}
		}
		if !strings.Contains(joined, "AWS_ENDPOINT_URL="+server.Endpoint) || !strings.Contains(joined, "HOME=/home/x") {
			t.Errorf("environ lacks the endpoint or the base:\n%s", joined)
		}
	})
}

func createService(t *testing.T, client *ecs.Client, cluster, service string, desired int32, deployment *ecstypes.DeploymentConfiguration) {
	t.Helper()
	ctx := t.Context()
	if _, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
		t.Fatal(err)
	}
	def, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               aws.String(service),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("example:1"), Memory: aws.Int32(512)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster:                 aws.String(cluster),
		ServiceName:             aws.String(service),
		TaskDefinition:          def.TaskDefinition.TaskDefinitionArn,
		DesiredCount:            aws.Int32(desired),
		DeploymentConfiguration: deployment,
	}); err != nil {
		t.Fatal(err)
	}
}

// autoscaling calls an Application Auto Scaling action over its JSON
// protocol directly: the SDK client for it is not a dependency of this
// module, and moto does not check signatures.
func autoscaling(t *testing.T, endpoint, action string, body any) map[string]any {
	t.Helper()
	payload, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint+"/", strings.NewReader(string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService."+action)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/"+moto.Region+"/application-autoscaling/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: a close error changes nothing
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s\n%s", action, resp.Status, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v\n%s", action, err, b)
	}
	return out
}
