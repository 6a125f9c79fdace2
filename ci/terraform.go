package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"dagger.io/dagger"

	"github.com/example/goship/ci/terraform"
)

// stack is one Terraform root module under infra/.
type stack struct {
	name string // in the state key and in step names
	dir  string // relative to infra/
}

// path is the stack's directory relative to the repository.
func (st stack) path() string { return path.Join("infra", st.dir) }

// failure names the stack and its directory in a failed Terraform step,
// since the same commands run in all three, and shows every Error block
// Terraform printed rather than the end of its output.
func (st stack) failure(err error) error {
	if err == nil {
		return nil
	}
	var exec *dagger.ExecError
	if errors.As(err, &exec) {
		verb := strings.Join(exec.Cmd[:min(2, len(exec.Cmd))], " ")
		return execFailure{exec: exec, what: fmt.Sprintf("`%s` in the %s stack (%s)", verb, st.name, st.path()), explain: terraformErrors}
	}
	return fmt.Errorf("the %s stack (%s): %w", st.name, st.path(), err)
}

// terraformErrors is every Error block of a failed Terraform command, or
// the end of its output when it printed none (it was killed, say).
func terraformErrors(stdout, stderr string) string {
	blocks := terraform.ErrorBlocks(stderr + "\n" + stdout)
	if len(blocks) == 0 {
		return streamEnds(stdout, stderr)
	}
	return strings.Join(blocks, "\n\n")
}

// The three root modules: bootstrap keeps local state (it creates the
// bucket the other two keep theirs in); registry is applied before the
// image is pushed into it; service runs the image.
var (
	bootstrapStack = stack{name: "bootstrap", dir: "bootstrap"}
	registryStack  = stack{name: "registry", dir: "registry"}
	serviceStack   = stack{name: "service", dir: "."}
)

func stacks() []stack { return []stack{bootstrapStack, registryStack, serviceStack} }

// stateKey is where a stack's state lives in the bucket, one per
// application, environment and stack.
func stateKey(cfg config, st stack) string {
	return fmt.Sprintf("%s/%s/%s.tfstate", cfg.app, cfg.environment, st.name)
}

// initArgs configures the S3 backend from the run's configuration; locking
// and encryption are repeated here so no backend block can forget them.
func initArgs(cfg config, st stack) []string {
	args := []string{"terraform", "init", "-input=false", "-no-color"}
	if st == bootstrapStack {
		return args
	}
	return append(args,
		"-backend-config=bucket="+cfg.stateBucket,
		"-backend-config=key="+stateKey(cfg, st),
		"-backend-config=region="+cfg.region,
		"-backend-config=use_lockfile=true",
		"-backend-config=encrypt=true",
	)
}

// stackVars are the -var arguments each stack takes. image is the digest
// reference to run; it only matters to the service stack.
func stackVars(cfg config, st stack, image string) []string {
	switch st {
	case bootstrapStack:
		vars := []string{"-var", "app_name=" + cfg.app, "-var", "region=" + cfg.region, "-var", "state_bucket_name=" + cfg.stateBucket}
		if cfg.githubRepository != "" {
			vars = append(vars, "-var", "github_repository="+cfg.githubRepository)
		}
		return vars
	case registryStack:
		return []string{"-var", "app_name=" + cfg.app, "-var", "environment=" + cfg.environment, "-var", "region=" + cfg.region}
	default:
		return []string{
			"-var", "app_name=" + cfg.app, "-var", "environment=" + cfg.environment, "-var", "region=" + cfg.region,
			"-var", "image=" + image,
			"-var", "cpu_architecture=" + cpuArchitectures()[cfg.platform],
		}
	}
}

// planArgs saves the plan, so that apply runs exactly what was planned.
func planArgs(cfg config, vars []string) []string {
	return append([]string{"terraform", "plan", "-input=false", "-no-color", lockTimeoutArg(cfg), "-out=tfplan"}, vars...)
}

func applyArgs(cfg config) []string {
	return []string{"terraform", "apply", "-input=false", "-no-color", lockTimeoutArg(cfg), "-auto-approve", "tfplan"}
}

func destroyArgs(cfg config, vars []string) []string {
	return append([]string{"terraform", "destroy", "-input=false", "-no-color", lockTimeoutArg(cfg), "-auto-approve"}, vars...)
}

// outputArgs reads a stack's outputs as JSON.
func outputArgs() []string { return []string{"terraform", "output", "-no-color", "-json"} }

// lockTimeoutArg makes Terraform wait for a state lock that another run
// holds, instead of failing at once: two runs of one environment queue.
func lockTimeoutArg(cfg config) string {
	return "-lock-timeout=" + cfg.lockTimeout.String()
}

// decodeOutputs reads `terraform output -json` into name → value for the
// string outputs, the only kind the pipeline reads.
func decodeOutputs(data []byte) (map[string]string, error) {
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("reading terraform output -json: %w", err)
	}
	outputs := make(map[string]string, len(raw))
	for name, o := range raw {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			outputs[name] = s
		}
	}
	return outputs, nil
}

// requireOutputs returns the named outputs, failing if any is missing.
func requireOutputs(outputs map[string]string, names ...string) error {
	for _, name := range names {
		if outputs[name] == "" {
			return fmt.Errorf("terraform output %q is missing or empty", name)
		}
	}
	return nil
}

// terraformContainer is the pinned Terraform with the infra tree copied in
// (so working files carry from one command to the next) and a shared
// provider cache. Terraform's plugin cache is not safe for concurrent
// writers, hence the lock.
func terraformContainer(p *pipeline, infra *dagger.Directory, st stack) *dagger.Container {
	ctr := p.dag.Container().From(p.cfg.terraformImage).
		WithMountedCache(terraformPluginDir, p.dag.CacheVolume(terraformPlugins), dagger.ContainerWithMountedCacheOpts{
			Sharing: dagger.CacheSharingModeLocked,
		})
	for _, v := range terraformEnv() {
		ctr = ctr.WithEnvVariable(v[0], v[1])
	}
	return ctr.WithDirectory("/infra", infra).
		WithWorkdir(path.Join("/infra", st.dir))
}

// terraformPluginDir is where the provider cache volume is mounted.
const terraformPluginDir = "/terraform-plugins"

// terraformEnv configures every Terraform run. Without a committed
// .terraform.lock.hcl, Terraform ignores the plugin cache and downloads
// each provider on every init (hundreds of MB for hashicorp/aws) unless
// TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE is set; the lock file it
// writes lives and dies with the container, so nothing is broken.
func terraformEnv() [][2]string {
	return [][2]string{
		{"TF_PLUGIN_CACHE_DIR", terraformPluginDir},
		{"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "true"},
		{"TF_IN_AUTOMATION", "1"},
		{"TF_INPUT", "0"},
		// No version check or security bulletin from checkpoint-api.hashicorp.com
		// on every command of every container.
		{"CHECKPOINT_DISABLE", "1"},
	}
}

// awsTerraform is a Terraform container that talks to AWS: credentials as
// secrets, and a run ID so the engine never answers from its cache.
func awsTerraform(ctx context.Context, p *pipeline, infra *dagger.Directory, st stack) (*dagger.Container, error) {
	ctr, err := p.withAWS(ctx, terraformContainer(p, infra, st))
	if err != nil {
		return nil, err
	}
	return ctr.WithEnvVariable("GOSHIP_RUN", p.runID).
		WithExec(initArgs(p.cfg, st)), nil
}

// apply plans and applies one stack and returns its outputs.
func apply(ctx context.Context, p *pipeline, st stack, image string) (map[string]string, error) {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return nil, st.failure(err)
	}
	out, err := tf.
		WithExec(planArgs(p.cfg, stackVars(p.cfg, st, image))).
		WithExec(applyArgs(p.cfg)).
		WithExec(outputArgs()).
		Stdout(ctx)
	if err != nil {
		return nil, st.failure(err)
	}
	return decodeOutputs([]byte(out))
}

// destroyStack destroys one stack. Destroying a stack whose state is empty or
// missing succeeds, so destroy can be run again after a partial failure.
func destroyStack(ctx context.Context, p *pipeline, st stack, image string) error {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return st.failure(err)
	}
	_, err = tf.WithExec(destroyArgs(p.cfg, stackVars(p.cfg, st, image))).Sync(ctx)
	return st.failure(err)
}

// validateTerraform checks formatting across infra/ and validates each stack
// without a backend, so it needs no AWS account.
func validateTerraform(ctx context.Context, p *pipeline) error {
	infra := p.infra()
	formatted := terraformContainer(p, infra, serviceStack).
		WithExec([]string{"terraform", "fmt", "-no-color", "-check", "-recursive", "-diff"})
	if _, err := formatted.Sync(ctx); err != nil {
		return fmt.Errorf("infra/ is not formatted (run terraform fmt -recursive infra): %w", withExecOutput(err))
	}
	for _, st := range stacks() {
		_, err := terraformContainer(p, infra, st).
			WithExec(validateInitArgs()).
			WithExec([]string{"terraform", "validate", "-no-color"}).
			Sync(ctx)
		if err != nil {
			return st.failure(err)
		}
	}
	return nil
}

// validateInitArgs initialises a stack for validate: providers only, no
// backend, so it needs no AWS account.
func validateInitArgs() []string {
	return []string{"terraform", "init", "-input=false", "-no-color", "-backend=false"}
}
