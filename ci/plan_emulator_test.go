package main

import (
	"errors"
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
	mirror, version := awsProviderMirror(t)
	server := moto.Start(t, moto.Options{})
	registry := newHostStack(t, terraform, mirror, version, server, registryStack)
	tf := func(args ...string) string {
		t.Helper()
		return registry.tf(t, append([]string{"terraform"}, args...)...)
	}

	cfg := config{app: "goship", environment: "dev", region: moto.Region, stateBucket: "goship-state-plan"}
	store := cloud.NewClients(server.AWSConfig()).S3.(*s3.Client)
	if _, err := store.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(cfg.stateBucket)}); err != nil {
		t.Fatal(err)
	}
	lockHeld := func() bool {
		_, err := store.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(cfg.stateBucket), Key: aws.String(stateKey(cfg, registryStack) + ".tflock")})
		var missing *s3types.NotFound
		return !errors.As(err, &missing)
	}
	planExit := func(extra ...string) int {
		t.Helper()
		tf(lockFreePlanArgs(append(stackVars(cfg, registryStack, ""), extra...))[1:]...)
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
