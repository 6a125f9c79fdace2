package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// TestDayTwoAgainstTheAppliedStacks is issue 9's second acceptance
// criterion: the day-two modes against the real registry and service
// stacks, applied by terraform into moto with the pipeline's own init,
// plan and apply arguments and recorded as deploy records them. It is one
// test because each step works on what the one before left: two deploys,
// status, logs and history through run, a rollback, then plan's exit codes.
//
// What the engine would do is done on the host: terraform runs here, not in
// its container, and the image is put into ECR with PutImage (moto's ECR has
// no registry API to push to). The wait and smoke test are left out: moto
// runs no task and serves no URL.
func TestDayTwoAgainstTheAppliedStacks(t *testing.T) {
	// Mostly waiting on the provider's polls of moto: it overlaps well.
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	mirror, version := awsProviderMirror(t)
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	started := time.Now()
	t.Cleanup(func() { t.Logf("wall time against the applied stacks: %s", time.Since(started).Round(time.Second)) })
	ctx := t.Context()
	awsCfg := server.AWSConfig()
	clients := cloud.NewClients(awsCfg)

	cfg := config{app: "goship", environment: "dev", region: moto.Region, stateBucket: "goship-state-daytwo", platform: "linux/amd64"}
	if _, err := clients.S3.(*s3.Client).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(cfg.stateBucket)}); err != nil {
		t.Fatal(err)
	}
	applyEnvironment(t, terraform, mirror, version, server, cfg)
	registry := newHostStack(t, terraform, mirror, version, server, registryStack)
	service := newHostStack(t, terraform, mirror, version, server, serviceStack)
	registry.tf(t, initArgs(cfg, registryStack, true)...)
	service.tf(t, initArgs(cfg, serviceStack, true)...)

	// A deploy's Terraform part: the pipeline's plan into tfplan, then
	// apply of exactly that plan, and the outputs deploy reads.
	apply := func(st *hostStack, image string) map[string]string {
		t.Helper()
		st.tf(t, planArgs(cfg, stackVars(cfg, st.stack, image))...)
		st.tf(t, applyArgs(cfg)...)
		outputs, err := decodeOutputs([]byte(st.tf(t, outputArgs()...)))
		if err != nil {
			t.Fatal(err)
		}
		return outputs
	}
	repositoryURL := apply(registry, "")["repository_url"]
	if repositoryURL == "" {
		t.Fatal("the registry stack has no repository_url output")
	}
	imageA, imageB := putImage(t, awsCfg, repositoryURL, "1111111", "a"), putImage(t, awsCfg, repositoryURL, "2222222", "b")

	// deploy records the apply's outcome with the caller and the version
	// the smoke test read; here the version the image would report.
	record := func(kind, image, commit, version, runID string) {
		t.Helper()
		var stdout bytes.Buffer
		p := &pipeline{cfg: cfg, aws: &cloud.Session{Config: awsCfg, ARN: "arn:aws:iam::" + moto.AccountID + ":user/alice"},
			stdout: &stdout, getenv: envOf(map[string]string{"GITHUB_ACTOR": "octocat"}), now: time.Now, runID: runID, result: &report.Summary{}}
		if err := recordDeploy(ctx, p, deployRecord(p, kind, image, commit, version, nil)); err != nil {
			t.Fatal(err)
		}
		t.Log(strings.TrimSpace(stdout.String()))
	}
	deployService := func(image string) map[string]string {
		t.Helper()
		outputs := apply(service, image)
		if err := requireOutputs(outputs, "service_url", "cluster_name", "service_name", "log_group_name"); err != nil {
			t.Fatal(err)
		}
		return outputs
	}
	deployService(imageA)
	record(report.KindDeploy, imageA, "1111111aaaa", "v1.2.0", "deploy-a")
	outputs := deployService(imageB)
	record(report.KindDeploy, imageB, "2222222bbbb", "v1.3.0", "deploy-b")

	registerTargets(t, awsCfg, outputs["cluster_name"], outputs["service_name"])
	writeLogLines(t, awsCfg, outputs["log_group_name"])
	// The ALB's name resolves nowhere: the child's GET /version goes to this
	// stand-in of the api on loopback, as its HTTP proxy.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			fmt.Fprint(w, `{"service":"goship","version":"v1.3.0","commit":"2222222bbbb","build_time":"2026-11-29T15:40:00Z","go_version":"go1.27.4"}`)
		}
	}))
	t.Cleanup(api.Close)
	ci := func(args ...string) (string, int) {
		t.Helper()
		return runInChild(t, server, api.URL, append(args, "--region", moto.Region, "--state-bucket", cfg.stateBucket)...)
	}
	historyJSON := func() []report.Deploy {
		t.Helper()
		out, code := ci("history", "--json")
		var entries []report.Deploy
		if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil {
			t.Fatalf("history --json: exit %d, %v", code, err)
		}
		return entries
	}

	// Each step works on what the one before left: a failed one stops the test.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("status shows the service, digest B and its task counts", func(t *testing.T) {
		out, code := ci("status")
		for _, want := range []string{imageB, "2 desired, 2 running", outputs["service_url"], "Version  v1.3.0 (commit 2222222bbbb, from GET /version)"} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q", want)
			}
		}
		if code != 0 {
			t.Errorf("status: exit %d, want 0 for a stable service with healthy targets", code)
		}
		out, _ = ci("status", "--json")
		var st report.ServiceStatus
		if err := json.Unmarshal([]byte(out), &st); err != nil || st.Image != imageB || st.Desired != 2 || st.Running != 2 || st.Pending != 0 {
			t.Errorf("status --json = %+v, %v; want image B, 2 desired, 2 running, 0 pending", st, err)
		}
	})

	step("logs --since 1h prints what was written to the log group", func(t *testing.T) {
		out, code := ci("logs", "--since", "1h")
		if code != 0 || !strings.Contains(out, "INFO  listening addr=:8080 version=v1.3.0") || !strings.Contains(out, "WARN  request client_ip=203.0.113.7") {
			t.Errorf("logs --since 1h: exit %d, want both lines written", code)
		}
	})

	step("history lists two deploys, B then A", func(t *testing.T) {
		if out, code := ci("history"); code != 0 || !strings.Contains(out, report.Digest(imageB)[:19]) {
			t.Errorf("history: exit %d, want the deploys listed", code)
		}
		entries := historyJSON()
		if len(entries) != 2 || entries[0].Image != imageB || entries[1].Image != imageA ||
			entries[0].Outcome != report.OutcomeLive || entries[0].Actor != "octocat" {
			t.Errorf("history = %+v, want B then A, both live, by octocat", entries)
		}
	})

	step("rollback redeploys A and history shows it first", func(t *testing.T) {
		var stdout bytes.Buffer
		p := &pipeline{cfg: cfg, aws: &cloud.Session{Config: awsCfg, ARN: "arn:aws:iam::" + moto.AccountID + ":user/alice"},
			stdout: &stdout, getenv: envOf(nil), now: time.Now, runID: "rollback", result: &report.Summary{}}
		if err := chooseRollback(ctx, p); err != nil {
			t.Fatal(err)
		}
		t.Log(strings.TrimSpace(stdout.String()))
		if p.cfg.image != imageA || p.cfg.commit != "1111111aaaa" {
			t.Fatalf("rollback chose %s (commit %s), want A %s", p.cfg.image, p.cfg.commit, imageA)
		}
		// rollback's engine part is deploy --image's apply of the service
		// stack alone; then it records as deployAs does.
		apply(service, p.cfg.image)
		stdout.Reset()
		if err := recordDeploy(ctx, p, deployRecord(p, report.KindRollback, p.cfg.image, p.cfg.commit, p.cfg.version, nil)); err != nil {
			t.Fatal(err)
		}
		entries := historyJSON()
		if len(entries) != 3 || entries[0].Kind != report.KindRollback || entries[0].Image != imageA || entries[0].Version != "v1.2.0" {
			t.Errorf("history after the rollback = %+v, want the rollback to A first", entries)
		}
		out, _ := ci("status", "--json")
		var st report.ServiceStatus
		if err := json.Unmarshal([]byte(out), &st); err != nil || st.Image != imageA {
			t.Errorf("status after the rollback runs %q, %v; want A", st.Image, err)
		}
	})

	step("plan exits 0 after an apply and 2 after a variable changes, leaving no lock", func(t *testing.T) {
		lockHeld := func() bool {
			_, err := clients.S3.(*s3.Client).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(cfg.stateBucket), Key: aws.String(stateKey(cfg, serviceStack) + ".tflock")})
			var missing *s3types.NotFound
			return !errors.As(err, &missing)
		}
		plan := func(extra ...string) (report.StackPlan, int) {
			t.Helper()
			service.tf(t, lockFreePlanArgs(append(stackVars(cfg, serviceStack, imageA), extra...))...)
			if lockHeld() {
				t.Error("the state lock is still held after the plan")
			}
			sp, err := report.ParsePlan(serviceStack.name, []byte(service.tf(t, showArgs()...)))
			if err != nil {
				t.Fatal(err)
			}
			var screen strings.Builder
			if err := report.PlanText(&screen, []report.StackPlan{sp}); err != nil {
				t.Fatal(err)
			}
			err = planOutcome([]report.StackPlan{sp})
			t.Logf("plan %v:\n%sci: %v", extra, screen.String(), err)
			if err != nil {
				return sp, exitCode(err)
			}
			return sp, 0
		}
		if _, got := plan(); got != 0 {
			t.Errorf("right after the apply: exit %d, want 0", got)
		}
		// Not desired_count: autoscaling owns the count, so the stack
		// ignores changes to it after the create.
		sp, got := plan("-var", "log_retention_days=90")
		if got != 2 {
			t.Errorf("after log_retention_days changed: exit %d, want 2", got)
		}
		// What reads the group's ARN (the execution role's policy) is
		// planned again too; the group's own change is the one asserted.
		changed := report.ResourceChange{Address: "aws_cloudwatch_log_group.this", Action: "update", Attributes: []string{"retention_in_days"}}
		if !slices.ContainsFunc(sp.Resources, func(rc report.ResourceChange) bool { return reflect.DeepEqual(rc, changed) }) {
			t.Errorf("after log_retention_days changed, the plan changes %+v, want %+v among them", sp.Resources, changed)
		}
	})
}

// runChildArgs carries the arguments of run to the test binary re-run as
// a child process (TestDayTwoRunChild).
const runChildArgs = "GOSHIP_DAYTWO_RUN_ARGS"

// runInChild runs `go run ./ci args...` as this test binary in a child
// process whose environment points the AWS SDK at server and its HTTP
// proxy at proxy: the SDK reads the process environment, and a child keeps
// the calling test parallel. It returns standard output and the exit code.
func runInChild(t *testing.T, server *moto.Server, proxy string, args ...string) (string, int) {
	t.Helper()
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	var base []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE":
			continue
		}
		base = append(base, kv)
	}
	// Go never proxies a loopback address, so the SDK still reaches moto
	// directly; only the load balancer's URL goes to the proxy.
	env := append(server.Environ(base), runChildArgs+"="+string(encoded), "HTTP_PROXY="+proxy,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestDayTwoRunChild$")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("$ go run ./ci %s (exit %d)\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return stdout.String(), code
}

// TestDayTwoRunChild is run, in the child process runInChild starts; it
// skips in any other run.
func TestDayTwoRunChild(t *testing.T) {
	encoded := os.Getenv(runChildArgs)
	if encoded == "" {
		t.Skip("the child process of TestDayTwoAgainstTheAppliedStacks")
	}
	var args []string
	if err := json.Unmarshal([]byte(encoded), &args); err != nil {
		t.Fatal(err)
	}
	code := 0
	if err := run(t.Context(), args, envOf(nil), strings.NewReader(""), os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "ci:", err)
		code = exitCode(err)
	}
	// As main does; the test binary prints nothing after it on stdout.
	os.Exit(code)
}

// hostStack is a copy of one of the pipeline's stacks that terraform runs
// on the host against moto, with the pipeline's own arguments.
type hostStack struct {
	stack     stack
	dir       string
	terraform string
	env       []string
}

// newHostStack copies st's Terraform files and pins the copy's provider to
// the mirror's release (the stacks pin ~> 6.0, which cannot be downloaded
// here), and says so.
func newHostStack(t *testing.T, terraform, mirror, version string, server *moto.Server, st stack) *hostStack {
	t.Helper()
	work := t.TempDir()
	src := filepath.Join("..", "infra", st.dir)
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Terraform files in %s: %v", src, err)
	}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(file) == "terraform.tf" {
			if !bytes.Contains(text, []byte(`"~> 6.0"`)) {
				t.Fatalf("%s no longer pins hashicorp/aws ~> 6.0: update this test", file)
			}
			text = bytes.Replace(text, []byte(`"~> 6.0"`), []byte(`"= `+version+`"`), 1)
			t.Logf("%s stack: hashicorp/aws %s from %s instead of ~> 6.0", st.name, version, mirror)
		}
		if err := os.WriteFile(filepath.Join(work, filepath.Base(file)), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(work, "mirror.tfrc")
	if err := os.WriteFile(rc, []byte(`disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(server.Environ(os.Environ()), "TF_CLI_CONFIG_FILE="+rc, "TF_DATA_DIR="+filepath.Join(work, ".terraform"))
	for _, v := range terraformEnv() {
		if v[0] != "TF_PLUGIN_CACHE_DIR" { // the container's cache volume
			env = append(env, v[0]+"="+v[1])
		}
	}
	return &hostStack{stack: st, dir: work, terraform: terraform, env: env}
}

// networkModule is the module bootstrap applies once per environment: the
// VPC, subnets and security groups, and the SSM parameter the service stack
// reads them from.
var networkModule = stack{name: "network", dir: "modules/network"}

// applyEnvironment leaves in server what bootstrap leaves for cfg's
// environment and the service stack reads: it cannot plan without them.
func applyEnvironment(t *testing.T, terraform, mirror, version string, server *moto.Server, cfg config) {
	t.Helper()
	applyNetwork(t, terraform, mirror, version, server, cfg)
	putAlarmTopicKey(t, server.AWSConfig(), cfg)
}

// applyNetwork applies cfg's environment's network to server, as bootstrap
// does (with local state, as bootstrap's).
func applyNetwork(t *testing.T, terraform, mirror, version string, server *moto.Server, cfg config) {
	t.Helper()
	network := newHostStack(t, terraform, mirror, version, server, networkModule)
	network.tf(t, "terraform", "init", "-input=false", "-no-color")
	network.tf(t, "terraform", "apply", "-input=false", "-no-color", "-auto-approve",
		"-var=app_name="+cfg.app, "-var=environment="+cfg.environment, "-var=region="+cfg.region)
}

// putAlarmTopicKey creates cfg's environment's alarm topic key, its alias
// and the parameter /<app>/<env>/alarm-topic-key naming it, which the
// service stack encrypts its alarm topic with. Bootstrap's alarm_key.tf
// creates them; its key policy is proven by infra's TestEmulator, which
// applies bootstrap itself, so the SDK stands in here, in a second rather
// than a Terraform apply.
func putAlarmTopicKey(t *testing.T, awsCfg aws.Config, cfg config) {
	t.Helper()
	name := cfg.app + "-" + cfg.environment
	key, err := kms.NewFromConfig(awsCfg).CreateKey(t.Context(), &kms.CreateKeyInput{Description: aws.String("Encrypts the SNS topic " + name + "-alarms")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kms.NewFromConfig(awsCfg).CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/" + name + "-alarms"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := ssm.NewFromConfig(awsCfg).PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String("/" + cfg.app + "/" + cfg.environment + "/alarm-topic-key"), Type: ssmtypes.ParameterTypeString, Value: key.KeyMetadata.Arn,
	}); err != nil {
		t.Fatal(err)
	}
}

// tf runs one of the pipeline's terraform commands (args[0] is
// "terraform") and returns its standard output.
func (h *hostStack) tf(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), h.terraform, args[1:]...)
	cmd.Dir, cmd.Env = h.dir, h.env
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			stderr = exit.Stderr
		}
		t.Fatalf("%s stack: %s: %v\n%s%s", h.stack.name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

// awsProviderMirror is TF_PROVIDER_MIRROR and the newest hashicorp/aws
// release in it; the test skips without one, or fails when REQUIRE_TOOLS
// names terraform.
func awsProviderMirror(t *testing.T) (dir, version string) {
	t.Helper()
	dir = os.Getenv("TF_PROVIDER_MIRROR")
	versions, err := os.ReadDir(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws"))
	if dir == "" || err != nil || len(versions) == 0 {
		if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "terraform") {
			t.Fatalf("TF_PROVIDER_MIRROR=%q holds no hashicorp/aws provider: %v", dir, err)
		}
		t.Skip("skipping: set TF_PROVIDER_MIRROR to a filesystem mirror of hashicorp/aws (see .ci/run)")
	}
	return dir, versions[len(versions)-1].Name()
}

// putImage puts an image manifest into the repository the registry stack
// made, as a push would, and returns its digest reference. moto's ECR has
// no registry API to push to, and does not hash the manifest itself.
func putImage(t *testing.T, cfg aws.Config, repositoryURL, commit, config string) string {
	t.Helper()
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat(config, 64) + `","size":1},"layers":[]}`
	name := repositoryURL[strings.LastIndex(repositoryURL, "/")+1:]
	out, err := ecr.NewFromConfig(cfg).PutImage(t.Context(), &ecr.PutImageInput{RepositoryName: aws.String(name), ImageTag: aws.String(commit + "-20261129090000"),
		ImageManifest: aws.String(manifest), ImageDigest: aws.String(fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(manifest))))})
	if err != nil {
		t.Fatal(err)
	}
	return repositoryURL + "@" + aws.ToString(out.Image.ImageId.ImageDigest)
}

// registerTargets registers two task addresses in the service's target
// group, as ECS does for each task it starts: moto starts no task, so the
// stack's target group would stay empty and status would rightly fail.
func registerTargets(t *testing.T, cfg aws.Config, cluster, name string) {
	t.Helper()
	svc, err := cloud.DescribeService(t.Context(), cloud.NewClients(cfg).ECS, cluster, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(svc.LoadBalancers) == 0 {
		t.Fatalf("service %s has no load balancer", name)
	}
	_, err = elb.NewFromConfig(cfg).RegisterTargets(t.Context(), &elb.RegisterTargetsInput{TargetGroupArn: svc.LoadBalancers[0].TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.58"), Port: aws.Int32(8080)}, {Id: aws.String("10.0.2.41"), Port: aws.Int32(8080)}}})
	if err != nil {
		t.Fatal(err)
	}
}

// writeLogLines writes two of the api's JSON lines into the stack's log
// group, in a stream named as awslogs names a task's.
func writeLogLines(t *testing.T, cfg aws.Config, group string) {
	t.Helper()
	logs := cloudwatchlogs.NewFromConfig(cfg)
	stream := "api/api/5f1c2b0e9a7d4c3b8e6f0a1b2c3d4e5f"
	if _, err := logs.CreateLogStream(t.Context(), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	line := func(ago time.Duration, fields string) logstypes.InputLogEvent {
		at := now.Add(-ago)
		return logstypes.InputLogEvent{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(`{"time":"` + at.UTC().Format(time.RFC3339Nano) + `",` + fields + `}`)}
	}
	if _, err := logs.PutLogEvents(t.Context(), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
		LogEvents: []logstypes.InputLogEvent{
			line(30*time.Minute, `"level":"INFO","msg":"listening","addr":":8080","version":"v1.3.0"`),
			line(2*time.Minute, `"level":"WARN","msg":"request","method":"GET","path":"/version","status":200,"client_ip":"203.0.113.7"`),
		}}); err != nil {
		t.Fatal(err)
	}
}
