package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// engineRunChildArgs carries the arguments of TestEngineRunChild.
const engineRunChildArgs = "GOSHIP_ENGINE_RUN_ARGS"

// TestDeployOnEngine is the README's deploy flow on the real engine,
// against moto: deploy (check, publish, sign, verify, Terraform in its
// containers through the endpoint binding, wait, smoke test), a second
// deploy, rollback to the first, a third deploy whose bake sees an alarm
// and is rolled back to the first automatically, plan (no change, then
// drift), destroy; newEngineDeploy says what stands in for AWS.
func TestDeployOnEngine(t *testing.T) {
	f := newEngineDeploy(t)
	awsCfg, dir, repository, setLive := f.awsCfg, f.dir, f.repository, f.setLive
	ci := func(args ...string) (string, int, time.Duration) {
		t.Helper()
		started := time.Now()
		out, code := runEngineChild(t, dir, f.env, append(args, f.flags...)...)
		return out, code, time.Since(started).Round(time.Second)
	}
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	var imageA, imageB string
	step("deploy", func(t *testing.T) {
		out, code, took := ci("deploy")
		t.Logf("deploy took %s", took)
		if code != 0 {
			t.Fatalf("deploy exited %d", code)
		}
		imageA = runningImage(t, awsCfg)
		if !strings.HasPrefix(imageA, repository+"@sha256:") {
			t.Fatalf("the task definition runs %s, want a digest in %s", imageA, repository)
		}
		if !strings.Contains(out, imageA) {
			t.Errorf("deploy's output never names the digest ECS runs, %s", imageA)
		}
		verified, applied := strings.Index(out, "verify the image's signature"), strings.Index(out, "apply the service stack")
		if verified < 0 || applied < 0 || verified > applied {
			t.Errorf("the signature was not verified before the service stack was applied (at %d and %d in the output)", verified, applied)
		}
		assertReferrers(t, imageA)
	})
	step("second deploy", func(t *testing.T) {
		commitChange(t, dir, "api/engine_e2e_marker.go", "package main\n\n// A change, so that this deploy builds another image.\nconst engineE2EMarker = 1\n")
		setLive(headCommit(t, dir))
		_, code, took := ci("deploy")
		t.Logf("second deploy took %s", took)
		if code != 0 {
			t.Fatalf("deploy exited %d", code)
		}
		imageB = runningImage(t, awsCfg)
		if imageB == imageA || !strings.HasPrefix(imageB, repository+"@sha256:") {
			t.Fatalf("the second deploy runs %s, want a new digest in %s (the first was %s)", imageB, repository, imageA)
		}
	})
	step("rollback", func(t *testing.T) {
		setLive(strings.TrimSpace(gitOutput(t, dir, "rev-parse", "HEAD~1")))
		_, code, took := ci("rollback")
		t.Logf("rollback took %s", took)
		if code != 0 {
			t.Fatalf("rollback exited %d", code)
		}
		if got := runningImage(t, awsCfg); got != imageA {
			t.Fatalf("after rollback ECS runs %s, want the first deploy's %s", got, imageA)
		}
	})
	step("a deploy whose bake sees an alarm is rolled back", func(t *testing.T) {
		// moto ignores the service's deployment alarms: this is the
		// pipeline's own watch. A longer bake than the other runs', so the
		// alarm goes into ALARM well inside it, after it began.
		commitA := strings.TrimSpace(gitOutput(t, dir, "rev-parse", "HEAD~1"))
		commitChange(t, dir, "api/engine_e2e_marker.go", "package main\n\n// A change, so that this deploy builds a third image.\nconst engineE2EMarker = 2\n")
		setLive(headCommit(t, dir))
		watching := f.cloudWatch.afterMoreReads(4)
		var stdout, progress bytes.Buffer
		started := time.Now()
		cmd := startEngineChild(t, dir, f.env, &stdout, &progress, append(append([]string{"deploy"}, f.flags...), "--bake", "30s")...)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var waitErr error
		select {
		case <-watching:
			f.setAlarm(t, report.AlarmNames("goship", "dev")[0], "ALARM")
			// The smoke test of the rollback that follows asks for A.
			setLive(commitA)
			waitErr = <-exited
		case waitErr = <-exited:
			t.Errorf("the deploy ended before its bake read the alarms")
		}
		code := childExit(t, waitErr)
		out := stdout.String()
		t.Logf("deploy with an alarm during its bake took %s (exit %d):\n%s", time.Since(started).Round(time.Second), code, lastLines(out, 60))
		if code != 1 {
			t.Fatalf("deploy exited %d, want 1", code)
		}
		alarm := report.AlarmNames("goship", "dev")[0]
		if !strings.Contains(out, "went into ALARM") || !strings.Contains(out, alarm) {
			t.Errorf("the deploy's output does not name the alarm %s", alarm)
		}
		if got := runningImage(t, awsCfg); got != imageA {
			t.Fatalf("after the automatic rollback ECS runs %s, want the previous digest %s", got, imageA)
		}
		entries, code, _ := ci("history", "--json")
		var history []report.Deploy
		if err := json.Unmarshal([]byte(entries), &history); code != 0 || err != nil || len(history) < 2 {
			t.Fatalf("history --json: exit %d, %v", code, err)
		}
		if history[0].Kind != report.KindRollback || history[0].Image != imageA || history[1].Outcome != report.OutcomeRolledBackByAlarm(alarm) {
			t.Errorf("history = %+v then %+v, want the rollback to A after the deploy %q", history[0], history[1], report.OutcomeRolledBackByAlarm(alarm))
		}
		f.setAlarm(t, alarm, "OK")
	})
	step("plan", func(t *testing.T) {
		if _, code, _ := ci("plan"); code != 0 {
			t.Fatalf("plan right after a rollback exited %d, want 0 (no change)", code)
		}
		// The log retention is a plain variable default: changing it in the
		// checkout is drift between the code and what runs.
		changeVariableDefault(t, dir, "log_retention_days")
		if _, code, _ := ci("plan"); code != 2 {
			t.Fatalf("plan after a change to the stack exited %d, want 2", code)
		}
	})
	step("destroy", func(t *testing.T) {
		_, code, took := ci("destroy", "--yes")
		t.Logf("destroy took %s", took)
		if code != 0 {
			t.Fatalf("destroy exited %d", code)
		}
		assertNoServiceLeft(t, awsCfg)
	})
}

// engineDeploy is what a deploy on the engine against moto needs: moto,
// an account prepared as bootstrap leaves it, a copy of the repository
// pinned to the provider mirror, signing keys, a fresh repository in the
// engine's registry, and the stand-in of the live api.
type engineDeploy struct {
	awsCfg      aws.Config
	dir         string
	repository  string
	stateBucket string
	env         []string // the child's environment
	flags       []string // every run's flags
	setLive     func(commit string)
	// cloudWatch is where the runs read CloudWatch: moto behind the
	// stand-in that speaks the SDK's protocol.
	cloudWatch *cloudWatchStandIn
}

// setAlarm forces an alarm's state in moto, as CloudWatch would set it.
func (f *engineDeploy) setAlarm(t *testing.T, name, state string) {
	t.Helper()
	if _, err := emulatorCloudWatch(f.awsCfg).SetAlarmState(t.Context(), &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(name),
		StateValue: cwtypes.StateValue(state), StateReason: aws.String("Threshold Crossed: set by TestDeployOnEngine")}); err != nil {
		t.Fatal(err)
	}
}

// newEngineDeploy skips or fails as requireEngine does, then sets one up.
//
// What stands in for AWS: moto for every API; the engine's local registry
// for ECR (moto has no registry API), reached through --image-repository,
// the option teams with an in-network registry use; and, for the load
// balancer's URL, which resolves nowhere, a stand-in of the api on
// loopback as the run's HTTP proxy, answering /version with the commit
// setLive names; and for CloudWatch, which the pipeline's client reaches
// in a protocol moto does not speak, startCloudWatchStandIn.
func newEngineDeploy(t *testing.T) *engineDeploy {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping: runs deploys on the engine")
	}
	images := requireEngine(t)
	mirror, version := awsProviderMirror(t)
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	f := &engineDeploy{awsCfg: server.AWSConfig(), dir: repoCopy(t), stateBucket: "goship-state-engine-e2e",
		// The engine reaches its registry at 10.87.0.1, which the host
		// reaches too (RECIPE.md); a name per run keeps reruns apart.
		repository: fmt.Sprintf("10.87.0.1:5000/goship-e2e-%d", time.Now().UnixNano())}
	pinStacksToMirror(t, f.dir, version)
	prepareAccount(t, f.awsCfg, f.stateBucket)
	applyEnvironment(t, tooltest.Path(t, "terraform"), mirror, version, server, config{app: "goship", environment: "dev", region: moto.Region})
	signingKey, verifyKey := writeSigningKeys(t)

	var live struct {
		sync.Mutex
		commit string
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		live.Lock()
		defer live.Unlock()
		if r.URL.Path == "/version" {
			fmt.Fprintf(w, `{"service":"api","version":"dev","commit":%q,"build_time":"2026-12-05T00:00:00Z","go_version":"go1.27.4"}`, live.commit)
		}
	}))
	t.Cleanup(api.Close)
	f.setLive = func(commit string) { live.Lock(); live.commit = commit; live.Unlock() }
	f.setLive(headCommit(t, f.dir))

	f.cloudWatch = startCloudWatchStandIn(t, server)
	f.env = append(server.Environ(withoutProxies(os.Environ())), "HTTP_PROXY="+api.URL, "NO_PROXY=10.87.0.1", "AWS_ENDPOINT_URL_CLOUDWATCH="+f.cloudWatch.URL,
		"TF_PROVIDER_MIRROR="+mirror, "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "CI=true")
	// Every deploy and rollback bakes, briefly: moto's alarms stay
	// INSUFFICIENT_DATA unless a test sets them.
	f.flags = append([]string{"--region", moto.Region, "--state-bucket", f.stateBucket, "--env", "dev", "--bake", "3s",
		"--image-repository", f.repository, "--signing-key", signingKey, "--verify-key", verifyKey}, images...)
	return f
}

// TestInterruptedDeployOnEngine interrupts a deploy on the engine while
// Terraform applies the service stack, as Ctrl-C does: the apply runs to
// its end, the run stops and says so, the state is left unlocked, and
// destroy then removes everything the apply made: nothing is orphaned.
func TestInterruptedDeployOnEngine(t *testing.T) {
	f := newEngineDeploy(t)
	ctx := t.Context()
	var stdout, progress bytes.Buffer
	cmd := startEngineChild(t, f.dir, f.env, &stdout, &progress, append([]string{"deploy"}, f.flags...)...)
	// The cluster is the service stack's first resource: once moto has
	// it, the plan is done and its apply under way.
	client := ecs.NewFromConfig(f.awsCfg)
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for applying := false; !applying; {
		select {
		case <-ctx.Done():
			t.Fatal("the deploy never reached its apply")
		case <-ticker.C:
		}
		clusters, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
		applying = err == nil && len(clusters.ClusterArns) > 0
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := childExit(t, cmd.Wait())
	out := stdout.String()
	t.Logf("interrupted deploy (exit %d):\n%s", code, out)
	if code == 0 {
		t.Fatal("an interrupted deploy exited 0")
	}
	if !strings.Contains(out, "terraform apply of the service stack finished after the interrupt") {
		t.Errorf("the run does not say the apply finished after the interrupt:\n%s\n%s", out, lastLines(progress.String(), 80))
	}
	// The apply put the image in place: the run says so, and so does the
	// history, instead of "built, not deployed" and "failed".
	for _, want := range []string{"(built, not deployed)", ", failed\n"} {
		if strings.Contains(out, want) {
			t.Errorf("the interrupted deploy says %q of an image its apply put in place", strings.TrimSpace(want))
		}
	}
	if !strings.Contains(out, report.OutcomeNotWaited) {
		t.Errorf("the history does not record the deploy as %q", report.OutcomeNotWaited)
	}
	if _, err := s3.NewFromConfig(f.awsCfg).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.stateBucket), Key: aws.String(stateKey(config{app: "goship", environment: "dev"}, serviceStack) + ".tflock")}); err == nil {
		t.Error("the service stack's state is still locked after the interrupted deploy")
	}
	destroyed, code := runEngineChild(t, f.dir, f.env, append([]string{"destroy", "--yes"}, f.flags...)...)
	if code != 0 {
		t.Fatalf("destroy after the interrupted deploy exited %d:\n%s", code, destroyed)
	}
	assertNoServiceLeft(t, f.awsCfg)
}

// assertNoServiceLeft checks that moto holds no active cluster and no load
// balancer: what the service stack's destroy must leave. ECS keeps a
// deleted cluster for a while as INACTIVE, and so does moto.
func assertNoServiceLeft(t *testing.T, cfg aws.Config) {
	t.Helper()
	client := ecs.NewFromConfig(cfg)
	clusters, err := client.ListClusters(t.Context(), &ecs.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(clusters.ClusterArns) > 0 {
		described, err := client.DescribeClusters(t.Context(), &ecs.DescribeClustersInput{Clusters: clusters.ClusterArns})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range described.Clusters {
			if aws.ToString(c.Status) != "INACTIVE" {
				t.Errorf("cluster %s is %s after destroy", aws.ToString(c.ClusterArn), aws.ToString(c.Status))
			}
		}
	}
	lbs, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(t.Context(), &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lbs.LoadBalancers) != 0 {
		t.Errorf("%d load balancers left after destroy", len(lbs.LoadBalancers))
	}
}

// TestEngineRunChild is run in the child process runEngineChild starts,
// with the whole environment it was given; it skips in any other run.
func TestEngineRunChild(t *testing.T) {
	encoded := os.Getenv(engineRunChildArgs)
	if encoded == "" {
		t.Skip("the child process of the engine deploy tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(encoded), &args); err != nil {
		t.Fatal(err)
	}
	// Interrupts reach run as they reach it from main.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	code := 0
	if err := run(t.Context(), args, os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr, interrupts); err != nil {
		fmt.Fprintln(os.Stdout, "ci:", err)
		code = exitCode(err)
	}
	os.Exit(code)
}

// startEngineChild starts `go run ./ci args...` in dir as this test binary
// in a child process with env: the AWS SDK and Go's HTTP proxy read the
// process environment. The caller waits for it.
func startEngineChild(t *testing.T, dir string, env []string, stdout, progress *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	binary, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), binary, "-test.run=^TestEngineRunChild$", "-test.timeout=0")
	cmd.Dir = dir
	cmd.Env = append(env, engineRunChildArgs+"="+string(encoded))
	cmd.Stdout, cmd.Stderr = stdout, progress
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// childExit is the exit code of a finished child.
func childExit(t *testing.T, err error) int {
	t.Helper()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// runEngineChild runs `go run ./ci args...` in dir as this test binary in
// a child process with env: the AWS SDK and Go's HTTP proxy read the
// process environment. The engine's progress goes to a log kept only when
// the test fails.
func runEngineChild(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	var stdout, progress bytes.Buffer
	code := childExit(t, startEngineChild(t, dir, env, &stdout, &progress, args...).Wait())
	t.Logf("$ go run ./ci %s (exit %d)\n%s", strings.Join(args, " "), code, stdout.String())
	if code != 0 {
		t.Logf("engine progress of that run:\n%s", lastLines(progress.String(), 80))
	}
	return stdout.String(), code
}

// lastLines is the end of s, at most n lines.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// withoutProxies drops the proxy settings of the calling environment.
func withoutProxies(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "CI":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// prepareAccount is what an administrator's bootstrap leaves that deploy
// needs, done in moto directly: the state bucket (bootstrap's own bucket
// policy denies are applied unconditionally by moto, see docs/rehearsal.md).
func prepareAccount(t *testing.T, cfg aws.Config, stateBucket string) {
	t.Helper()
	if _, err := s3.NewFromConfig(cfg).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(stateBucket)}); err != nil {
		t.Fatal(err)
	}
}

// pinStacksToMirror rewrites the copy's provider constraints to the
// mirror's release and commits it: the stacks pin ~> 6.0, which the
// machine's mirror (5.100.0) cannot satisfy and the registry is out of
// reach. Said in the log, since it is a change to what is tested.
func pinStacksToMirror(t *testing.T, dir, version string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "infra", "*", "terraform.tf"))
	if err != nil {
		t.Fatal(err)
	}
	modules, err := filepath.Glob(filepath.Join(dir, "infra", "modules", "*", "terraform.tf"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(append(files, modules...), filepath.Join(dir, "infra", "terraform.tf"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pinned := strings.ReplaceAll(string(b), `version = "~> 6.0"`, `version = "`+version+`"`)
		if pinned == string(b) {
			t.Fatalf("%s has no `version = \"~> 6.0\"` to pin to the mirror's %s", f, version)
		}
		if err := os.WriteFile(f, []byte(pinned), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the copy's stacks pin hashicorp/aws %s, the provider mirror's release, instead of ~> 6.0", version)
	gitOutput(t, dir, "commit", "-qam", "pin the provider to the mirror")
}

// changeVariableDefault bumps the number default of variable name in the
// copy's service stack and commits it.
func changeVariableDefault(t *testing.T, dir, variable string) {
	t.Helper()
	path := filepath.Join(dir, "infra", "variables.tf")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(b), `variable "`+variable+`" {`)
	if start < 0 {
		t.Fatalf("infra/variables.tf has no variable %q", variable)
	}
	block := string(b)[start:]
	block = block[:strings.Index(block, "\n}\n")]
	var value int
	line := block[strings.Index(block, "default"):]
	line = line[:strings.Index(line, "\n")]
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "default = %d", &value); err != nil {
		t.Fatalf("variable %q has no number default (%q): %v", variable, line, err)
	}
	changedBlock := strings.Replace(block, line, fmt.Sprintf("default     = %d", value*2), 1)
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), block, changedBlock, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	gitOutput(t, dir, "commit", "-qam", "change "+variable)
}

// commitChange writes a file into the copy and commits it.
func commitChange(t *testing.T, dir, file, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	gitOutput(t, dir, "add", "-A")
	gitOutput(t, dir, "commit", "-qm", "change "+file)
}

func headCommit(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(gitOutput(t, dir, "rev-parse", "HEAD"))
}

// gitOutput runs git in dir as a fixed test identity.
func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeSigningKeys writes a fresh ECDSA P-256 key pair as the PEM files
// --signing-key and --verify-key take.
func writeSigningKeys(t *testing.T) (private, public string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	private, public = filepath.Join(dir, "signing.pem"), filepath.Join(dir, "verify.pem")
	if err := os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		t.Fatal(err)
	}
	return private, public
}

// runningImage is the image of the task definition the environment's one
// ECS service runs, as moto holds it.
func runningImage(t *testing.T, cfg aws.Config) string {
	t.Helper()
	ctx := t.Context()
	client := ecs.NewFromConfig(cfg)
	clusters, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(clusters.ClusterArns) != 1 {
		t.Fatalf("want one ECS cluster, got %v (%v)", clusters, err)
	}
	services, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(clusters.ClusterArns[0])})
	if err != nil || len(services.ServiceArns) != 1 {
		t.Fatalf("want one ECS service, got %v (%v)", services, err)
	}
	described, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(clusters.ClusterArns[0]), Services: services.ServiceArns})
	if err != nil || len(described.Services) != 1 {
		t.Fatalf("describing the service: %v", err)
	}
	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: described.Services[0].TaskDefinition})
	if err != nil || len(td.TaskDefinition.ContainerDefinitions) == 0 {
		t.Fatalf("describing the task definition: %v", err)
	}
	return aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
}

// assertReferrers checks, in the registry itself, that the SBOM and the
// two Sigstore bundles (signature, SBOM attestation) refer to image.
func assertReferrers(t *testing.T, image string) {
	t.Helper()
	ref, err := name.NewDigest(image)
	if err != nil {
		t.Fatal(err)
	}
	reg := attest.Registry{}
	sboms, err := reg.Referrers(t.Context(), ref, attest.SBOMMediaType)
	if err != nil || len(sboms) != 1 {
		t.Errorf("SBOM referrers of %s: %d, %v; want 1", image, len(sboms), err)
	}
	bundles, err := reg.Referrers(t.Context(), ref, attest.BundleMediaType)
	if err != nil || len(bundles) != 2 {
		t.Errorf("Sigstore bundle referrers of %s: %d, %v; want 2 (signature, SBOM attestation)", image, len(bundles), err)
	}
	for _, r := range append(sboms, bundles...) {
		if r.Subject != ref.DigestStr() {
			t.Errorf("referrer %s names subject %s, want %s", r.Ref, r.Subject, ref.DigestStr())
		}
	}
}
