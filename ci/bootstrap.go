package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"dagger.io/dagger"
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
		applied := awsTerraform(p, infra, bootstrapStack).
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
			return fmt.Errorf("terraform apply exited %d: %s", code, lastLines(stderr, 20))
		}
		out, err := applied.WithExec([]string{"terraform", "output", "-json"}).Stdout(ctx)
		if err != nil {
			return err
		}
		if outputs, err = decodeOutputs([]byte(out)); err != nil {
			return err
		}
		return requireOutputs(outputs, "state_bucket", "deploy_role_arn")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "Set these GitHub repository variables (Settings → Secrets and variables → Actions → Variables):\n"+
		"  AWS_DEPLOY_ROLE_ARN=%s\n  TF_STATE_BUCKET=%s\n  AWS_REGION=%s\n",
		outputs["deploy_role_arn"], outputs["state_bucket"], p.cfg.region)
	return nil
}

// lastLines keeps the end of a long output, where Terraform puts its error.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
