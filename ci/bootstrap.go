package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
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
	var (
		outputs map[string]string
		roles   map[string]githubRoles
	)
	err := p.steps.run("apply the bootstrap stack", func() error {
		infra := p.infra()
		if fileExists(filepath.Join(p.root, bootstrapState)) {
			infra = infra.WithFile("bootstrap/terraform.tfstate", p.dag.Host().File(filepath.Join(p.root, bootstrapState)))
		}
		tf, err := awsTerraform(ctx, p, infra, bootstrapStack)
		if err != nil {
			return bootstrapStack.failure(err, p.cfg.terraformProviderMirror)
		}
		planned := tf.WithExec(planArgs(p.cfg, stackVars(p.cfg, bootstrapStack, "")))
		if err := p.approvePlan(ctx, bootstrapStack, planned, nil); err != nil {
			return err
		}
		// A failed apply may still have created resources, so its state
		// is exported whatever the exit code.
		applied := planned.WithExec(applyArgs(p.cfg), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
		var code int
		var completed bool
		interrupted := p.protected(ctx, bootstrapStack, "apply", func(ctx context.Context) error {
			var err error
			code, err = applied.ExitCode(ctx)
			completed = err == nil
			return err
		})
		if !completed {
			// The apply never completed: there is no state to export, and
			// asking for one would run the apply again.
			return bootstrapStack.failure(interrupted, p.cfg.terraformProviderMirror)
		}
		state := applied.Directory("/infra/bootstrap").Filter(dagger.DirectoryFilterOpts{
			Include: []string{"terraform.tfstate", "terraform.tfstate.backup"},
		})
		// After an interrupt the run's context is cancelled, but an apply
		// that finished must still leave its state on the host.
		if _, err := state.Export(context.WithoutCancel(ctx), filepath.Join(p.root, "infra", "bootstrap")); err != nil {
			return fmt.Errorf("exporting the bootstrap state to %s: %w", bootstrapState, err)
		}
		p.steps.printf("\n!!! %s is the ONLY record of the state bucket and the deploy role.\n"+
			"!!! It is gitignored: keep a copy somewhere safe, or the next bootstrap will try to create them again.\n\n", bootstrapState)
		if interrupted != nil {
			return interrupted
		}
		if code != 0 {
			stdout, _ := applied.Stdout(ctx) // the exit code is the failure; the output only explains it
			stderr, _ := applied.Stderr(ctx)
			return bootstrapStack.failure(&dagger.ExecError{Cmd: applyArgs(p.cfg), ExitCode: code, Stdout: stdout, Stderr: stderr}, p.cfg.terraformProviderMirror)
		}
		out, err := applied.WithExec(outputArgs()).Stdout(ctx)
		if err != nil {
			return bootstrapStack.failure(err, p.cfg.terraformProviderMirror)
		}
		if outputs, err = decodeOutputs([]byte(out)); err != nil {
			return err
		}
		if roles, err = decodeRoles([]byte(out)); err != nil {
			return err
		}
		return requireOutputs(outputs, "state_bucket")
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(p.stdout, bootstrapNextSteps(outputs, roles, p.cfg))
	return err
}

// githubRoles are an environment's two roles: the deploy role, and the
// read-only plan role of the nightly drift check.
type githubRoles struct{ deploy, plan string }

// decodeRoles reads the deploy_role_arns and plan_role_arns outputs
// (environment: role ARN) from `terraform output -json`, by environment;
// empty without a GitHub repository.
func decodeRoles(data []byte) (map[string]githubRoles, error) {
	var raw struct {
		Deploy struct {
			Value map[string]string `json:"value"`
		} `json:"deploy_role_arns"`
		Plan struct {
			Value map[string]string `json:"value"`
		} `json:"plan_role_arns"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("reading the deploy_role_arns and plan_role_arns outputs: %w", err)
	}
	roles := map[string]githubRoles{}
	for env, arn := range raw.Deploy.Value {
		roles[env] = githubRoles{deploy: arn, plan: raw.Plan.Value[env]}
	}
	return roles, nil
}

// githubSubjectClaimKeys is the subject claim template the roles' trust
// expects (infra/bootstrap/github.tf): IDs, not names.
var githubSubjectClaimKeys = []string{"repository_owner_id", "repository_id", "context"}

// bootstrapNextSteps says what to do with what bootstrap created: the
// repository variables, and for each environment the GitHub environment to
// create, with the branch rules and reviewers that decide who may deploy
// (the deploy role trusts jobs of that environment and nothing else). The
// deploy roles exist only when --github-repository (GITHUB_REPOSITORY) was
// given; a local bootstrap without it is a normal first run, not a failure.
func bootstrapNextSteps(outputs map[string]string, roles map[string]githubRoles, cfg config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "State bucket: %s\n", outputs["state_bucket"])
	if len(roles) == 0 {
		fmt.Fprintf(&b, "No GitHub deploy role: run bootstrap again with --github-repository owner/name to create one per environment.\n"+
			"Deploy from this machine with TF_STATE_BUCKET=%s AWS_REGION=%s.\n", outputs["state_bucket"], cfg.region)
		return b.String()
	}
	repo := cmp.Or(outputs["github_repository"], cfg.githubRepository, "OWNER/NAME")
	fmt.Fprintf(&b, "\nIn https://github.com/%s/settings/variables/actions, set these repository variables:\n"+
		"  APP_NAME=%s\n  AWS_REGION=%s\n  TF_STATE_BUCKET=%s\n  ENVIRONMENT=%s   (the environment pushes to main deploy to and pushes to cleanup destroy)\n",
		repo, cfg.app, cfg.region, outputs["state_bucket"], cfg.environment)
	keys := make([]string, len(githubSubjectClaimKeys))
	for i, k := range githubSubjectClaimKeys {
		keys[i] = "-f include_claim_keys[]=" + k
	}
	fmt.Fprintf(&b, "\nThe roles trust the repository by its numeric IDs (%s of %s, owner %s), not by its name,\n"+
		"so that a renamed or transferred repository's name cannot be reused. Set the repository's OIDC subject\n"+
		"template to match, once, with a repository admin's token:\n"+
		"  gh api -X PUT repos/%s/actions/oidc/customization/sub -F use_default=false %s\n"+
		"  gh api repos/%s/actions/oidc/customization/sub   # check: use_default false, those keys\n",
		cmp.Or(cfg.githubRepositoryID, "the ID"), repo, cmp.Or(cfg.githubOwnerID, "the ID"), repo, strings.Join(keys, " "), repo)
	fmt.Fprintf(&b, "\nIn https://github.com/%s/settings/environments, create one environment per deploy role.\n"+
		"Each role trusts only jobs of the environment of its name, so these settings decide who can deploy:\n", repo)
	for _, env := range slices.Sorted(maps.Keys(roles)) {
		fmt.Fprintf(&b, "\n  Environment %q\n    Environment variable: AWS_DEPLOY_ROLE_ARN=%s\n", env, roles[env].deploy)
		if roles[env].plan != "" {
			fmt.Fprintf(&b, "    Environment variable: AWS_PLAN_ROLE_ARN=%s   (read-only: the nightly drift check)\n", roles[env].plan)
		}
		if env == cfg.environment {
			b.WriteString("    Deployment branches and tags: Selected branches: main, master, cleanup (only those you use)\n" +
				"    Required reviewers: optional; without them a push to main deploys and a push to cleanup destroys at once\n")
		} else {
			fmt.Fprintf(&b, "    Deployment branches and tags: Selected branches: main\n"+
				"    Required reviewers: at least one, with \"Prevent self-review\" on\n"+
				"    Deploy it from Actions → pipeline → Run workflow (mode deploy or destroy, environment %s)\n", env)
		}
		b.WriteString("    Allow administrators to bypass configured protection rules: off\n")
	}
	if roles[cfg.environment].deploy == "" {
		fmt.Fprintf(&b, "\n!!! ENVIRONMENT=%s has no deploy role: run bootstrap again with it in --environments (ENVIRONMENTS).\n", cfg.environment)
	}
	return b.String()
}
