package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// TestPlanRegistryStackAgainstTheEmulator plans the real registry stack
// the way the plan mode does (the pipeline's own init, plan and show
// arguments, state in S3 with its lock file), against moto: exit 0 right
// after an apply, 2 once a variable changes, and no state lock left behind
// by either plan.
//
// The stack pins hashicorp/aws ~> 6.0, which cannot be downloaded here: the
// test uses the provider in TF_PROVIDER_MIRROR (.ci/run sets it) and pins
// the copy's constraint to that version, and says so.
func TestPlanRegistryStackAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	mirror := os.Getenv("TF_PROVIDER_MIRROR")
	versions, err := os.ReadDir(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws"))
	if mirror == "" || err != nil || len(versions) == 0 {
		if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "terraform") {
			t.Fatalf("TF_PROVIDER_MIRROR=%q holds no hashicorp/aws provider: %v", mirror, err)
		}
		t.Skip("skipping: set TF_PROVIDER_MIRROR to a filesystem mirror of hashicorp/aws (see .ci/run)")
	}
	version := versions[len(versions)-1].Name()
	server := moto.Start(t, moto.Options{})

	work := t.TempDir()
	for _, name := range []string{"ecr.tf", "main.tf", "outputs.tf", "providers.tf", "terraform.tf", "variables.tf"} {
		src, err := os.ReadFile(filepath.Join("..", "infra", "registry", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "terraform.tf" {
			if !bytes.Contains(src, []byte(`"~> 6.0"`)) {
				t.Fatal("infra/registry/terraform.tf no longer pins hashicorp/aws ~> 6.0: update this test")
			}
			src = bytes.Replace(src, []byte(`"~> 6.0"`), []byte(`"= `+version+`"`), 1)
			t.Logf("planning with hashicorp/aws %s from %s instead of ~> 6.0", version, mirror)
		}
		if err := os.WriteFile(filepath.Join(work, name), src, 0o644); err != nil {
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

	cfg := config{app: "goship", environment: "dev", region: moto.Region, stateBucket: "goship-state-plan"}
	store := cloud.NewClients(server.AWSConfig()).S3.(*s3.Client)
	if _, err := store.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(cfg.stateBucket)}); err != nil {
		t.Fatal(err)
	}
	env := append(server.Environ(os.Environ()), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_DATA_DIR="+filepath.Join(work, ".terraform"))
	tf := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), terraform, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				stderr = exit.Stderr
			}
			t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return string(out)
	}
	lockHeld := func() bool {
		_, err := store.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(cfg.stateBucket), Key: aws.String(stateKey(cfg, registryStack) + ".tflock")})
		var missing *s3types.NotFound
		return !errors.As(err, &missing)
	}
	planExit := func(extra ...string) int {
		t.Helper()
		tf(planArgs(cfg, append(stackVars(cfg, registryStack, ""), extra...))[1:]...)
		if lockHeld() {
			t.Error("the state lock is still held after the plan")
		}
		sp, err := report.ParsePlan("registry", []byte(tf("show", "-json", "tfplan")))
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
			return exitCode(err)
		}
		return 0
	}

	// The emulator's S3 has no bucket subdomains: the pipeline's own init, path-style as for any endpoint.
	tf(initArgs(cfg, registryStack, true)[1:]...)
	if got := planExit(); got != 2 {
		t.Errorf("before the first apply: exit %d, want 2", got)
	}
	tf(applyArgs(cfg)[1:]...)
	if got := planExit(); got != 0 {
		t.Errorf("right after the apply: exit %d, want 0", got)
	}
	if got := planExit("-var", "image_retention_count=10"); got != 2 {
		t.Errorf("after a variable changed: exit %d, want 2", got)
	}
}
