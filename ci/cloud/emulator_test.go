package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
)

// TestAgainstTheEmulator runs the day-two calls against moto, which
// answers with the real AWS wire formats the SDK decodes.
func TestAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	c := NewClients(server.AWSConfig())

	t.Run("deploy history written and read back, newest first", func(t *testing.T) {
		t.Parallel()
		const bucket = "goship-state-history"
		if _, err := c.S3.(*s3.Client).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		first := report.Deploy{Time: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), Kind: report.KindDeploy, Image: goodImage,
			Commit: "1111111", Version: "v1.2.0", Caller: "arn:aws:iam::123456789012:user/alice", Outcome: report.OutcomeLive}
		second := report.Deploy{Time: first.Time.Add(time.Hour), Kind: report.KindDeploy, Image: badImage,
			Commit: "2222222", Version: "v1.3.0", Caller: "arn:aws:sts::123456789012:assumed-role/github-deploy-goship/GitHubActions",
			Actor: "octocat", RunURL: "https://github.com/example/goship/actions/runs/42", Outcome: report.OutcomeRolledBack, Detail: "ECS deployment failed"}
		for i, d := range []report.Deploy{first, second} {
			if err := RecordDeploy(t.Context(), c.S3, bucket, "goship", "dev", "run"+string(rune('a'+i)), d); err != nil {
				t.Fatal(err)
			}
		}
		// Another environment's deploys stay out of this one's history.
		if err := RecordDeploy(t.Context(), c.S3, bucket, "goship", "prod", "runp", first); err != nil {
			t.Fatal(err)
		}
		got, err := History(t.Context(), c.S3, bucket, "goship", "dev")
		if err != nil {
			t.Fatal(err)
		}
		if want := []report.Deploy{second, first}; !reflect.DeepEqual(got, want) {
			t.Errorf("history =\n%+v\nwant\n%+v", got, want)
		}
		empty, err := History(t.Context(), c.S3, bucket, "goship", "staging")
		if err != nil || len(empty) != 0 {
			t.Errorf("history of an environment never deployed = %v, %v; want none", empty, err)
		}
	})

	t.Run("an image still in ECR, and one that is gone", func(t *testing.T) {
		t.Parallel()
		client := c.ECR.(*ecr.Client)
		repo, err := client.CreateRepository(t.Context(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("goship-images")})
		if err != nil {
			t.Fatal(err)
		}
		put, err := client.PutImage(t.Context(), &ecr.PutImageInput{
			RepositoryName: aws.String("goship-images"), ImageTag: aws.String("1111111-20261129090000"),
			ImageManifest: aws.String(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("3", 64) + `","size":1},"layers":[]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		url := aws.ToString(repo.Repository.RepositoryUri)
		if err := RequireImage(t.Context(), c.ECR, url+"@"+aws.ToString(put.Image.ImageId.ImageDigest)); err != nil {
			t.Errorf("an image in the repository: %v", err)
		}
		tags, err := ImageTags(t.Context(), c.ECR, url+"@"+aws.ToString(put.Image.ImageId.ImageDigest))
		if err != nil || len(tags) != 1 || tags[0] != "1111111-20261129090000" {
			t.Errorf("tags = %q, %v; want the one it was pushed under", tags, err)
		}
		gone := url + "@sha256:" + strings.Repeat("9", 64)
		if err := RequireImage(t.Context(), c.ECR, gone); !errors.Is(err, ErrImageGone) || !strings.Contains(err.Error(), "--to") {
			t.Errorf("an image the lifecycle policy expired: %v, want ErrImageGone with a way out", err)
		}
	})

	t.Run("logs since an hour ago, then followed", func(t *testing.T) {
		t.Parallel()
		client := c.Logs.(*cloudwatchlogs.Client)
		group, stream := "/ecs/goship-logs", "api/api/0b7e1f3c5d9a4e2f8c6b4a2e0d8f6b4a"
		if _, err := client.CreateLogGroup(t.Context(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateLogStream(t.Context(), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
			t.Fatal(err)
		}
		write := func(msg string) {
			t.Helper()
			_, err := client.PutLogEvents(context.WithoutCancel(t.Context()), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
				LogEvents: []logstypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String(msg)}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		write(`{"level":"INFO","msg":"listening","addr":":8080"}`)
		write(`{"level":"INFO","msg":"request","path":"/healthz","status":200}`)

		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var got []string
		err := Logs(ctx, c.Logs, LogQuery{Group: group, Since: time.Now().Add(-time.Hour)}, true, 10*time.Millisecond, func(e report.LogEvent) error {
			got = append(got, e.Message)
			switch len(got) {
			case 2: // what was there: now write while following
				write(`{"level":"WARN","msg":"slow request","ms":950}`)
			case 3:
				cancel()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || !strings.Contains(got[2], "slow request") {
			t.Errorf("printed %q, want the two earlier lines, then the one written while following", got)
		}
	})

	t.Run("status of a running service", func(t *testing.T) {
		t.Parallel()
		ecsClient := c.ECS.(*ecs.Client)
		cluster := "goship-status"
		if _, err := ecsClient.CreateCluster(t.Context(), &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
			t.Fatal(err)
		}
		td := taskDefinition(1, goodImage)
		registered, err := ecsClient.RegisterTaskDefinition(t.Context(), &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(cluster), ContainerDefinitions: td.ContainerDefinitions,
			RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, NetworkMode: ecstypes.NetworkModeAwsvpc,
			Cpu: aws.String("256"), Memory: aws.String("512"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ecsClient.CreateService(t.Context(), &ecs.CreateServiceInput{Cluster: aws.String(cluster), ServiceName: aws.String(cluster),
			TaskDefinition: registered.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(2)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Scaling.(*applicationautoscaling.Client).RegisterScalableTarget(t.Context(), &applicationautoscaling.RegisterScalableTargetInput{
			ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/" + cluster + "/" + cluster),
			ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(4)}); err != nil {
			t.Fatal(err)
		}
		st, err := Status(t.Context(), c, cluster, cluster, Signals{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Image != goodImage || st.Desired != 2 || st.Running != 2 || st.Scaling == nil || st.Scaling.Max != 4 {
			data, _ := json.MarshalIndent(st, "", "  ")
			t.Errorf("status = %s\nwant image %s, 2/2 tasks, scaling up to 4", data, goodImage)
		}
		if _, err := Status(t.Context(), c, cluster, "goship-none", Signals{}); !errors.Is(err, ErrNoService) {
			t.Errorf("a service never created: %v, want ErrNoService", err)
		}
	})
}
