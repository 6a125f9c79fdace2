package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"dagger.io/dagger"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/terraform"
)

// bootstrapLocalState is the bootstrap stack's local state, relative to
// the repository (git ignores it): the first run's, until the bucket it
// creates exists, and what runs from before bootstrap kept its state in the
// bucket left behind.
const bootstrapLocalState = "infra/bootstrap/terraform.tfstate"

// chooseBootstrapStart finds, on the host and before the engine starts,
// where bootstrap's own state is: nowhere yet but a local file (the first
// run), in a local file to move into the bucket, or in the bucket
// (terraform.ChooseBootstrapStart decides). A local state that only copies
// the bucket's is renamed, so that no later run takes it for the state.
func chooseBootstrapStart(ctx context.Context, p *pipeline) error {
	client := s3.NewFromConfig(p.aws.Config, func(o *s3.Options) { o.UsePathStyle = p.endpoints.PathStyle })
	facts := terraform.BootstrapFacts{Bucket: p.cfg.stateBucket, Region: p.cfg.region, LocalPath: bootstrapLocalState}
	var err error
	if facts.BucketExists, err = cloud.BucketExists(ctx, client, p.cfg.stateBucket); err != nil {
		return err
	}
	if facts.BucketExists {
		if facts.InBucket, err = cloud.ReadObject(ctx, client, p.cfg.stateBucket, terraform.BootstrapStateKey); err != nil {
			return err
		}
	}
	facts.Local, err = os.ReadFile(filepath.Join(p.root, bootstrapLocalState))
	if errors.Is(err, fs.ErrNotExist) {
		facts.Local, err = nil, nil
	}
	if err != nil {
		return err
	}
	if p.bootstrap, err = terraform.ChooseBootstrapStart(facts); err != nil {
		return err
	}
	inBucket := bootstrapStateURL(p.cfg)
	switch p.bootstrap.Start {
	case terraform.FirstRun:
		from := "a new local state"
		if p.bootstrap.UseLocal {
			from = "the local state in " + bootstrapLocalState
		}
		p.steps.printf("No state bucket %s yet: this first run applies with %s, then moves it into %s.\n", p.cfg.stateBucket, from, inBucket)
	case terraform.MoveLocalState:
		p.steps.printf("Bootstrap's state is in %s, and the bucket %s holds none: this run moves it into %s before it plans.\n",
			bootstrapLocalState, p.cfg.stateBucket, inBucket)
	case terraform.FromBucket:
		p.steps.printf("Bootstrap's state is in %s, locked while this run plans and applies: another administrator's bootstrap waits for it (--lock-timeout %s).\n",
			inBucket, p.cfg.lockTimeout)
	}
	if p.bootstrap.SetAsideLocal {
		return setAsideLocalState(p, "copies what the bucket holds (or nothing)")
	}
	return nil
}

// bootstrapStateURL is where bootstrap keeps its state, as the AWS CLI names it.
func bootstrapStateURL(cfg config) string {
	return fmt.Sprintf("s3://%s/%s", cfg.stateBucket, terraform.BootstrapStateKey)
}

// setAsideLocalState renames the local state file that the bucket's has
// replaced, and says so: renamed rather than deleted, since a state file
// is the record of what exists.
func setAsideLocalState(p *pipeline, why string) error {
	aside := terraform.SetAsideName(bootstrapLocalState, p.now())
	if err := os.Rename(filepath.Join(p.root, bootstrapLocalState), filepath.Join(p.root, aside)); err != nil {
		return fmt.Errorf("%s %s and is no longer read, but could not be renamed: %w; move it out of the way by hand", bootstrapLocalState, why, err)
	}
	p.steps.printf("%s %s: renamed to %s, which no run reads (delete it when you like).\n", bootstrapLocalState, why, aside)
	return nil
}

// bootstrap creates, once per account, the S3 bucket that holds every
// stack's state, and each environment's network, permissions boundary and
// GitHub roles. Its own state lives in that bucket under
// terraform.BootstrapStateKey, behind the same lock as every other state;
// the first run, before the bucket exists, applies with local state and
// then moves it there.
func bootstrap(ctx context.Context, p *pipeline) error {
	var (
		outputs map[string]string
		roles   map[string]githubRoles
	)
	err := p.steps.run("apply the bootstrap stack", func() error {
		out, err := applyBootstrap(ctx, p)
		if err != nil {
			return err
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

// applyBootstrap plans and applies the bootstrap stack with its state
// where chooseBootstrapStart found it, and returns the stack's outputs
// (terraform output -json), read from the state in the bucket.
func applyBootstrap(ctx context.Context, p *pipeline) (string, error) {
	override := path.Join(bootstrapStack.dir, terraform.LocalBackendOverrideName)
	// Only this run decides where the state is: a local backend override
	// left on the host (the teardown writes one) must not send a later
	// run's state to a local file in the container.
	infra := p.dag.Host().Directory(filepath.Join(p.root, "infra"), dagger.HostDirectoryOpts{Exclude: append(sourceExcludes(), override)})
	if p.bootstrap.Start != terraform.FromBucket {
		infra = infra.WithNewFile(override, terraform.LocalBackendOverride)
		if p.bootstrap.UseLocal {
			infra = infra.WithFile(path.Join(bootstrapStack.dir, "terraform.tfstate"), p.dag.Host().File(filepath.Join(p.root, bootstrapLocalState)))
		}
	}
	ctr, err := awsContainer(ctx, p, infra, bootstrapStack)
	if err != nil {
		return "", bootstrapStack.failure(err, p.cfg.terraformProviderMirror)
	}
	var tf *dagger.Container
	switch p.bootstrap.Start {
	case terraform.FromBucket:
		tf = ctr.WithExec(initArgs(p.cfg, bootstrapStack, p.endpoints.PathStyle))
	case terraform.MoveLocalState:
		if tf, err = moveBootstrapState(ctx, p, ctr.WithExec(localInitArgs())); err != nil {
			return "", err
		}
	default:
		return firstBootstrap(ctx, p, ctr.WithExec(localInitArgs()))
	}
	planned := tf.WithExec(planArgs(p.cfg, stackVars(p.cfg, bootstrapStack, "")))
	if err := p.approvePlan(ctx, bootstrapStack, planned, nil); err != nil {
		return "", err
	}
	var out string
	err = p.protected(ctx, bootstrapStack, "apply", func(ctx context.Context) error {
		var err error
		out, err = planned.WithExec(applyArgs(p.cfg)).WithExec(outputArgs()).Stdout(ctx)
		return err
	})
	return out, p.terraformFailure(ctx, bootstrapStack, err)
}

// firstBootstrap applies the stack with local state, since the bucket to
// keep it in does not exist yet, and then moves the state into the bucket
// the apply created. The local state is exported to the host first, even
// after a failed apply, which may have created resources: if the run stops
// before the move, the next run finds it there and moves it.
func firstBootstrap(ctx context.Context, p *pipeline, tf *dagger.Container) (string, error) {
	planned := tf.WithExec(planArgs(p.cfg, stackVars(p.cfg, bootstrapStack, "")))
	if err := p.approvePlan(ctx, bootstrapStack, planned, nil); err != nil {
		return "", err
	}
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
		return "", bootstrapStack.failure(interrupted, p.cfg.terraformProviderMirror)
	}
	state := applied.Directory(path.Join("/infra", bootstrapStack.dir)).Filter(dagger.DirectoryFilterOpts{
		Include: []string{"terraform.tfstate", "terraform.tfstate.backup"},
	})
	// After an interrupt the run's context is cancelled, but an apply
	// that finished must still leave its state on the host.
	if _, err := state.Export(context.WithoutCancel(ctx), filepath.Join(p.root, "infra", bootstrapStack.dir)); err != nil {
		return "", fmt.Errorf("exporting the bootstrap state to %s: %w", bootstrapLocalState, err)
	}
	if interrupted != nil || code != 0 {
		p.steps.printf("\n!!! %s holds bootstrap's state: keep it. The next bootstrap takes it in, and moves it into %s once the bucket exists.\n\n",
			bootstrapLocalState, bootstrapStateURL(p.cfg))
	}
	if interrupted != nil {
		return "", interrupted
	}
	if code != 0 {
		stdout, _ := applied.Stdout(ctx) // the exit code is the failure; the output only explains it
		stderr, _ := applied.Stderr(ctx)
		return "", bootstrapStack.failure(&dagger.ExecError{Cmd: applyArgs(p.cfg), ExitCode: code, Stdout: stdout, Stderr: stderr}, p.cfg.terraformProviderMirror)
	}
	moved, err := moveBootstrapState(ctx, p, applied)
	if err != nil {
		return "", err
	}
	out, err := moved.WithExec(outputArgs()).Stdout(ctx)
	return out, p.terraformFailure(ctx, bootstrapStack, err)
}

// moveBootstrapState moves the local state of tf, a container initialised
// with the local backend override, into the bucket, and renames the host's
// local state file once the bucket holds it. It returns tf initialised
// with the bucket's backend.
func moveBootstrapState(ctx context.Context, p *pipeline, tf *dagger.Container) (*dagger.Container, error) {
	moved := tf.WithoutFile(path.Join("/infra", bootstrapStack.dir, terraform.LocalBackendOverrideName)).
		WithExec(moveStateArgs(p.cfg, p.endpoints.PathStyle))
	// From here a lock the move leaves is in the bucket: a cut move is
	// recovered as any state lock there is.
	p.bootstrap.Start = terraform.FromBucket
	err := p.protected(ctx, bootstrapStack, "init -migrate-state", func(ctx context.Context) error {
		_, err := moved.Sync(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w\nbootstrap's state is still in %s: run bootstrap again to move it into %s",
			p.terraformFailure(ctx, bootstrapStack, err), bootstrapLocalState, bootstrapStateURL(p.cfg))
	}
	p.steps.printf("Moved bootstrap's state into %s (S3 native locking): every later bootstrap, from any machine, uses it.\n", bootstrapStateURL(p.cfg))
	if fileExists(filepath.Join(p.root, bootstrapLocalState)) {
		if err := setAsideLocalState(p, "is now in the bucket"); err != nil {
			return nil, err
		}
	}
	return moved, nil
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
