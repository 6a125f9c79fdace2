package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/terraform"
	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// TestBootstrapStateInTheBucketAgainstTheEmulator is issue 19's fourth
// acceptance criterion, against moto: bootstrap from one work directory
// keeps its state locally until the bucket exists, then moves it into the
// bucket; a fresh clone finds it there and plans no change; a second
// bootstrap is refused by the lock another holds, with the pipeline's
// message; and the documented teardown takes the state out of the bucket
// last. It is one test because each step works on what the one before left.
//
// The host-side choice (chooseBootstrapStart) runs as in a run; what the
// engine would run, terraform runs here with the pipeline's own arguments,
// in the order bootstrap runs them.
func TestBootstrapStateInTheBucketAgainstTheEmulator(t *testing.T) {
	// Mostly waiting on the provider's polls of moto: it overlaps well.
	t.Parallel()
	tf := tooltest.Path(t, "terraform")
	mirror, version := awsProviderMirror(t)
	server := moto.Start(t, moto.Options{})
	started := time.Now()
	t.Cleanup(func() {
		t.Logf("wall time of bootstrap against the emulator: %s", time.Since(started).Round(time.Second))
	})
	ctx := t.Context()
	awsCfg := server.AWSConfig()
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	cfg := config{app: "goship", environment: "dev", region: moto.Region, stateBucket: "goship-state-bootstrap",
		environments: []string{"dev"}, platform: "linux/amd64"}
	vars := stackVars(cfg, bootstrapStack, "")

	// One administrator's checkout: the host side of a run looks at it.
	first := newBootstrapCheckout(t, tf, mirror, version, server)
	var said bytes.Buffer
	p := first.pipeline(cfg, awsCfg, &said)

	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("the first run applies with local state, then moves it into the bucket", func(t *testing.T) {
		if err := chooseBootstrapStart(ctx, p); err != nil || p.bootstrap != (terraform.BootstrapChoice{Start: terraform.FirstRun}) {
			t.Fatalf("before the bucket exists: %+v, %v; want a first run", p.bootstrap, err)
		}
		first.writeOverride(t)
		first.tf(t, localInitArgs()...)
		first.tf(t, planArgs(cfg, vars)...)
		first.tf(t, applyArgs(cfg)...)
		// What a run that stopped here (or one from before bootstrap kept
		// its state in the bucket) would find next.
		p2 := first.pipeline(cfg, awsCfg, io.Discard)
		if err := chooseBootstrapStart(ctx, p2); err != nil || p2.bootstrap != (terraform.BootstrapChoice{Start: terraform.MoveLocalState, UseLocal: true}) {
			t.Fatalf("after the apply, before the move: %+v, %v; want the local state moved in", p2.bootstrap, err)
		}
		// The first run goes on in the same work directory: the override
		// goes, and the state moves.
		first.removeOverride(t)
		first.tf(t, moveStateArgs(cfg, true)...)
		if got := object(t, client, cfg.stateBucket, terraform.BootstrapStateKey); !bytes.Contains(got, []byte(`"aws_s3_bucket"`)) {
			t.Fatalf("s3://%s/%s after the move: %.200q; want bootstrap's state", cfg.stateBucket, terraform.BootstrapStateKey, got)
		}
		// The bucket's protections are in place: the state went in through
		// the policy that denies anything but TLS 1.2+.
		policy, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(cfg.stateBucket)})
		if err != nil || !strings.Contains(aws.ToString(policy.Policy), "DenyInsecureTransport") {
			t.Fatalf("the state bucket's policy: %v; want the statement that denies insecure transport", err)
		}
		outputs, err := decodeOutputs([]byte(first.tf(t, outputArgs()...)))
		if err != nil || outputs["state_bucket"] != cfg.stateBucket {
			t.Fatalf("outputs read from the bucket's state: %v, %v", outputs, err)
		}
	})

	step("the local copy Terraform leaves is set aside, and said so", func(t *testing.T) {
		said.Reset()
		p := first.pipeline(cfg, awsCfg, &said)
		if err := chooseBootstrapStart(ctx, p); err != nil || p.bootstrap != (terraform.BootstrapChoice{Start: terraform.FromBucket, SetAsideLocal: true}) {
			t.Fatalf("with Terraform's local copy left: %+v, %v; want the bucket's, the copy set aside", p.bootstrap, err)
		}
		if fileExists(filepath.Join(first.root, bootstrapLocalState)) {
			t.Errorf("%s is still there", bootstrapLocalState)
		}
		aside, _ := filepath.Glob(filepath.Join(first.root, bootstrapLocalState+".moved-to-bucket-*"))
		if len(aside) != 1 || !strings.Contains(said.String(), "renamed to infra/bootstrap/terraform.tfstate.moved-to-bucket-") {
			t.Errorf("set aside as %v, said:\n%s", aside, said.String())
		}
	})

	// Another administrator's fresh clone.
	clone := newBootstrapCheckout(t, tf, mirror, version, server)

	step("a fresh clone finds the state in the bucket and plans no change", func(t *testing.T) {
		said.Reset()
		p := clone.pipeline(cfg, awsCfg, &said)
		if err := chooseBootstrapStart(ctx, p); err != nil || p.bootstrap != (terraform.BootstrapChoice{Start: terraform.FromBucket}) {
			t.Fatalf("a fresh clone: %+v, %v; want the bucket's state", p.bootstrap, err)
		}
		if !strings.Contains(said.String(), "Bootstrap's state is in s3://goship-state-bootstrap/bootstrap/terraform.tfstate, locked while this run plans and applies") {
			t.Errorf("a fresh clone's run says:\n%s", said.String())
		}
		clone.tf(t, initArgs(cfg, bootstrapStack, true)...)
		if out, code := clone.run(t, append(planArgs(cfg, vars), "-detailed-exitcode")...); code != 0 {
			t.Fatalf("plan -detailed-exitcode from a fresh clone: exit %d, want 0 (no change)\n%s", code, out)
		}
	})

	step("a second bootstrap is refused by the lock another holds, and told who holds it and how to recover", func(t *testing.T) {
		holder := first.holdLock(t, append(slices.Clone(vars), "-var", "noncurrent_version_expiration_days=91"))
		lock, err := cloud.ReadStateLock(ctx, client, cfg.stateBucket, terraform.BootstrapStateKey)
		if err != nil || lock == nil || lock.ID == "" {
			t.Fatalf("the holder's lock: %+v, %v", lock, err)
		}
		out, code := clone.run(t, planArgs(cfg, vars)...)
		if code == 0 {
			t.Fatalf("a plan while another bootstrap holds the lock succeeded:\n%s", out)
		}
		p := clone.pipeline(cfg, awsCfg, io.Discard)
		p.bootstrap = terraform.BootstrapChoice{Start: terraform.FromBucket}
		refused := p.terraformFailure(ctx, bootstrapStack, &dagger.ExecError{Cmd: planArgs(cfg, vars), ExitCode: code, Stdout: "", Stderr: out})
		t.Logf("the pipeline says:\n%v", refused)
		for _, want := range []string{
			"Error acquiring the state lock",
			"The state of the bootstrap stack is locked: bucket goship-state-bootstrap, key bootstrap/terraform.tfstate",
			"lock ID " + lock.ID + ", held by " + lock.Who + " (OperationTypeApply",
			"terraform -chdir=infra/bootstrap init -input=false -reconfigure -backend-config=bucket=goship-state-bootstrap -backend-config=key=bootstrap/terraform.tfstate",
			"terraform -chdir=infra/bootstrap force-unlock -force " + lock.ID,
		} {
			if !strings.Contains(refused.Error(), want) {
				t.Errorf("the refusal lacks %q", want)
			}
		}
		if still, err := cloud.ReadStateLock(ctx, client, cfg.stateBucket, terraform.BootstrapStateKey); err != nil || still == nil || still.ID != lock.ID {
			t.Errorf("after the refusal the lock is %+v, %v; want the holder's, untouched", still, err)
		}
		holder.release(t)
		if left, err := cloud.ReadStateLock(ctx, client, cfg.stateBucket, terraform.BootstrapStateKey); err != nil || left != nil {
			t.Errorf("after the holder stopped the lock is %+v, %v; want none", left, err)
		}
		if out, code := clone.run(t, append(planArgs(cfg, vars), "-detailed-exitcode")...); code != 0 {
			t.Errorf("plan once the lock is free: exit %d, want 0\n%s", code, out)
		}
	})

	step("the documented teardown takes bootstrap's state out of the bucket last", func(t *testing.T) {
		// 2. Bootstrap's state back to a local file (the clone is
		// initialised against the bucket, as the first command does).
		clone.writeOverride(t)
		clone.tf(t, "terraform", "init", "-input=false", "-no-color", "-migrate-state", "-force-copy")
		local, err := os.ReadFile(filepath.Join(clone.dir, "terraform.tfstate"))
		if err != nil || !bytes.Contains(local, []byte(`"aws_s3_bucket"`)) {
			t.Fatalf("the local state after moving it out: %v; want bootstrap's", err)
		}
		// 3. Empty the bucket, delete it, forget it, destroy the rest.
		emptyStateBucket(t, client, cfg.stateBucket)
		if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(cfg.stateBucket)}); err != nil {
			t.Fatal(err)
		}
		var bucketResources []string
		for _, address := range strings.Fields(clone.tf(t, "terraform", "state", "list")) {
			if strings.HasPrefix(address, "aws_s3_bucket") {
				bucketResources = append(bucketResources, address)
			}
		}
		clone.tf(t, append([]string{"terraform", "state", "rm"}, bucketResources...)...)
		clone.tf(t, append([]string{"terraform", "destroy", "-input=false", "-no-color", "-auto-approve"}, vars...)...)
		if left := strings.Fields(clone.tf(t, "terraform", "state", "list")); len(left) != 0 {
			t.Errorf("bootstrap's state still holds %v", left)
		}
		vpcs, err := ec2.NewFromConfig(awsCfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vpcs.Vpcs {
			if !aws.ToBool(v.IsDefault) {
				t.Errorf("the teardown left the VPC %s", aws.ToString(v.VpcId))
			}
		}
	})
}

// bootstrapCheckout is a repository's infra/ as an administrator has it:
// bootstrap beside the modules it calls, terraform run on the host against
// moto with the provider from the mirror.
type bootstrapCheckout struct {
	*hostStack
	root string // the repository
}

func newBootstrapCheckout(t *testing.T, tf, mirror, version string, server *moto.Server) *bootstrapCheckout {
	t.Helper()
	h := newHostStack(t, tf, mirror, version, server, bootstrapStack)
	root := t.TempDir()
	infra := filepath.Join(root, "infra")
	if err := os.CopyFS(filepath.Join(infra, "modules"), os.DirFS(filepath.Join("..", "infra", "modules"))); err != nil {
		t.Fatal(err)
	}
	// The modules pin the provider as the stacks do: to the mirror's release.
	network := filepath.Join(infra, "modules", "network", "terraform.tf")
	text, err := os.ReadFile(network)
	if err != nil || !bytes.Contains(text, []byte(`"~> 6.0"`)) {
		t.Fatalf("%s no longer pins hashicorp/aws ~> 6.0 (%v): update this test", network, err)
	}
	if err := os.WriteFile(network, bytes.Replace(text, []byte(`"~> 6.0"`), []byte(`"= `+version+`"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	// The pinned copy newHostStack made, moved beside the modules.
	if err := os.Rename(h.dir, filepath.Join(infra, bootstrapStack.dir)); err != nil {
		t.Fatal(err)
	}
	h.dir = filepath.Join(infra, bootstrapStack.dir)
	for i, kv := range h.env {
		if strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") {
			h.env[i] = "TF_CLI_CONFIG_FILE=" + filepath.Join(h.dir, "mirror.tfrc")
		}
		if strings.HasPrefix(kv, "TF_DATA_DIR=") {
			h.env[i] = "TF_DATA_DIR=" + filepath.Join(h.dir, ".terraform")
		}
	}
	return &bootstrapCheckout{hostStack: h, root: root}
}

// pipeline is what the host side of a bootstrap run in this checkout has.
func (c *bootstrapCheckout) pipeline(cfg config, awsCfg aws.Config, out io.Writer) *pipeline {
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	return &pipeline{cfg: cfg, root: c.root, aws: &cloud.Session{Config: awsCfg}, stdout: out, steps: newSteps(out, time.Now), now: time.Now,
		endpoints: terraform.EndpointPlan{PathStyle: true},
		readLock: func(ctx context.Context, bucket, key string) (*cloud.StateLock, error) {
			return cloud.ReadStateLock(ctx, client, bucket, key)
		}}
}

func (c *bootstrapCheckout) writeOverride(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, terraform.LocalBackendOverrideName), []byte(terraform.LocalBackendOverride), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (c *bootstrapCheckout) removeOverride(t *testing.T) {
	t.Helper()
	if err := os.Remove(filepath.Join(c.dir, terraform.LocalBackendOverrideName)); err != nil {
		t.Fatal(err)
	}
}

// run runs one of the pipeline's terraform commands and returns its output
// and exit code.
func (c *bootstrapCheckout) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), c.terraform, args[1:]...)
	cmd.Dir, cmd.Env = c.dir, c.env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// lockHolder is a terraform apply that holds the state lock while it asks
// whether to apply.
type lockHolder struct {
	cmd    *exec.Cmd
	answer io.WriteCloser
	out    *bytes.Buffer
}

// holdLock starts, in this checkout, the apply another administrator would
// run (a change, so that it asks), and returns once it asks: by then it
// holds the lock, which it keeps until it is answered.
func (c *bootstrapCheckout) holdLock(t *testing.T, vars []string) *lockHolder {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), c.terraform, append([]string{"apply", "-no-color"}, vars...)...)
	cmd.Dir, cmd.Env = c.dir, append(slices.Clone(c.env), "TF_INPUT=1", "TF_IN_AUTOMATION=")
	answer, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &lockHolder{cmd: cmd, answer: answer, out: &bytes.Buffer{}}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // after release, a no-op
	// The question ends without a line break: read until it is there.
	buf := make([]byte, 4096)
	for !bytes.Contains(h.out.Bytes(), []byte("Enter a value:")) {
		n, err := stdout.Read(buf)
		h.out.Write(buf[:n])
		if err != nil {
			t.Fatalf("the lock holder stopped before it asked: %v\n%s", err, h.out.String())
		}
	}
	// What it prints after the answer is a line or two: the pipe holds it.
	return h
}

// release answers no: the apply is cancelled and releases the lock.
func (h *lockHolder) release(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(h.answer, "no\n"); err != nil {
		t.Fatal(err)
	}
	_ = h.answer.Close()
	if err := h.cmd.Wait(); err == nil {
		t.Errorf("the holder's apply succeeded after a no")
	}
}

// object returns an object's content, failing the test when it is missing.
func object(t *testing.T, client *s3.Client, bucket, key string) []byte {
	t.Helper()
	data, err := cloud.ReadObject(t.Context(), client, bucket, key)
	if err != nil || data == nil {
		t.Fatalf("s3://%s/%s: %q, %v", bucket, key, data, err)
	}
	return data
}

// emptyStateBucket deletes every object version and delete marker, as the
// documented teardown does with the AWS CLI.
func emptyStateBucket(t *testing.T, client *s3.Client, bucket string) {
	t.Helper()
	for {
		out, err := client.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		var objects []s3types.ObjectIdentifier
		for _, v := range out.Versions {
			objects = append(objects, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			objects = append(objects, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(objects) == 0 {
			return
		}
		if _, err := client.DeleteObjects(t.Context(), &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: objects}}); err != nil {
			t.Fatal(err)
		}
	}
}
