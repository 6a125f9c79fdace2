package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/preflight"
)

func testFacts() hostFacts {
	return hostFacts{
		repository: "example/goship",
		commit:     "0123456789abcdef0123456789abcdef01234567",
		version:    "v1.2.3",
		buildTime:  "2026-01-02T03:04:05Z",
		dockerfileArgs: map[string]string{
			"GO_IMAGE":      "golang:1.26-bookworm@sha256:" + strings.Repeat("a", 64),
			"GO_TOOLCHAIN":  "go1.26.11",
			"RUNTIME_IMAGE": "gcr.io/distroless/static-debian12:nonroot@sha256:" + strings.Repeat("b", 64),
		},
	}
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseArgsDefaults(t *testing.T) {
	t.Parallel()
	name, cfg, err := parseArgs(nil, envOf(nil), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		environment:    "dev",
		app:            "goship",
		platform:       "linux/amd64",
		servePort:      8080,
		commit:         testFacts().commit,
		version:        "v1.2.3",
		buildTime:      "2026-01-02T03:04:05Z",
		goImage:        testFacts().dockerfileArgs["GO_IMAGE"],
		goToolchain:    "go1.26.11",
		runtimeImage:   testFacts().dockerfileArgs["RUNTIME_IMAGE"],
		trivyImage:     defaultTrivyImage,
		terraformImage: defaultTerraformImage,
		emulatorImage:  defaultEmulatorImage,
		registryImage:  defaultRegistryImage,
		goProxy:        "https://proxy.golang.org,direct",
		severities:     []string{"HIGH", "CRITICAL"},
		waitTimeout:    20 * time.Minute,
		smokeTimeout:   5 * time.Minute,
		lockTimeout:    5 * time.Minute,
		bake:           5 * time.Minute,
		signerIdentity: "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main",
		signerIssuer:   attest.GitHubIssuer,
		environments:   []string{"dev", "prod"},
		logsSince:      10 * time.Minute,
	}
	if name != "check" {
		t.Errorf("mode = %q, want check", name)
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config =\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestParseArgsPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  map[string]string
		mode string
		want func(config) bool
	}{
		{args: []string{"deploy", "--env", "prod"}, env: map[string]string{"ENVIRONMENT": "stage"}, mode: "deploy",
			want: func(c config) bool { return c.environment == "prod" }},
		{args: []string{"--env=prod", "deploy"}, mode: "deploy",
			want: func(c config) bool { return c.environment == "prod" }},
		{args: []string{"destroy"}, env: map[string]string{"ENVIRONMENT": "stage"}, mode: "destroy",
			want: func(c config) bool { return c.environment == "stage" }},
		{env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}, mode: "check",
			want: func(c config) bool { return c.region == "eu-west-1" }},
		{env: map[string]string{"AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}, mode: "check",
			want: func(c config) bool { return c.region == "eu-west-2" }},
		{env: map[string]string{"GITHUB_SHA": "abcdef1"}, mode: "check",
			want: func(c config) bool { return c.commit == "abcdef1" && !c.commitGiven }},
		{env: map[string]string{"GIT_COMMIT": "abcdef2"}, mode: "check",
			want: func(c config) bool { return c.commit == "abcdef2" && c.commitGiven }},
		{env: map[string]string{"GO_IMAGE": "mirror.example.com/golang:1.26"}, mode: "check",
			want: func(c config) bool { return c.goImage == "mirror.example.com/golang:1.26" }},
		{env: map[string]string{"APP_NAME": ""}, mode: "check",
			want: func(c config) bool { return c.app == "goship" }},
		{args: []string{"--severity", "critical, high,medium"}, mode: "check",
			want: func(c config) bool { return reflect.DeepEqual(c.severities, []string{"CRITICAL", "HIGH", "MEDIUM"}) }},
		{args: []string{"deploy", "--image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev:abc-1@sha256:" + strings.Repeat("c", 64)}, mode: "deploy",
			want: func(c config) bool {
				return c.image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:"+strings.Repeat("c", 64)
			}},
		{args: []string{"destroy", "--yes"}, mode: "destroy", want: func(c config) bool { return c.assumeYes }},
		{args: []string{"--platform", "linux/arm64", "serve", "--port", "9000"}, mode: "serve",
			want: func(c config) bool { return c.platform == "linux/arm64" && c.servePort == 9000 }},
		{args: []string{"-h"}, mode: "help", want: func(config) bool { return true }},
		{args: []string{"--help"}, mode: "help", want: func(config) bool { return true }},
	}
	for _, tt := range tests {
		mode, cfg, err := parseArgs(tt.args, envOf(tt.env), testFacts())
		if err != nil || mode != tt.mode || !tt.want(cfg) {
			t.Errorf("parseArgs(%q, %v) = %q, %+v, %v", tt.args, tt.env, mode, cfg, err)
		}
	}
}

// TestParseArgsErrors covers every validation: each names the flag or
// variable it came from, and exits 2.
func TestParseArgsErrors(t *testing.T) {
	t.Parallel()
	digest := "@sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--nope"}, want: "flag provided but not defined: -nope"},
		{args: []string{"check", "deploy"}, want: `unexpected argument "deploy"`},
		{args: []string{"--env", "Prod"}, want: `invalid --env "Prod"`},
		{args: []string{"--env", "dev-1"}, want: `invalid --env "dev-1"`},
		{env: map[string]string{"ENVIRONMENT": "waytoolongname"}, want: `invalid ENVIRONMENT "waytoolongname"`},
		{args: []string{"--app", "My_App"}, want: `invalid --app "My_App"`},
		{env: map[string]string{"APP_NAME": "a-very-long-application"}, want: `invalid APP_NAME`},
		{env: map[string]string{"AWS_REGION": "Europe"}, want: `invalid AWS_REGION "Europe"`},
		{args: []string{"--state-bucket", "Bad_Bucket"}, want: `invalid --state-bucket "Bad_Bucket"`},
		{env: map[string]string{"TF_STATE_BUCKET": "x"}, want: `invalid TF_STATE_BUCKET "x"`},
		{args: []string{"--platform", "linux/386"}, want: `invalid --platform "linux/386": want linux/amd64 or linux/arm64`},
		{env: map[string]string{"PLATFORM": "windows/amd64"}, want: `invalid PLATFORM`},
		{args: []string{"--port", "0"}, want: `invalid --port "0"`},
		{env: map[string]string{"SERVE_PORT": "http"}, want: `invalid SERVE_PORT "http"`},
		{args: []string{"--image", "goship:latest"}, want: `invalid --image "goship:latest": want repository@sha256`},
		{env: map[string]string{"DEPLOY_IMAGE": "repo@sha256:abc"}, want: `invalid DEPLOY_IMAGE`},
		{args: []string{"--commit", "HEAD"}, want: `invalid --commit "HEAD": want a hex commit hash`},
		{env: map[string]string{"GITHUB_SHA": "main"}, want: `invalid GITHUB_SHA "main"`},
		{args: []string{"--version", "v1 beta"}, want: `invalid --version "v1 beta": must not contain white space`},
		{env: map[string]string{"BUILD_TIME": "two o'clock"}, want: `invalid BUILD_TIME`},
		{args: []string{"--go-image", "golang 1.26"}, want: `invalid --go-image`},
		{args: []string{"--go-toolchain", "go1.26.11+auto"}, want: `invalid --go-toolchain "go1.26.11+auto": want a Go release`},
		{env: map[string]string{"GO_TOOLCHAIN": "path"}, want: `invalid GO_TOOLCHAIN "path"`},
		{env: map[string]string{"GO_TOOLCHAIN": "local"}, want: ""},
		{env: map[string]string{"RUNTIME_IMAGE": "UPPER CASE"}, want: `invalid RUNTIME_IMAGE`},
		{args: []string{"--trivy-image", "trivy" + digest + "!"}, want: `invalid --trivy-image`},
		{env: map[string]string{"TERRAFORM_IMAGE": "-terraform"}, want: `invalid TERRAFORM_IMAGE`},
		{env: map[string]string{"GOPROXY": "https://a b"}, want: `invalid GOPROXY`},
		// A token in GOPROXY would be a plain build argument: refused, and
		// not quoted back.
		{env: map[string]string{"GOPROXY": "https://ci:" + canary + "@goproxy.example.com,direct"},
			want: `invalid GOPROXY "https://REDACTED@goproxy.example.com,direct": credentials in a GOPROXY URL`},
		{args: []string{"--goproxy", "https://" + canary + "@goproxy.example.com|https://proxy.golang.org"}, want: `invalid --goproxy`},
		{env: map[string]string{"GOPROXY": "https://goproxy.example.com|https://proxy.golang.org,off"}, want: ""},
		{env: map[string]string{"TRIVY_DB_REPOSITORY": "a b"}, want: `invalid TRIVY_DB_REPOSITORY`},
		{args: []string{"--severity", "HIGH,SEVERE"}, want: `invalid --severity "HIGH,SEVERE": unknown severity "SEVERE"`},
		{env: map[string]string{"TRIVY_SEVERITY": ""}, want: ""},
		{env: map[string]string{"TRIVY_IGNOREFILE": "a b"}, want: `invalid TRIVY_IGNOREFILE`},
		{args: []string{"--wait-timeout", "forever"}, want: `invalid --wait-timeout "forever"`},
		{env: map[string]string{"SMOKE_TIMEOUT": "-1m"}, want: `invalid SMOKE_TIMEOUT "-1m"`},
		{env: map[string]string{"GITHUB_REPOSITORY": "just-a-name"}, want: `invalid GITHUB_REPOSITORY "just-a-name"`},
		{args: []string{"--github-repository-id", "goship"}, want: `invalid --github-repository-id "goship": want the repository's numeric ID`},
		{env: map[string]string{"GITHUB_REPOSITORY_OWNER_ID": "0123"}, want: `invalid GITHUB_REPOSITORY_OWNER_ID "0123"`},
		{args: []string{"--environments", "dev,Prod"}, want: `invalid --environments "dev,Prod": "Prod"`},
		{env: map[string]string{"ENVIRONMENTS": "dev,,prod"}, want: `invalid ENVIRONMENTS "dev,,prod": ""`},
		{env: map[string]string{"ENVIRONMENTS": "dev, dev"}, want: `invalid ENVIRONMENTS "dev, dev": "dev" is listed twice`},
		{env: map[string]string{"ENVIRONMENTS": `dev"],"x`}, want: `invalid ENVIRONMENTS`},
		{env: map[string]string{"ENVIRONMENTS": "dev, staging ,prod"}, want: ""},
		{args: []string{"--yes=maybe"}, want: `invalid boolean value "maybe" for -yes`},
	}
	for _, tt := range tests {
		_, _, err := parseArgs(tt.args, envOf(tt.env), testFacts())
		if tt.want == "" {
			if err != nil {
				t.Errorf("parseArgs(%q, %v) = %v, want no error", tt.args, tt.env, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 || strings.Contains(err.Error(), canary) {
			t.Errorf("parseArgs(%q, %v) error = %v, want %q with exit 2", tt.args, tt.env, err, tt.want)
		}
	}
}

// validate is the preflight's settings part alone, as run reports it: what
// a mode needs from the configuration beyond each value's own syntax,
// which parseArgs has already checked, every problem at once, as one usage
// error.
func validate(cfg config, m mode, getenv func(string) string, exists func(rel string) bool) error {
	problems := settingsProblems(cfg, m, getenv, exists)
	var results []preflight.Result
	for _, name := range preflight.Names() {
		if r, ok := problems[name]; ok {
			r.Check = name
			results = append(results, r)
		}
	}
	if err := preflight.Err(m.name, results); err != nil {
		return usageError{err}
	}
	return nil
}

func TestValidate(t *testing.T) {
	t.Parallel()
	_, base, err := parseArgs(nil, envOf(nil), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	mustMode := func(name string) mode {
		m, err := lookupMode(name, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	everything := func(string) bool { return true }
	tests := []struct {
		mode   string
		change func(*config)
		exists func(string) bool
		want   string
	}{
		{mode: "check", exists: everything},
		{mode: "deploy", change: func(c *config) { c.stateBucket, c.signingKey = "state-bucket", "signing.pem" }, exists: everything},
		// A laptop deploy with no key would publish an unsigned image.
		{mode: "deploy", change: func(c *config) { c.stateBucket = "state-bucket" }, exists: everything, want: "would publish an unsigned image"},
		{mode: "deploy", change: func(c *config) { c.stateBucket, c.allowUnsigned = "state-bucket", true }, exists: everything},
		{mode: "check", change: func(c *config) { c.goImage = "" }, exists: everything, want: "no Go image: the Dockerfile has no `ARG GO_IMAGE=...` line"},
		{mode: "check", change: func(c *config) { c.goToolchain = "" }, exists: everything, want: "no Go toolchain: the Dockerfile has no `ARG GO_TOOLCHAIN=...` line"},
		{mode: "serve", change: func(c *config) { c.runtimeImage = "" }, exists: everything, want: "no runtime image"},
		{mode: "check", exists: func(string) bool { return false }, want: "no Dockerfile"},
		{mode: "check", change: func(c *config) { c.trivyIgnoreFile = "ignore.txt" }, exists: func(p string) bool { return p == "Dockerfile" }, want: "no Trivy ignore file at ignore.txt"},
		{mode: "deploy", change: func(c *config) { c.commit, c.stateBucket, c.allowUnsigned = "", "state-bucket", true }, exists: everything, want: "no commit to deploy"},
		// Nothing to verify the image against: no identity, no key, no waiver.
		{mode: "deploy", change: func(c *config) { c.stateBucket, c.signerIdentity = "state-bucket", "" }, exists: everything, want: "no signer to verify the image against"},
		{mode: "deploy", change: func(c *config) {
			c.stateBucket, c.signerIdentity, c.verifyKey, c.signingKey = "state-bucket", "", "cosign.pub", "signing.pem"
		}, exists: everything},
		{mode: "deploy", change: func(c *config) { c.stateBucket, c.signerIdentity, c.allowUnsigned = "state-bucket", "", true }, exists: everything},
		{mode: "deploy", exists: everything, want: "no Terraform state bucket: set --state-bucket or TF_STATE_BUCKET"},
		{mode: "destroy", exists: everything, want: "no Terraform state bucket"},
		// bootstrap is what creates the bucket: it needs the name to give it.
		{mode: "bootstrap", exists: everything, want: "no name for the state bucket to create: set --state-bucket"},
		// Roles for a repository trust it by its numeric IDs: bootstrap
		// needs them, and says how to find them.
		{mode: "bootstrap", change: func(c *config) { c.stateBucket, c.githubRepository = "state-bucket", "example/goship" }, exists: everything,
			want: "needs its numeric IDs too"},
		{mode: "bootstrap", change: func(c *config) {
			c.stateBucket, c.githubRepository, c.githubRepositoryID = "state-bucket", "example/goship", "1296269"
		}, exists: everything, want: "gh api repos/example/goship --jq '.id, .owner.id'"},
		{mode: "bootstrap", change: func(c *config) {
			c.stateBucket, c.githubRepository, c.githubRepositoryID, c.githubOwnerID = "state-bucket", "example/goship", "1296269", "9919"
		}, exists: everything},
		{mode: "check", change: func(c *config) { c.image = "r@sha256:" + strings.Repeat("0", 64) }, exists: everything, want: "--image (DEPLOY_IMAGE) only applies to deploy"},
		// A rollback needs neither the Dockerfile nor the commit.
		{mode: "deploy", change: func(c *config) {
			c.image, c.goImage, c.commit, c.stateBucket = "r@sha256:"+strings.Repeat("0", 64), "", "", "state-bucket"
		}, exists: func(string) bool { return false }},
		{mode: "destroy", change: func(c *config) { c.goImage, c.stateBucket = "", "state-bucket" }, exists: func(string) bool { return false }},
	}
	for i, tt := range tests {
		cfg := base
		if tt.change != nil {
			tt.change(&cfg)
		}
		err := validate(cfg, mustMode(tt.mode), envOf(nil), tt.exists)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%d: validate(%s) = %v, want nil", i, tt.mode, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 || strings.Contains(err.Error(), canary) {
			t.Errorf("%d: validate(%s) = %v, want %q with exit 2", i, tt.mode, err, tt.want)
		}
	}
}

func TestParseArgsProviderMirror(t *testing.T) {
	mirror := t.TempDir()
	if err := os.MkdirAll(filepath.Join(mirror, "registry.terraform.io"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, cfg, err := parseArgs(nil, envOf(map[string]string{"TF_PROVIDER_MIRROR": mirror}), testFacts())
	if err != nil || cfg.terraformProviderMirror != mirror {
		t.Fatalf("TF_PROVIDER_MIRROR=%s: mirror %q, error %v; want the folder", mirror, cfg.terraformProviderMirror, err)
	}
	_, cfg, err = parseArgs(nil, envOf(nil), testFacts())
	if err != nil || cfg.terraformProviderMirror != "" {
		t.Fatalf("no mirror given: mirror %q, error %v; want none (the registry)", cfg.terraformProviderMirror, err)
	}
	_, _, err = parseArgs([]string{"check", "--terraform-provider-mirror", t.TempDir()}, envOf(nil), testFacts())
	var usage usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "--terraform-provider-mirror") || !strings.Contains(err.Error(), "registry.terraform.io/") {
		t.Fatalf("an empty folder as mirror: error %v, want a usage error naming the flag and the missing registry.terraform.io/ folder", err)
	}
}

func TestImageRepositoryOption(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev", true},
		{"10.87.0.1:5000/goship", true},
		{"registry.internal/team/goship", true},
		{"goship", false},                   // no registry: Docker Hub by accident
		{"10.87.0.1:5000/goship:v1", false}, // a tag: deploy adds its own
		{"10.87.0.1:5000/goship@sha256:" + strings.Repeat("a", 64), false},
		{"Registry.internal/Goship", false},
		{"", false},
	} {
		var c config
		err := setImageRepository(&c, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("setImageRepository(%q) = %v, want ok=%v", tc.value, err, tc.ok)
		}
		if tc.ok && c.imageRepository != tc.value {
			t.Errorf("setImageRepository(%q) kept %q", tc.value, c.imageRepository)
		}
	}
}
