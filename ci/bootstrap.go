package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"dagger.io/dagger"

	"github.com/example/goship/ci/report"
)

// bootstrapState is the bootstrap stack's local state, relative to the
// repository. It is gitignored, and it is the only record of the state
// bucket and the deploy role.
const bootstrapState = "infra/bootstrap/terraform.tfstate"

// bootstrap creates, once per account, the S3 bucket that holds every other
// stack's state and the role GitHub Actions deploys with. Its state is
// local: it is copied in from the host and exported back after apply,
// even a failed one, since a failed apply may have created resources.
func bootstrap(ctx context.Context, p *pipeline) error {
	var outputs map[string]string
	err := p.steps.run("apply the bootstrap stack", func() error {
		infra := p.infra()
		if fileExists(filepath.Join(p.root, bootstrapState)) {
			infra = infra.WithFile("bootstrap/terraform.tfstate", p.dag.Host().File(filepath.Join(p.root, bootstrapState)))
		}
		tf, err := awsTerraform(ctx, p, infra, bootstrapStack)
		if err != nil {
			return err
		}
		applied := tf.
			WithExec(planArgs(stackVars(p.cfg, bootstrapStack, ""))).
			WithExec(applyArgs(), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
		code, err := applied.ExitCode(ctx)
		if err != nil {
			return err
		}
		state := applied.Directory("/infra/bootstrap").Filter(dagger.DirectoryFilterOpts{
			Include: []string{"terraform.tfstate", "terraform.tfstate.backup"},
		})
		if _, err := state.Export(ctx, filepath.Join(p.root, "infra", "bootstrap")); err != nil {
			return fmt.Errorf("exporting the bootstrap state to %s: %w", bootstrapState, err)
		}
		p.steps.printf("\n!!! %s is the ONLY record of the state bucket and the deploy role.\n"+
			"!!! It is gitignored: keep a copy somewhere safe, or the next bootstrap will try to create them again.\n\n", bootstrapState)
		if code != 0 {
			stderr, _ := applied.Stderr(ctx)
			return fmt.Errorf("terraform apply exited %d: %s", code, report.LastLines(stderr, 20))
		}
		out, err := applied.WithExec([]string{"terraform", "output", "-json"}).Stdout(ctx)
		if err != nil {
			return err
		}
		if outputs, err = decodeOutputs([]byte(out)); err != nil {
			return err
		}
		return requireOutputs(outputs, "state_bucket")
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(p.stdout, bootstrapNextSteps(outputs, p.cfg.region))
	return err
}

// bootstrapNextSteps says what to do with what bootstrap created. The
// deploy role exists only when --github-repository (GITHUB_REPOSITORY) was
// given: its output is null otherwise, and a local bootstrap without it is
// a normal first run, not a failure.
func bootstrapNextSteps(outputs map[string]string, region string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "State bucket: %s\n", outputs["state_bucket"])
	role := outputs["deploy_role_arn"]
	if role == "" {
		fmt.Fprintf(&b, "No GitHub deploy role: run bootstrap again with --github-repository owner/name to create one.\n"+
			"Deploy from this machine with TF_STATE_BUCKET=%s AWS_REGION=%s.\n", outputs["state_bucket"], region)
		return b.String()
	}
	fmt.Fprintf(&b, "Set these GitHub repository variables (Settings → Secrets and variables → Actions → Variables):\n"+
		"  AWS_DEPLOY_ROLE_ARN=%s\n  TF_STATE_BUCKET=%s\n  AWS_REGION=%s\n", role, outputs["state_bucket"], region)
	return b.String()
}
