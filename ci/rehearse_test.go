package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/ci/terraform"
	"github.com/example/goship/internal/registrytest"
)

// TestWireRehearsal: the emulator is reached on this machine's loopback,
// which Terraform's containers get through the engine's host-service
// binding with path-style S3; the repository deploy publishes to is in
// the rehearsal's registry and passes --image-repository's own rule.
func TestWireRehearsal(t *testing.T) {
	t.Parallel()
	w := wireRehearsal(config{app: "goship", environment: "dev"}, 41001, 41002)
	if w.endpoint != "http://127.0.0.1:41001" || w.registry != "127.0.0.1:41002" || w.repository != "127.0.0.1:41002/goship-dev" {
		t.Fatalf("wiring %+v", w)
	}
	var c config
	if err := setImageRepository(&c, w.repository); err != nil {
		t.Errorf("--image-repository refuses the rehearsal's repository %s: %v", w.repository, err)
	}
	plan, err := terraform.PlanEndpoints([]string{"AWS_ENDPOINT_URL=" + w.endpoint})
	if err != nil {
		t.Fatal(err)
	}
	want := terraform.HostBinding{Alias: "aws-endpoint-41001", Upstream: "127.0.0.1", Port: 41001}
	if !slices.Equal(plan.Bindings, []terraform.HostBinding{want}) || !plan.PathStyle {
		t.Errorf("Terraform's endpoints %+v, want the binding %+v and path-style S3", plan, want)
	}
	if !slices.Contains(plan.Env, [2]string{"AWS_ENDPOINT_URL", "http://aws-endpoint-41001:41001"}) {
		t.Errorf("Terraform's containers get %v, not the emulator through its binding", plan.Env)
	}
}

func TestRehearsalConfig(t *testing.T) {
	t.Parallel()
	w := wireRehearsal(config{app: "goship", environment: "qa"}, 41001, 41002)
	base := config{app: "goship", environment: "qa", commit: "0123456789abcdef0123456789abcdef01234567", version: "v1.2.3",
		environments: []string{"dev", "prod"}, githubRepository: "o/n", githubRepositoryID: "1", githubOwnerID: "2", asJSON: true}
	tests := []struct {
		name               string
		region, bucket     string
		wantRegion, wantSB string
	}{
		{name: "nothing set: its own region and bucket", wantRegion: "us-east-1", wantSB: "goship-rehearsal-state"},
		// Harmless in an emulator, and what the user typed: kept.
		{name: "the user's region and bucket", region: "eu-west-1", bucket: "my-state", wantRegion: "eu-west-1", wantSB: "my-state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base
			in.region, in.stateBucket = tt.region, tt.bucket
			c := rehearsalConfig(in, w, "/tmp/key.pem")
			if c.region != tt.wantRegion || c.stateBucket != tt.wantSB {
				t.Errorf("region %q, bucket %q; want %q, %q", c.region, c.stateBucket, tt.wantRegion, tt.wantSB)
			}
			if c.imageRepository != w.repository || c.signingKey != "/tmp/key.pem" {
				t.Errorf("publishes to %q signed by %q, want %q by the run's key", c.imageRepository, c.signingKey, w.repository)
			}
			if !slices.Equal(c.environments, []string{"qa"}) || c.githubRepository != "" || c.githubRepositoryID != "" || c.githubOwnerID != "" {
				t.Errorf("bootstrap would make %v with GitHub %q: want the rehearsed environment only, no GitHub roles", c.environments, c.githubRepository)
			}
			if c.commit != base.commit || c.version != base.version || c.asJSON || !c.assumeYes {
				t.Errorf("commit %q version %q json %v yes %v: want the run's commit and version, text, no question", c.commit, c.version, c.asJSON, c.assumeYes)
			}
			if !slices.Equal(in.environments, []string{"dev", "prod"}) {
				t.Errorf("the run's own configuration changed: %v", in.environments)
			}
		})
	}
}

// TestValidateRehearse: what rehearse makes itself is refused when given,
// all of it in one message, and --keep belongs to rehearse alone.
func TestValidateRehearse(t *testing.T) {
	t.Parallel()
	_, base, err := parseArgs([]string{"rehearse"}, envOf(nil), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	everything := func(string) bool { return true }
	mustMode := func(name string) mode {
		m, err := lookupMode(name, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		mode   string
		change func(*config)
		want   []string
	}{
		{mode: "rehearse"},
		{mode: "rehearse", change: func(c *config) { c.keep = true }},
		// TF_STATE_BUCKET and AWS_REGION are often exported: the emulator
		// just uses the names.
		{mode: "rehearse", change: func(c *config) { c.stateBucket, c.region = "my-state", "eu-west-1" }},
		{mode: "rehearse", change: func(c *config) { c.imageRepository = "registry.internal:5000/goship" }, want: []string{"unset --image-repository (IMAGE_REPOSITORY)"}},
		{mode: "rehearse", change: func(c *config) { c.signingKey, c.verifyKey, c.allowUnsigned = "k.pem", "v.pem", true },
			want: []string{"--signing-key and --verify-key", "--allow-unsigned"}},
		{mode: "rehearse", change: func(c *config) { c.commit = "" }, want: []string{"no commit to rehearse"}},
		{mode: "rehearse", change: func(c *config) { c.goImage = "" }, want: []string{"no Go image"}},
		{mode: "deploy", change: func(c *config) { c.keep, c.stateBucket, c.allowUnsigned = true, "b", true }, want: []string{"--keep only applies to rehearse"}},
	}
	for _, tt := range tests {
		cfg := base
		if tt.change != nil {
			tt.change(&cfg)
		}
		err := validate(cfg, mustMode(tt.mode), envOf(nil), everything)
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v, want no error", tt.mode, err)
			}
			continue
		}
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%s: %v, want a usage error (exit 2)", tt.mode, err)
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", tt.mode, err, want)
			}
		}
	}
}

// TestRehearsalImagesArePinned: rehearse's default images are pinned by
// digest like every other, and overridable by flag and environment.
func TestRehearsalImagesArePinned(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{defaultEmulatorImage, defaultRegistryImage} {
		if !isDigestPinned(ref) || !validReference(ref) {
			t.Errorf("%s is not a digest-pinned reference", ref)
		}
	}
	mirror := "mirror.internal/moto:5.2.2@sha256:" + strings.Repeat("a", 64)
	_, cfg, err := parseArgs([]string{"rehearse", "--registry-image", "mirror.internal/registry:2"}, envOf(map[string]string{"EMULATOR_IMAGE": mirror}), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.emulatorImage != mirror || cfg.registryImage != "mirror.internal/registry:2" {
		t.Errorf("emulator %q, registry %q: the overrides did not take", cfg.emulatorImage, cfg.registryImage)
	}
}

// TestRunSigningKeySignsAndVerifies: the key rehearse makes for the run is
// one --signing-key reads, only for this user, and the deploy then
// verifies against its public half.
func TestRunSigningKeySignsAndVerifies(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := writeRunSigningKey(path); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the key file is %v, want 0600", info.Mode().Perm())
	}
	repo := registrytest.Start(t, true, "goship-dev")
	image := registrytest.PushRandomImage(t, repo).String()
	sbom, err := os.ReadFile("attest/testdata/api.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := testPipeline(config{signingKey: path}, &out)
	supply, err := prepareSupplyChain(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := signAndAttach(t.Context(), p, supply, attest.Registry{}, image, sbom); err != nil {
		t.Fatal(err)
	}
	if err := verifyBeforeDeploy(t.Context(), p, supply, attest.Registry{}, image); err != nil {
		t.Errorf("the deploy does not verify what the run's key signed: %v", err)
	}
}

// TestCopyInfra: bootstrap's scratch copy holds the Terraform sources
// and none of the checkout's state, provider caches or backend overrides.
func TestCopyInfra(t *testing.T) {
	t.Parallel()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "infra")
	files := map[string]string{
		"bootstrap/main.tf":                   "kept",
		"modules/network/main.tf":             "kept",
		"bootstrap/terraform.tfstate":         "a real account's state",
		"bootstrap/terraform.tfstate.backup":  "a real account's state",
		"bootstrap/backend_override.tf":       "a teardown's override",
		"bootstrap/.terraform/providers/x":    "cache",
		"registry/terraform.tfstate.20261206": "set aside",
	}
	for name, content := range files {
		path := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyInfra(src, dst); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		switch {
		case content == "kept" && string(got) != "kept":
			t.Errorf("%s not copied (%v)", name, err)
		case content != "kept" && !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s was copied: %q", name, got)
		}
	}
}

// TestRehearseWithoutAnEngineFailsFast: with no engine to reach, rehearse
// says what it needs within seconds, before any service starts.
func TestRehearseWithoutAnEngineFailsFast(t *testing.T) {
	commit := []string{"rehearse", "--commit", "0123456789abcdef0123456789abcdef01234567"}
	tests := []struct {
		name string
		env  map[string]string
		path bool // PATH without any container runtime
		want string
	}{
		{name: "the engine named is not there", env: map[string]string{"_EXPERIMENTAL_DAGGER_RUNNER_HOST": "unix://" + filepath.Join(t.TempDir(), "engine.sock")},
			want: "no Dagger engine answers at _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://"},
		{name: "no container runtime", path: true, want: "no container runtime found: install Docker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path {
				t.Setenv("PATH", t.TempDir())
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			started := time.Now()
			err := run(ctx, commit, envOf(tt.env), strings.NewReader(""), &stdout, &stderr, nil)
			took := time.Since(started)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("rehearse without an engine: %v, want %q", err, tt.want)
			}
			if took > 30*time.Second {
				t.Errorf("it took %s to say so", took)
			}
			if strings.Contains(stdout.String(), "rehearsal:") {
				t.Errorf("a phase started without an engine:\n%s", stdout.String())
			}
		})
	}
}

// TestPhaseOutcome: only the emulator's known gap is a note; every other
// failure, status's included, stops the rehearsal.
func TestPhaseOutcome(t *testing.T) {
	t.Parallel()
	unhealthy := func(problems ...string) error {
		return fmt.Errorf("status: %w", unhealthyService{name: "goship-dev", problems: problems})
	}
	tests := []struct {
		name    string
		err     error
		outcome string
		stops   bool
	}{
		{name: "passed", outcome: report.PhasePassed},
		{name: "no healthy target only", err: unhealthy(report.ProblemNoHealthyTarget), outcome: report.PhaseNoted},
		{name: "no healthy target and two deployments", err: unhealthy(report.ProblemNoHealthyTarget, "2 deployments in progress"), outcome: report.PhaseFailed, stops: true},
		{name: "tasks missing", err: unhealthy("1 of 2 tasks running"), outcome: report.PhaseFailed, stops: true},
		{name: "any other error", err: errors.New("describing the service: boom"), outcome: report.PhaseFailed, stops: true},
	}
	for _, tt := range tests {
		outcome, detail, err := phaseOutcome("the detail", tt.err)
		if outcome != tt.outcome || (err != nil) != tt.stops {
			t.Errorf("%s: %q, %v; want %q, stops %v", tt.name, outcome, err, tt.outcome, tt.stops)
		}
		if tt.err != nil && tt.stops && detail != tt.err.Error() {
			t.Errorf("%s: detail %q, want the error", tt.name, detail)
		}
		if tt.outcome == report.PhaseNoted && !strings.Contains(detail, "the emulator starts no task") {
			t.Errorf("%s: the note %q does not say why", tt.name, detail)
		}
	}
}

// TestKeepUpPrintsTheEmulatorsSettings: --keep says how to reach the
// emulator and waits for Ctrl-C, which ends the run cleanly.
func TestKeepUpPrintsTheEmulatorsSettings(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	cfg := rehearsalConfig(config{app: "goship", environment: "dev"}, wireRehearsal(config{app: "goship", environment: "dev"}, 41001, 41002), "k.pem")
	r := &rehearsal{p: testPipeline(cfg, &out), wiring: wireRehearsal(cfg, 41001, 41002), cfg: cfg}
	r.p.stdout = &out
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // Ctrl-C, already pressed
	if err := r.keepUp(ctx); err != nil {
		t.Fatalf("keepUp after Ctrl-C: %v", err)
	}
	for _, want := range []string{"until Ctrl-C", "AWS_ENDPOINT_URL=http://127.0.0.1:41001", "AWS_REGION=us-east-1", "aws ecs list-services --cluster goship-dev", "s3://goship-rehearsal-state"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--keep's message lacks %q:\n%s", want, out.String())
		}
	}
}
