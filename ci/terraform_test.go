package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"
)

func terraformConfig() config {
	return config{app: "goship", environment: "dev", region: "eu-west-1", stateBucket: "goship-state-123456789012", platform: "linux/amd64", lockTimeout: 5 * time.Minute}
}

func TestInitArgs(t *testing.T) {
	t.Parallel()
	cfg := terraformConfig()
	tests := []struct {
		st   stack
		want string
	}{
		{registryStack, "terraform init -input=false -no-color -backend-config=bucket=goship-state-123456789012 -backend-config=key=goship/dev/registry.tfstate -backend-config=region=eu-west-1 -backend-config=use_lockfile=true -backend-config=encrypt=true"},
		{serviceStack, "terraform init -input=false -no-color -backend-config=bucket=goship-state-123456789012 -backend-config=key=goship/dev/service.tfstate -backend-config=region=eu-west-1 -backend-config=use_lockfile=true -backend-config=encrypt=true"},
		{bootstrapStack, "terraform init -input=false -no-color -backend-config=bucket=goship-state-123456789012 -backend-config=key=bootstrap/terraform.tfstate -backend-config=region=eu-west-1 -backend-config=use_lockfile=true -backend-config=encrypt=true"},
	}
	for _, tt := range tests {
		if got := strings.Join(initArgs(cfg, tt.st, false), " "); got != tt.want {
			t.Errorf("initArgs(%s) =\n%s\nwant\n%s", tt.st.name, got, tt.want)
		}
	}
}

// TestInitArgsPathStyle checks that an S3 endpoint other than AWS gets
// path-style requests from the backend, which reads no variable for it.
func TestInitArgsPathStyle(t *testing.T) {
	t.Parallel()
	got := strings.Join(initArgs(terraformConfig(), registryStack, true), " ")
	if !strings.HasSuffix(got, " -backend-config=use_path_style=true") {
		t.Errorf("initArgs with an S3 endpoint = %s", got)
	}
	if got := strings.Join(moveStateArgs(terraformConfig(), true), " "); !strings.HasSuffix(got, " -backend-config=use_path_style=true") {
		t.Errorf("moveStateArgs with an S3 endpoint = %s", got)
	}
}

func TestStackArgs(t *testing.T) {
	t.Parallel()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("a", 64)
	arm := terraformConfig()
	arm.platform = "linux/arm64"
	withRepo := terraformConfig()
	withRepo.githubRepository = "example/goship"
	withRepo.githubRepositoryID, withRepo.githubOwnerID = "1296269", "9919"
	withRepo.environments = []string{"dev", "staging"}
	elsewhere := terraformConfig()
	elsewhere.imageRepository = "registry.internal:5000/goship"
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"plan service", planArgs(terraformConfig(), stackVars(terraformConfig(), serviceStack, image)),
			"terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var environment=dev -var region=eu-west-1 -var image=" + image + " -var cpu_architecture=X86_64"},
		{"plan service arm64", planArgs(arm, stackVars(arm, serviceStack, image)),
			"terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var environment=dev -var region=eu-west-1 -var image=" + image + " -var cpu_architecture=ARM64"},
		{"plan service from another registry", planArgs(elsewhere, stackVars(elsewhere, serviceStack, "registry.internal:5000/goship@sha256:"+strings.Repeat("b", 64))),
			"terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var environment=dev -var region=eu-west-1 -var image=registry.internal:5000/goship@sha256:" + strings.Repeat("b", 64) + " -var cpu_architecture=X86_64 -var image_repository=registry.internal:5000/goship"},
		{"plan registry", planArgs(terraformConfig(), stackVars(terraformConfig(), registryStack, image)),
			"terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var environment=dev -var region=eu-west-1"},
		{"plan bootstrap", planArgs(terraformConfig(), stackVars(terraformConfig(), bootstrapStack, "")),
			"terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var region=eu-west-1 -var state_bucket_name=goship-state-123456789012"},
		{"plan bootstrap for GitHub", planArgs(withRepo, stackVars(withRepo, bootstrapStack, "")),
			`terraform plan -input=false -no-color -lock-timeout=5m0s -out=tfplan -var app_name=goship -var region=eu-west-1 -var state_bucket_name=goship-state-123456789012 -var environments=["dev","staging"] -var github_repository=example/goship -var github_repository_id=1296269 -var github_owner_id=9919`},
		{"plan mode, which takes no lock", lockFreePlanArgs(stackVars(terraformConfig(), registryStack, image)),
			"terraform plan -input=false -no-color -lock=false -out=tfplan -var app_name=goship -var environment=dev -var region=eu-west-1"},
		{"apply the saved plan", applyArgs(terraformConfig()), "terraform apply -input=false -no-color -lock-timeout=5m0s -auto-approve tfplan"},
		{"destroy service", destroyArgs(terraformConfig(), stackVars(terraformConfig(), serviceStack, destroyPlaceholderImage(terraformConfig(), "123456789012"))),
			"terraform destroy -input=false -no-color -lock-timeout=5m0s -auto-approve -var app_name=goship -var environment=dev -var region=eu-west-1 -var image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("0", 64) + " -var cpu_architecture=X86_64"},
		{"destroy registry", destroyArgs(terraformConfig(), stackVars(terraformConfig(), registryStack, "")),
			"terraform destroy -input=false -no-color -lock-timeout=5m0s -auto-approve -var app_name=goship -var environment=dev -var region=eu-west-1"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.got, " "); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestDecodeOutputs(t *testing.T) {
	t.Parallel()
	out := []byte(`{
  "service_url": {"sensitive": false, "type": "string", "value": "http://goship-dev-123.eu-west-1.elb.amazonaws.com"},
  "cluster_name": {"sensitive": false, "type": "string", "value": "goship-dev"},
  "subnets": {"sensitive": false, "type": ["list", "string"], "value": ["a", "b"]}
}`)
	got, err := decodeOutputs(out)
	if err != nil {
		t.Fatal(err)
	}
	if got["service_url"] != "http://goship-dev-123.eu-west-1.elb.amazonaws.com" || got["cluster_name"] != "goship-dev" || len(got) != 2 {
		t.Errorf("decodeOutputs = %v", got)
	}
	if err := requireOutputs(got, "service_url", "cluster_name"); err != nil {
		t.Error(err)
	}
	if err := requireOutputs(got, "service_name"); err == nil || !strings.Contains(err.Error(), `"service_name"`) {
		t.Errorf("requireOutputs(service_name) = %v", err)
	}
	if _, err := decodeOutputs([]byte("Error: no state")); err == nil {
		t.Error("decodeOutputs accepted non-JSON")
	}
}

func TestTrivyArgs(t *testing.T) {
	t.Parallel()
	cfg := config{trivyDBRepository: "mirror.example.com/trivy-db:2"}
	got := strings.Join(trivyImageArgs(cfg, true), " ")
	want := "trivy image --input /image.tar --scanners vuln --cache-dir /root/.cache/trivy --db-repository mirror.example.com/trivy-db:2 --format json --output /report.json --exit-code 0 --skip-version-check --disable-telemetry --ignorefile /trivyignore"
	if got != want {
		t.Errorf("trivyImageArgs =\n%s\nwant\n%s", got, want)
	}
	got = strings.Join(trivySBOMArgs(), " ")
	want = "trivy image --input /image.tar --format cyclonedx --output /sbom.cdx.json --cache-dir /tmp/trivy-sbom-cache --skip-version-check --disable-telemetry"
	if got != want {
		t.Errorf("trivySBOMArgs =\n%s\nwant\n%s", got, want)
	}
	got = strings.Join(trivyConfigArgs(config{}, false), " ")
	want = "trivy config --cache-dir /tmp/trivy-cache --skip-check-update --format json --output /report.json --exit-code 0 --skip-version-check --disable-telemetry ."
	if got != want {
		t.Errorf("trivyConfigArgs =\n%s\nwant\n%s", got, want)
	}
}

// TestTerraformEnv checks that the plugin cache is used at all: with no
// committed lock file, Terraform skips TF_PLUGIN_CACHE_DIR unless told it
// may, and downloads every provider on every init.
func TestTerraformEnv(t *testing.T) {
	t.Parallel()
	env := make(map[string]string)
	for _, v := range terraformEnv() {
		env[v[0]] = v[1]
	}
	if env["TF_PLUGIN_CACHE_DIR"] != terraformPluginDir {
		t.Errorf("TF_PLUGIN_CACHE_DIR = %q, want the cache volume at %s", env["TF_PLUGIN_CACHE_DIR"], terraformPluginDir)
	}
	if _, err := os.Stat(filepath.Join("..", "infra", ".terraform.lock.hcl")); err != nil && env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] != "true" {
		t.Error("no committed lock file and TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE unset: the plugin cache is never used")
	}
	if env["CHECKPOINT_DISABLE"] == "" {
		t.Error("CHECKPOINT_DISABLE unset: every Terraform command calls checkpoint-api.hashicorp.com")
	}
	if env["TF_IN_AUTOMATION"] == "" || env["TF_INPUT"] != "0" {
		t.Errorf("terraformEnv = %v, want TF_IN_AUTOMATION and TF_INPUT=0", env)
	}
}

// TestStackFailure checks, through the step runner, that a failed
// Terraform command names its stack and directory (the same commands run
// in all three) and shows every Error block, not the last lines.
func TestStackFailure(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	for i := range 5 {
		fmt.Fprintf(&stderr, "\nError: error number %d\n\n  on main.tf line %d:\n  %d: something\n\nwhy %d failed.\n", i, i, i, i)
	}
	exec := &dagger.ExecError{Cmd: []string{"terraform", "validate", "-no-color"}, ExitCode: 1, Stderr: stderr.String()}
	tests := []struct {
		st   stack
		want string
	}{
		{bootstrapStack, "`terraform validate` in the bootstrap stack (infra/bootstrap) exited 1"},
		{registryStack, "`terraform validate` in the registry stack (infra/registry) exited 1"},
		{serviceStack, "`terraform validate` in the service stack (infra) exited 1"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := newSteps(&out, time.Now).run("terraform fmt and validate", func() error { return tt.st.failure(exec, "") })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want %q", tt.st.name, err, tt.want)
			continue
		}
		for i := range 5 {
			if !strings.Contains(err.Error(), fmt.Sprintf("Error: error number %d", i)) || !strings.Contains(err.Error(), fmt.Sprintf("why %d failed.", i)) {
				t.Errorf("%s: error %d is missing:\n%s", tt.st.name, i, err)
			}
		}
		var lost *dagger.ExecError
		if !errors.As(err, &lost) {
			t.Errorf("%s: the ExecError is lost", tt.st.name)
		}
	}
	other := serviceStack.failure(errors.New("no AWS credentials"), "")
	if other.Error() != "the service stack (infra): no AWS credentials" {
		t.Errorf("failure of a non-exec error = %q", other)
	}
}

// TestPasswdNaming checks that the lock owner survives as the user name
// Terraform reads from /etc/passwd (user:x:uid:gid:gecos:home:shell).
func TestPasswdNaming(t *testing.T) {
	t.Parallel()
	owner := "goship deploy dev by github.com/example/goship/actions/runs/42"
	fields := strings.Split(strings.TrimSuffix(passwdNaming(owner), "\n"), ":")
	if len(fields) != 7 || fields[0] != owner || fields[2] != "0" || fields[5] != "/root" {
		t.Errorf("passwdNaming = %q", passwdNaming(owner))
	}
}
