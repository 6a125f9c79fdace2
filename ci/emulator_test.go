package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/ci/terraform"
	"github.com/example/goship/internal/moto"
)

// emulatedEnvironment is what the service stack and two deploys leave in
// an account, made directly with the SDK in moto: the state bucket with
// two history entries, the ECR repository with both images, the cluster
// and service running the second image behind a target group, and a log
// group with the api's lines.
type emulatedEnvironment struct {
	clients        cloud.Clients
	first, second  string // image references, in deploy order
	bucket         string
	repositoryName string
}

func emulate(t *testing.T, cfg aws.Config) emulatedEnvironment {
	t.Helper()
	ctx := t.Context()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	env := emulatedEnvironment{clients: cloud.NewClients(cfg), bucket: "goship-state-123456789012", repositoryName: "goship-dev"}
	must(env.clients.S3.(*s3.Client).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.bucket)}))
	// What bootstrap leaves for each environment, which the preflight of
	// plan and rollback looks for.
	for _, environment := range []string{"dev", "prod"} {
		for _, name := range terraform.BootstrapParameters("goship", environment) {
			must(ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Type: ssmtypes.ParameterTypeString, Value: aws.String("{}")}))
		}
	}

	registry := ecr.NewFromConfig(cfg)
	repo, err := registry.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(env.repositoryName)})
	if err != nil {
		t.Fatal(err)
	}
	push := func(tag, config string) string {
		manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat(config, 64) + `","size":1},"layers":[]}`
		// moto does not hash the manifest itself: every image would get
		// the digest of nothing. The registry's digest is the manifest's.
		out, err := registry.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String(env.repositoryName), ImageTag: aws.String(tag),
			ImageManifest: aws.String(manifest), ImageDigest: aws.String(fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(manifest))))})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(repo.Repository.RepositoryUri) + "@" + aws.ToString(out.Image.ImageId.ImageDigest)
	}
	env.first, env.second = push("1111111-20261129090000", "a"), push("2222222-20261129100000", "b")

	at := time.Now().Add(-50 * time.Minute).UTC().Truncate(time.Second)
	for i, d := range []report.Deploy{
		{Time: at, Kind: report.KindDeploy, Image: env.first, Commit: "1111111aaaa", Version: "v1.2.0", Caller: "arn:aws:iam::123456789012:user/alice", Outcome: report.OutcomeLive},
		{Time: at.Add(20 * time.Minute), Kind: report.KindDeploy, Image: env.second, Commit: "2222222bbbb", Version: "v1.3.0",
			Caller: "arn:aws:sts::123456789012:assumed-role/github-deploy-goship/GitHubActions", Actor: "octocat",
			RunURL: "https://github.com/example/goship/actions/runs/42", Outcome: report.OutcomeLive},
	} {
		if err := cloud.RecordDeploy(ctx, env.clients.S3, env.bucket, "goship", "dev", "run"+string(rune('a'+i)), d); err != nil {
			t.Fatal(err)
		}
	}

	subnets, vpcID := defaultSubnets(t, aws.ToString(cfg.BaseEndpoint))
	lbs := elb.NewFromConfig(cfg)
	lb, err := lbs.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("goship-dev"), Subnets: subnets})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := lbs.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("goship-dev"), Port: aws.Int32(8080),
		Protocol: elbtypes.ProtocolEnumHttp, VpcId: aws.String(vpcID), TargetType: elbtypes.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	must(lbs.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgArn}}}))
	must(lbs.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgArn, Targets: []elbtypes.TargetDescription{
		{Id: aws.String("10.0.1.58"), Port: aws.Int32(8080)}, {Id: aws.String("10.0.2.41"), Port: aws.Int32(8080)}}}))

	tasks := ecs.NewFromConfig(cfg)
	must(tasks.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("goship-dev")}))
	td, err := tasks.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("goship-dev"), RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String(env.second), Essential: aws.Bool(true),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs,
				Options: map[string]string{"awslogs-group": "/ecs/goship-dev", "awslogs-region": moto.Region, "awslogs-stream-prefix": "api"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	must(tasks.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("goship-dev"), ServiceName: aws.String("goship-dev"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeFargate,
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: tgArn, ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}}}))

	must(env.clients.Scaling.(*applicationautoscaling.Client).RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/goship-dev/goship-dev"),
		ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(6)}))

	logs := cloudwatchlogs.NewFromConfig(cfg)
	group, stream := "/ecs/goship-dev", "api/api/5f1c2b0e9a7d4c3b8e6f0a1b2c3d4e5f"
	must(logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}))
	must(logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}))
	now := time.Now()
	must(logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
		LogEvents: []logstypes.InputLogEvent{
			{Timestamp: aws.Int64(now.Add(-30 * time.Minute).UnixMilli()), Message: aws.String(`{"time":"` + now.Add(-30*time.Minute).UTC().Format(time.RFC3339Nano) + `","level":"INFO","msg":"listening","addr":":8080","version":"v1.3.0"}`)},
			{Timestamp: aws.Int64(now.Add(-2 * time.Minute).UnixMilli()), Message: aws.String(`{"time":"` + now.Add(-2*time.Minute).UTC().Format(time.RFC3339Nano) + `","level":"WARN","msg":"request","method":"GET","path":"/version","status":200,"duration_ms":912.4,"client_ip":"203.0.113.7"}`)},
		}}))
	return env
}

// TestDayTwoAgainstTheEmulator runs status, logs and history through run
// itself against moto, and the rollback's choice of image (rollback's
// apply needs the engine). Not parallel: the AWS SDK reads the process
// environment. With -v it prints each mode's output, the samples of docs/operations.md.
func TestDayTwoAgainstTheEmulator(t *testing.T) {
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	for _, kv := range server.Environ(nil) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	env := emulate(t, server.AWSConfig())
	ci := func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		// The engine's probe answers as inside `dagger run`: rollback and
		// plan are refused by their host-side preparation before any engine.
		inDaggerRun := envOf(map[string]string{"DAGGER_SESSION_PORT": "1", "DAGGER_SESSION_TOKEN": "t"})
		err := run(t.Context(), append(args, "--state-bucket", env.bucket), inDaggerRun, strings.NewReader(""), &stdout, &stderr, nil)
		t.Logf("$ go run ./ci %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
		return stdout.String(), err
	}

	t.Run("status", func(t *testing.T) {
		// The emulated load balancer's name resolves nowhere: GET /version
		// goes to a stand-in of the api on loopback, whatever the host.
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/version" {
				fmt.Fprint(w, `{"service":"goship","version":"v1.3.0","commit":"2222222bbbb","build_time":"2026-11-29T15:40:00Z","go_version":"go1.26.3"}`)
			}
		}))
		defer api.Close()
		loopback := &http.Client{Timeout: versionTimeout, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, api.Listener.Addr().String())
			},
		}}
		show := func(asJSON bool, web *http.Client) (string, error) {
			var stdout bytes.Buffer
			p := &pipeline{
				cfg:    config{app: "goship", environment: "dev", region: moto.Region, stateBucket: env.bucket, asJSON: asJSON},
				aws:    &cloud.Session{Config: server.AWSConfig()},
				stdout: &stdout, stderr: &stdout, getenv: envOf(nil), now: time.Now, web: web,
			}
			err := status(t.Context(), p)
			t.Logf("$ go run ./ci status (json: %v)\n%s", asJSON, stdout.String())
			return stdout.String(), err
		}
		out, err := show(false, loopback)
		for _, want := range []string{env.second, "2 desired, 2 running", "min 2, desired 2, max 6", "10.0.1.58:8080", "healthy", "http://goship-dev",
			"Version  v1.3.0 (commit 2222222bbbb, from GET /version)"} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q", want)
			}
		}
		// moto leaves out ECS events and reports every target healthy, so
		// the service is stable and healthy.
		if err != nil {
			t.Errorf("status = %v, want a stable, healthy service", err)
		}

		unreachable := &http.Client{Transport: &http.Transport{
			DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("connection refused") },
		}}
		out, _ = show(true, unreachable)
		var st report.ServiceStatus
		if err := json.Unmarshal([]byte(out), &st); err != nil || st.Image != env.second || st.Running != 2 || st.Commit != "2222222bbbb" ||
			!strings.HasPrefix(st.VersionSource, "the deploy history") {
			t.Errorf("status --json, URL unreachable = %+v, %v; want the version from the history", st, err)
		}
	})

	t.Run("logs --since 1h", func(t *testing.T) {
		out, err := ci("logs", "--since", "1h")
		if err != nil || !strings.Contains(out, "INFO  listening addr=:8080 version=v1.3.0") || !strings.Contains(out, "WARN  request client_ip=203.0.113.7") {
			t.Errorf("logs = %v", err)
		}
		out, err = ci("logs", "--since", "10m", "--json")
		if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, `{"time":`) {
			t.Errorf("logs --since 10m --json = %q, %v; want the one recent raw line", out, err)
		}
	})

	t.Run("history lists two deploys", func(t *testing.T) {
		out, err := ci("history")
		if err != nil || !strings.Contains(out, "1  ") || !strings.Contains(out, "octocat") || !strings.Contains(out, "2  ") {
			t.Errorf("history = %v", err)
		}
		out, _ = ci("history", "--json")
		var entries []report.Deploy
		if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 2 || entries[0].Image != env.second {
			t.Errorf("history --json = %+v, %v; want two, newest first", entries, err)
		}
	})

	t.Run("rollback picks the earlier digest, and refuses one ECR no longer has", func(t *testing.T) {
		cfg := config{app: "goship", environment: "dev", stateBucket: env.bucket}
		target, err := rollbackTarget(t.Context(), env.clients, cfg)
		if err != nil || target.Image != env.first {
			t.Fatalf("rollback target = %s, %v; want %s", target.Image, err, env.first)
		}
		_, err = ecr.NewFromConfig(server.AWSConfig()).BatchDeleteImage(t.Context(), &ecr.BatchDeleteImageInput{
			RepositoryName: aws.String(env.repositoryName), ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(report.Digest(env.first))}}})
		if err != nil {
			t.Fatal(err)
		}
		// Through run: refused on the host, before any engine starts.
		_, err = ci("rollback", "--signer-identity", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main")
		t.Logf("ci: %v", err)
		if !errors.Is(err, cloud.ErrImageGone) || !strings.Contains(err.Error(), report.Digest(env.first)+" is not in repository goship-dev") {
			t.Errorf("rollback to an expired image: %v, want a refusal naming it", err)
		}
	})

	// moto answers DescribeTasks with numbers where ECS sends strings, so
	// stopped tasks cannot be emulated: ci/cloud's golden test covers them
	// with fakes. Here the rest of the path: the deploy's explanation on
	// the terminal and in the step summary.
	t.Run("a failed rollout explains itself", func(t *testing.T) {
		var stdout bytes.Buffer
		p := &pipeline{stdout: &stdout, now: time.Now, result: &report.Summary{}}
		explainFailedRollout(t.Context(), p, env.clients, "goship-dev", "goship-dev", env.second, time.Now().Add(-time.Hour))
		t.Logf("a failed wait prints:\n%s", stdout.String())
		for _, want := range []string{"Why: stopped tasks", "(no stopped task", "Why: load balancer target health", "10.0.1.58:8080"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("the explanation lacks %q", want)
			}
		}
		if len(p.result.Sections) != 1 || !strings.Contains(p.result.Sections[0].Markdown, "10.0.2.41:8080") {
			t.Errorf("step summary sections = %+v, want the diagnosis", p.result.Sections)
		}

		// After a failed apply, only stopped tasks of the new image are
		// worth a diagnosis; here there are none, so nothing is added.
		stdout.Reset()
		p.cfg = config{app: "goship", environment: "dev"}
		p.aws = &cloud.Session{Config: server.AWSConfig()}
		explainFailedApply(t.Context(), p, env.second, time.Now().Add(-time.Hour))
		if stdout.Len() != 0 || len(p.result.Sections) != 1 {
			t.Errorf("a failed apply with no stopped task printed %q", stdout.String())
		}

		stdout.Reset()
		explainFailedSmoke(t.Context(), p, env.clients, "goship-dev", "goship-dev", errors.New("smoke test of http://goship-dev failed: GET http://goship-dev/healthz: status 502: Bad Gateway"))
		if !strings.Contains(stdout.String(), "status 502: Bad Gateway") || !strings.Contains(stdout.String(), "10.0.2.41:8080") || len(p.result.Sections) != 2 {
			t.Errorf("a failed smoke test prints:\n%s\nwant its last answer and the target health", stdout.String())
		}
	})

	t.Run("plan of an environment never deployed asks for --image", func(t *testing.T) {
		_, err := ci("plan", "--env", "prod")
		if err == nil || !strings.Contains(err.Error(), "no ECS service goship-prod") || !strings.Contains(err.Error(), "--image") || exitCode(err) != 2 {
			t.Errorf("plan = %v (exit %d), want a usage error asking for --image", err, exitCode(err))
		}
	})
}

// defaultSubnets are the subnets of moto's default VPC, read with one EC2
// Query API call (moto checks no signature), rather than a dependency on
// the SDK's EC2 client for one test.
func defaultSubnets(t *testing.T, endpoint string) ([]string, string) {
	t.Helper()
	form := url.Values{"Action": {"DescribeSubnets"}, "Version": {"2016-11-15"},
		"Filter.1.Name": {"default-for-az"}, "Filter.1.Value.1": {"true"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto routes a request by the service in its credential scope.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/"+moto.Region+"/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only
	var out struct {
		Subnets []struct {
			ID  string `xml:"subnetId"`
			VPC string `xml:"vpcId"`
		} `xml:"subnetSet>item"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Subnets) < 2 {
		t.Fatalf("moto's default subnets: %+v, %v", out, err)
	}
	return []string{out.Subnets[0].ID, out.Subnets[1].ID}, out.Subnets[0].VPC
}
