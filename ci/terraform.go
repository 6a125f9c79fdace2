package main

import (
	"bufio"
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
// Terraform printed rather than the end of its output, with how to fix a
// provider that neither the registry nor the mirror (if any) has.
func (st stack) failure(err error, mirror string) error {
	if err == nil {
		return nil
	}
	var exec *dagger.ExecError
	if errors.As(err, &exec) {
		verb := strings.Join(exec.Cmd[:min(2, len(exec.Cmd))], " ")
		return execFailure{exec: exec, what: fmt.Sprintf("`%s` in the %s stack (%s)", verb, st.name, st.path()), explain: func(stdout, stderr string) string {
			explained := terraformErrors(stdout, stderr)
			if hint := terraform.MissingProviderHint(stdout+stderr, mirror); hint != "" {
				explained += "\n\n" + hint
			}
			return explained
		}}
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

// The three root modules: bootstrap creates the bucket all three keep
// their state in (its first run keeps its state local until the bucket
// exists); registry is applied before the image is pushed into it; service
// runs the image.
var (
	bootstrapStack = stack{name: "bootstrap", dir: "bootstrap"}
	registryStack  = stack{name: "registry", dir: "registry"}
	serviceStack   = stack{name: "service", dir: "."}
)

func stacks() []stack { return []stack{bootstrapStack, registryStack, serviceStack} }

// stateKey is where a stack's state lives in the bucket, one per
// application, environment and stack; bootstrap's, one per bucket, outside
// every environment's prefix.
func stateKey(cfg config, st stack) string {
	if st == bootstrapStack {
		return terraform.BootstrapStateKey
	}
	return fmt.Sprintf("%s/%s/%s.tfstate", cfg.app, cfg.environment, st.name)
}

// initArgs configures the S3 backend from the run's configuration.
func initArgs(cfg config, st stack, pathStyle bool) []string {
	return append([]string{"terraform", "init", "-input=false", "-no-color"}, backendConfigArgs(cfg, st, pathStyle)...)
}

// backendConfigArgs are the S3 backend's settings for a stack; locking and
// encryption are repeated here so no backend block can forget them.
func backendConfigArgs(cfg config, st stack, pathStyle bool) []string {
	args := []string{
		"-backend-config=bucket=" + cfg.stateBucket,
		"-backend-config=key=" + stateKey(cfg, st),
		"-backend-config=region=" + cfg.region,
		"-backend-config=use_lockfile=true",
		"-backend-config=encrypt=true",
	}
	if pathStyle {
		// An S3 endpoint other than AWS (an emulator, or a host name such
		// as LocalStack's) cannot take the bucket into its host name, and
		// the backend does not read AWS_S3_USE_PATH_STYLE.
		args = append(args, "-backend-config=use_path_style=true")
	}
	return args
}

// localInitArgs initialises bootstrap with the local state that
// terraform.LocalBackendOverride selects: its first run, before the bucket
// exists, and the start of a move into the bucket.
func localInitArgs() []string {
	return []string{"terraform", "init", "-input=false", "-no-color"}
}

// moveStateArgs moves bootstrap's local state into the bucket, once the
// local backend override is gone: -force-copy answers Terraform's "copy the
// state?" question, which a run without a terminal cannot. Terraform holds
// the bucket's lock while it copies. The run chose to move only after
// seeing the bucket hold no bootstrap state (terraform.ChooseBootstrapStart).
func moveStateArgs(cfg config, pathStyle bool) []string {
	return append([]string{"terraform", "init", "-input=false", "-no-color", "-migrate-state", "-force-copy", lockTimeoutArg(cfg)},
		backendConfigArgs(cfg, bootstrapStack, pathStyle)...)
}

// stackVars are the -var arguments each stack takes. image is the digest
// reference to run; it only matters to the service stack.
func stackVars(cfg config, st stack, image string) []string {
	switch st {
	case bootstrapStack:
		vars := []string{"-var", "app_name=" + cfg.app, "-var", "region=" + cfg.region, "-var", "state_bucket_name=" + cfg.stateBucket}
		if len(cfg.environments) > 0 {
			vars = append(vars, "-var", `environments=["`+strings.Join(cfg.environments, `","`)+`"]`)
		}
		if cfg.githubRepository != "" {
			vars = append(vars, "-var", "github_repository="+cfg.githubRepository,
				"-var", "github_repository_id="+cfg.githubRepositoryID, "-var", "github_owner_id="+cfg.githubOwnerID)
		}
		return vars
	case registryStack:
		return []string{"-var", "app_name=" + cfg.app, "-var", "environment=" + cfg.environment, "-var", "region=" + cfg.region}
	default:
		vars := []string{
			"-var", "app_name=" + cfg.app, "-var", "environment=" + cfg.environment, "-var", "region=" + cfg.region,
			"-var", "image=" + image,
			"-var", "cpu_architecture=" + cpuArchitectures()[cfg.platform],
		}
		if cfg.imageRepository != "" {
			vars = append(vars, "-var", "image_repository="+cfg.imageRepository)
		}
		return vars
	}
}

// planArgs saves the plan, so that apply runs exactly what was planned.
func planArgs(cfg config, vars []string) []string {
	return append([]string{"terraform", "plan", "-input=false", "-no-color", lockTimeoutArg(cfg), "-out=tfplan"}, vars...)
}

// lockFreePlanArgs saves a plan without taking the state lock: the plan
// mode only reads, and the nightly drift check runs it with a role that
// cannot write the lock file. A deploy that runs meanwhile may leave the
// plan one apply behind; the next plan sees it.
func lockFreePlanArgs(vars []string) []string {
	return append([]string{"terraform", "plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan"}, vars...)
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
// writers, hence the lock. With --terraform-provider-mirror, providers come
// from that host folder only (mounted, so the container's writes never
// reach it), never from the registry.
func terraformContainer(p *pipeline, infra *dagger.Directory, st stack) *dagger.Container {
	ctr := p.dag.Container().From(p.cfg.terraformImage).
		WithMountedCache(terraformPluginDir, p.dag.CacheVolume(terraformPlugins), dagger.ContainerWithMountedCacheOpts{
			Sharing: dagger.CacheSharingModeLocked,
		})
	if p.cfg.terraformProviderMirror != "" {
		ctr = ctr.
			WithMountedDirectory(terraform.MirrorMount, p.dag.Host().Directory(p.cfg.terraformProviderMirror)).
			WithNewFile(terraform.MirrorCLIConfigPath, terraform.ProviderMirrorCLIConfig(terraform.MirrorMount)).
			WithEnvVariable("TF_CLI_CONFIG_FILE", terraform.MirrorCLIConfigPath)
	}
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

// awsTerraform is a Terraform container that talks to AWS, initialised
// with the stack's backend in the bucket.
func awsTerraform(ctx context.Context, p *pipeline, infra *dagger.Directory, st stack) (*dagger.Container, error) {
	ctr, err := awsContainer(ctx, p, infra, st)
	if err != nil {
		return nil, err
	}
	return ctr.WithExec(initArgs(p.cfg, st, p.endpoints.PathStyle)), nil
}

// awsContainer is a Terraform container that talks to AWS, not yet
// initialised: credentials as secrets, the run's endpoints (an emulator's,
// say), the lock owner, and a run ID so the engine never answers from its
// cache.
func awsContainer(ctx context.Context, p *pipeline, infra *dagger.Directory, st stack) (*dagger.Container, error) {
	ctr, err := p.withAWS(ctx, terraformContainer(p, infra, st))
	if err != nil {
		return nil, err
	}
	for _, v := range p.endpoints.Env {
		ctr = ctr.WithEnvVariable(v[0], v[1])
	}
	if p.endpoints.PathStyle {
		ctr = ctr.WithNewFile(path.Join("/infra", st.dir, terraform.PathStyleOverrideName), terraform.PathStyleOverride)
	}
	for _, b := range p.endpoints.Bindings {
		if service, ok := p.endpointServices[b.Port]; ok {
			ctr = ctr.WithServiceBinding(b.Alias, service)
			continue
		}
		// An endpoint on the host's loopback is not on the container's:
		// the engine forwards the alias to the host.
		ctr = ctr.WithServiceBinding(b.Alias, p.dag.Host().Service(
			[]dagger.PortForward{{Frontend: b.Port, Backend: b.Port}}, dagger.HostServiceOpts{Host: b.Upstream}))
	}
	return ctr.
		// Terraform writes user@host into the lock it holds, and reads the
		// user from /etc/passwd: this names the run instead of root@dagger.
		WithNewFile("/etc/passwd", passwdNaming(p.lockOwner)).
		WithEnvVariable("GOSHIP_RUN", p.runID), nil
}

// passwdNaming is an /etc/passwd whose root user is called name.
func passwdNaming(name string) string {
	return name + ":x:0:0:goship run:/root:/bin/sh\n"
}

// showArgs writes a saved plan as JSON to a file rather than stdout, which
// the engine's log would print whole.
func showArgs() []string { return []string{"terraform", "show", "-no-color", "-json", "tfplan"} }

const planJSONPath = "/tmp/tfplan.json"

// routineReplacements are the replacements a stack's plan makes on every
// run, which need no one's consent: each new image registers a new task
// definition revision and retires the old one.
func routineReplacements(st stack) []string {
	if st == serviceStack {
		return []string{"aws_ecs_task_definition.this"}
	}
	return nil
}

// apply plans one stack, asks before a plan that destroys what the run
// did not ask to destroy, applies exactly that plan, and returns the
// stack's outputs.
func apply(ctx context.Context, p *pipeline, st stack, image string) (map[string]string, error) {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return nil, p.terraformFailure(ctx, st, err)
	}
	planned := tf.WithExec(planArgs(p.cfg, stackVars(p.cfg, st, image)))
	if err := p.approvePlan(ctx, st, planned, routineReplacements(st)); err != nil {
		return nil, err
	}
	var out string
	err = p.protected(ctx, st, "apply", func(ctx context.Context) error {
		var err error
		out, err = planned.WithExec(applyArgs(p.cfg)).WithExec(outputArgs()).Stdout(ctx)
		return err
	})
	if err != nil {
		return nil, p.terraformFailure(ctx, st, err)
	}
	return decodeOutputs([]byte(out))
}

// approvePlan shows what a saved plan would destroy and lets it go ahead
// only with consent: --allow-destroy, or a yes on a terminal.
func (p *pipeline) approvePlan(ctx context.Context, st stack, planned *dagger.Container, routine []string) error {
	shown, err := planned.WithExec(showArgs(), dagger.ContainerWithExecOpts{RedirectStdout: planJSONPath}).
		File(planJSONPath).Contents(ctx)
	if err != nil {
		return p.terraformFailure(ctx, st, err)
	}
	removals, err := terraform.PlannedRemovals([]byte(shown), routine)
	if err != nil {
		return st.failure(err, p.cfg.terraformProviderMirror)
	}
	list := terraform.DescribeRemovals(st.name, removals)
	switch terraform.DecideRemovals(removals, p.cfg.allowDestroy, p.inCI, p.terminal) {
	case terraform.Refuse:
		return fmt.Errorf("%s\nnothing was applied: pass --allow-destroy (ALLOW_DESTROY=true) if that is what you want", list)
	case terraform.Ask:
		p.steps.printf("%s\nType yes to apply this plan: ", list)
		answer, _ := bufio.NewReader(p.stdin).ReadString('\n') // EOF is a no
		if strings.TrimSpace(answer) != "yes" {
			return fmt.Errorf("the plan for the %s stack was not approved: nothing was applied", st.name)
		}
	}
	return nil
}

// terraformFailure is st.failure, and when the state lock is held by
// another run, how to release it if that run is dead.
func (p *pipeline) terraformFailure(ctx context.Context, st stack, err error) error {
	err = st.failure(err, p.cfg.terraformProviderMirror)
	if err == nil {
		return nil
	}
	if _, _, held := terraform.HeldLock(err.Error()); held {
		return fmt.Errorf("%w\n%s", err, p.lockRecovery(ctx, st, err.Error()))
	}
	return err
}

// destroyStack destroys one stack. Destroying a stack whose state is empty or
// missing succeeds, so destroy can be run again after a partial failure.
func destroyStack(ctx context.Context, p *pipeline, st stack, image string) error {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return p.terraformFailure(ctx, st, err)
	}
	err = p.protected(ctx, st, "destroy", func(ctx context.Context) error {
		_, err := tf.WithExec(destroyArgs(p.cfg, stackVars(p.cfg, st, image))).Sync(ctx)
		return err
	})
	return p.terraformFailure(ctx, st, err)
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
			return st.failure(err, p.cfg.terraformProviderMirror)
		}
	}
	return nil
}

// validateInitArgs initialises a stack for validate: providers only, no
// backend, so it needs no AWS account.
func validateInitArgs() []string {
	return []string{"terraform", "init", "-input=false", "-no-color", "-backend=false"}
}
