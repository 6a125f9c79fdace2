package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"dagger.io/dagger"
)

// stack is one Terraform root module under infra/.
type stack struct {
	name string // in the state key and in step names
	dir  string // relative to infra/
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
	args := []string{"terraform", "init", "-input=false"}
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
		if len(cfg.environments) > 0 {
			vars = append(vars, "-var", `environments=["`+strings.Join(cfg.environments, `","`)+`"]`)
		}
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
func planArgs(vars []string) []string {
	return append([]string{"terraform", "plan", "-input=false", "-out=tfplan"}, vars...)
}

func applyArgs() []string {
	return []string{"terraform", "apply", "-input=false", "-auto-approve", "tfplan"}
}

func destroyArgs(vars []string) []string {
	return append([]string{"terraform", "destroy", "-input=false", "-auto-approve"}, vars...)
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
		return nil, err
	}
	out, err := tf.
		WithExec(planArgs(stackVars(p.cfg, st, image))).
		WithExec(applyArgs()).
		WithExec([]string{"terraform", "output", "-json"}).
		Stdout(ctx)
	if err != nil {
		return nil, err
	}
	return decodeOutputs([]byte(out))
}

// destroyStack destroys one stack. Destroying a stack whose state is empty or
// missing succeeds, so destroy can be run again after a partial failure.
func destroyStack(ctx context.Context, p *pipeline, st stack, image string) error {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return err
	}
	_, err = tf.WithExec(destroyArgs(stackVars(p.cfg, st, image))).Sync(ctx)
	return err
}

// validateTerraform checks formatting across infra/ and validates each stack
// without a backend, so it needs no AWS account.
func validateTerraform(ctx context.Context, p *pipeline) error {
	infra := p.infra()
	ctr := terraformContainer(p, infra, serviceStack).
		WithExec([]string{"terraform", "fmt", "-check", "-recursive", "-diff"})
	for _, st := range stacks() {
		ctr = ctr.WithWorkdir(path.Join("/infra", st.dir)).
			WithExec([]string{"terraform", "init", "-input=false", "-backend=false"}).
			WithExec([]string{"terraform", "validate"})
	}
	_, err := ctr.Sync(ctx)
	return err
}
