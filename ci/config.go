package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/terraform"
)

// config is everything a run needs to know, resolved from flags, then
// environment variables, then defaults.
type config struct {
	environment string
	app         string
	region      string
	stateBucket string
	platform    string
	servePort   int
	image       string
	// imageRepository, when set, is where deploy publishes instead of the
	// registry stack's ECR repository.
	imageRepository string
	commit          string
	commitGiven     bool // by --commit or GIT_COMMIT, not taken from the checkout
	version         string
	buildTime       string
	goImage         string
	goToolchain     string
	runtimeImage    string
	trivyImage      string
	terraformImage  string
	emulatorImage   string // rehearse: the AWS API emulator
	registryImage   string // rehearse: the OCI registry
	keep            bool   // rehearse: stop before destroy, stay up until Ctrl-C
	// terraformProviderMirror is a host folder made by `terraform providers
	// mirror`: every Terraform container installs providers from it only.
	terraformProviderMirror string
	cacheDir                string // seeds and keeps the Go caches (see goCache)
	goProxy                 string
	trivyDBRepository       string
	severities              []string
	trivyIgnoreFile         string
	waitTimeout             time.Duration
	smokeTimeout            time.Duration
	lockTimeout             time.Duration
	// bake is how long deploy and rollback watch a release after its smoke
	// test (0: not at all); bakeGiven says it was asked for rather than
	// the environment's default. bakePoll is how often the watch looks:
	// bakePollInterval, unless a test sets it.
	bake               time.Duration
	bakeGiven          bool
	bakePoll           time.Duration
	githubRepository   string
	githubRepositoryID string // numeric: the OIDC subject names IDs, which a rename or transfer cannot reuse
	githubOwnerID      string
	environments       []string // bootstrap: one permissions boundary and deploy role each
	assumeYes          bool
	allowDestroy       bool
	signerIdentity     string
	signerIssuer       string
	signingKey         string // a key file path or an AWS KMS key ARN
	verifyKey          string // a PEM public key file
	allowUnsigned      bool
	trustedRoot        string

	// The day-two modes' own settings.
	asJSON     bool          // status, logs, history: data for scripts
	logsSince  time.Duration // logs
	logsFollow bool          // logs
	logsFilter string        // logs
	rollbackTo string        // rollback: a history number or a digest
	planText   bool          // plan: the full plan text too
}

// hostFacts are the defaults that come from the checkout rather than from
// constants: the commit being built and the Dockerfile's pinned base images.
type hostFacts struct {
	repository     string // owner/name of the GitHub remote "origin"
	commit         string
	version        string
	buildTime      string
	dockerfileArgs map[string]string
}

// option is one setting: its flag, the environment variables it falls back
// to, its default, and how to apply a value. The parser and the help text
// are both generated from the same list, so they cannot disagree.
type option struct {
	flag     string
	envs     []string
	def      string
	defText  string // shown in help instead of def when the default is computed
	usage    string
	isBool   bool
	fallback func(hostFacts) string
	set      func(c *config, value string) error
	redact   func(value string) string // how an invalid value is quoted back, when it may hold a secret
}

var (
	// The same rules as the Terraform variables, so a bad name fails here
	// in milliseconds rather than at plan time.
	environmentPattern = regexp.MustCompile(`^[a-z][a-z0-9]{0,9}$`)
	appPattern         = regexp.MustCompile(`^[a-z][a-z0-9-]{0,14}[a-z0-9]$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	bucketPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	commitPattern      = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	repositoryPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	githubIDPattern    = regexp.MustCompile(`^[1-9][0-9]{0,19}$`)
	// A GOTOOLCHAIN value that names one toolchain: no +auto or +path, so
	// the build cannot switch to another one.
	toolchainPattern = regexp.MustCompile(`^(local|go1\.[0-9]+(\.[0-9]+|rc[0-9]+)?)$`)
)

var knownSeverities = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func options() []option {
	return []option{
		{flag: "env", envs: []string{"ENVIRONMENT"}, def: "dev",
			usage: "environment to deploy: 1-10 lower-case letters and digits, starting with a letter",
			set: func(c *config, v string) error {
				return setMatch(&c.environment, v, environmentPattern, "1-10 lower-case letters and digits, starting with a letter")
			}},
		{flag: "app", envs: []string{"APP_NAME"}, def: "goship",
			usage: "application name in AWS resource names and state keys: 2-16 lower-case letters, digits and '-'",
			set: func(c *config, v string) error {
				return setMatch(&c.app, v, appPattern, "2-16 lower-case letters, digits and '-', starting with a letter, not ending with '-'")
			}},
		{flag: "region", envs: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}, defText: "the AWS profile's region",
			usage: "AWS region (every mode that talks to AWS)",
			set: func(c *config, v string) error {
				return setMatch(&c.region, v, regionPattern, "an AWS region such as eu-west-1")
			}},
		{flag: "state-bucket", envs: []string{"TF_STATE_BUCKET"},
			usage: "S3 bucket holding Terraform state and the deploy history (every mode that talks to AWS); the bucket to create (bootstrap)",
			set: func(c *config, v string) error {
				return setMatch(&c.stateBucket, v, bucketPattern, "an S3 bucket name")
			}},
		{flag: "platform", envs: []string{"PLATFORM"}, def: "linux/amd64",
			usage: "image platform: linux/amd64 or linux/arm64 (sets the ECS CPU architecture)",
			set:   setPlatform},
		{flag: "port", envs: []string{"SERVE_PORT"}, def: "8080",
			usage: "port that serve listens on, on every interface (the Dagger SDK cannot bind 127.0.0.1)",
			set:   setPort},
		{flag: "image", envs: []string{"DEPLOY_IMAGE"},
			usage: "deploy (or plan) this repo@sha256:... instead of building one",
			set:   setImage},
		{flag: "commit", envs: []string{"GIT_COMMIT", "GITHUB_SHA"}, defText: "git rev-parse HEAD",
			usage:    "commit baked into the image and expected from GET /version after a deploy",
			fallback: func(f hostFacts) string { return f.commit },
			set:      func(c *config, v string) error { return setMatch(&c.commit, v, commitPattern, "a hex commit hash") }},
		{flag: "version", envs: []string{"VERSION"}, defText: "git describe --tags --always --dirty",
			usage:    "version baked into the image",
			fallback: func(f hostFacts) string { return f.version },
			set:      func(c *config, v string) error { return setWord(&c.version, v) }},
		{flag: "build-time", envs: []string{"BUILD_TIME"}, defText: "the commit's time",
			usage:    "build time baked into the image (the commit time keeps rebuilds cacheable)",
			fallback: func(f hostFacts) string { return f.buildTime },
			set:      func(c *config, v string) error { return setWord(&c.buildTime, v) }},
		{flag: "go-image", envs: []string{"GO_IMAGE"}, defText: "ARG GO_IMAGE in Dockerfile",
			usage:    "Go toolchain image for tests and the image build",
			fallback: func(f hostFacts) string { return f.dockerfileArgs["GO_IMAGE"] },
			set:      func(c *config, v string) error { return setReference(&c.goImage, v) }},
		{flag: "go-toolchain", envs: []string{"GO_TOOLCHAIN"}, defText: "ARG GO_TOOLCHAIN in Dockerfile",
			usage:    "Go release that tests and the image build run (GOTOOLCHAIN inside them), fetched by the Go image's go command through GOPROXY",
			fallback: func(f hostFacts) string { return f.dockerfileArgs["GO_TOOLCHAIN"] },
			set: func(c *config, v string) error {
				return setMatch(&c.goToolchain, v, toolchainPattern, "a Go release such as go1.27.4, or local for the image's own Go")
			}},
		{flag: "runtime-image", envs: []string{"RUNTIME_IMAGE"}, defText: "ARG RUNTIME_IMAGE in Dockerfile",
			usage:    "base image of the final stage",
			fallback: func(f hostFacts) string { return f.dockerfileArgs["RUNTIME_IMAGE"] },
			set:      func(c *config, v string) error { return setReference(&c.runtimeImage, v) }},
		{flag: "trivy-image", envs: []string{"TRIVY_IMAGE"}, def: defaultTrivyImage,
			usage: "Trivy scanner image",
			set:   func(c *config, v string) error { return setReference(&c.trivyImage, v) }},
		{flag: "terraform-image", envs: []string{"TERRAFORM_IMAGE"}, def: defaultTerraformImage,
			usage: "Terraform image",
			set:   func(c *config, v string) error { return setReference(&c.terraformImage, v) }},
		{flag: "emulator-image", envs: []string{"EMULATOR_IMAGE"}, def: defaultEmulatorImage,
			usage: "AWS API emulator image rehearse starts: moto's server, with python3 on PATH to run the pipeline's server.py (for mirrors)",
			set:   func(c *config, v string) error { return setReference(&c.emulatorImage, v) }},
		{flag: "registry-image", envs: []string{"REGISTRY_IMAGE"}, def: defaultRegistryImage,
			usage: "OCI registry image rehearse starts, serving the distribution API on port 5000 by its own entrypoint (for mirrors)",
			set:   func(c *config, v string) error { return setReference(&c.registryImage, v) }},
		{flag: "terraform-provider-mirror", envs: []string{"TF_PROVIDER_MIRROR"}, defText: "the Terraform registry",
			usage: "folder made by `terraform providers mirror` that every Terraform container installs providers from, and from nowhere else (offline, or behind a registry mirror)",
			set:   setProviderMirror},
		{flag: "cache-dir", envs: []string{"GOSHIP_CACHE_DIR"}, defText: "none: the engine's own cache volumes",
			usage: "folder the Go module and build caches are seeded from and saved back to after check (for CI runners that start with an empty engine, with actions/cache)",
			set:   setCacheDir},
		{flag: "goproxy", envs: []string{"GOPROXY"}, def: "https://proxy.golang.org,direct",
			usage: "Go module proxy for tests and the image build (no credentials in the URL)",
			set:   setGoProxy, redact: redactGoProxy},
		{flag: "image-repository", envs: []string{"IMAGE_REPOSITORY"}, defText: "the registry stack's ECR repository",
			usage: "OCI repository deploy publishes the image to and the service runs it from (registry/name): an ECR repository is logged in to with the run's AWS credentials, any other registry is used without credentials (one ECS pulls from inside your network, or a local one for a rehearsal against an emulator)",
			set:   setImageRepository},
		{flag: "trivy-db-repository", envs: []string{"TRIVY_DB_REPOSITORY"}, defText: "Trivy's own default",
			usage: "OCI repository of the Trivy vulnerability database (for mirrors)",
			set:   func(c *config, v string) error { return setWord(&c.trivyDBRepository, v) }},
		{flag: "severity", envs: []string{"TRIVY_SEVERITY"}, def: "HIGH,CRITICAL",
			usage: "severities that fail the scans when a fix exists (comma-separated)",
			set:   setSeverities},
		{flag: "trivyignore", envs: []string{"TRIVY_IGNOREFILE"}, defText: ".trivyignore when present",
			usage: "Trivy ignore file, relative to the repository root",
			set:   func(c *config, v string) error { return setWord(&c.trivyIgnoreFile, v) }},
		{flag: "wait-timeout", envs: []string{"WAIT_TIMEOUT"}, def: "20m",
			usage: "how long deploy waits for the ECS service to become stable",
			set:   func(c *config, v string) error { return setDuration(&c.waitTimeout, v) }},
		{flag: "smoke-timeout", envs: []string{"SMOKE_TIMEOUT"}, def: "5m",
			usage: "how long deploy retries the smoke test of the live URL",
			set:   func(c *config, v string) error { return setDuration(&c.smokeTimeout, v) }},
		{flag: "bake", envs: []string{"BAKE"}, defText: "10m for prod, 5m for any other environment",
			usage: "how long deploy and rollback watch the release after its smoke test: the environment's alarms, its traffic, ECS's own rollback; an alarm going into ALARM puts the previous image back and fails the deploy. " +
				"5m is one full evaluation of the alarms (5 one-minute periods); prod watches two, for faults that need real traffic to show. 0 turns the watch off",
			set: setBake},
		{flag: "lock-timeout", envs: []string{"TF_LOCK_TIMEOUT"}, def: "5m",
			usage: "how long Terraform waits for another run's state lock before it fails",
			set:   func(c *config, v string) error { return setDuration(&c.lockTimeout, v) }},
		{flag: "github-repository", envs: []string{"GITHUB_REPOSITORY"},
			usage: "owner/name allowed to assume the deploy role by OIDC (bootstrap)",
			set: func(c *config, v string) error {
				return setMatch(&c.githubRepository, v, repositoryPattern, "owner/name")
			}},
		{flag: "github-repository-id", envs: []string{"GITHUB_REPOSITORY_ID"},
			usage: "numeric ID of that repository, which the deploy roles' OIDC subject names (bootstrap; gh api repos/OWNER/NAME --jq .id)",
			set: func(c *config, v string) error {
				return setMatch(&c.githubRepositoryID, v, githubIDPattern, "the repository's numeric ID")
			}},
		{flag: "github-owner-id", envs: []string{"GITHUB_REPOSITORY_OWNER_ID"},
			usage: "numeric ID of the repository's owner, which the deploy roles' OIDC subject names (bootstrap; gh api repos/OWNER/NAME --jq .owner.id)",
			set: func(c *config, v string) error {
				return setMatch(&c.githubOwnerID, v, githubIDPattern, "the owner's numeric ID")
			}},
		{flag: "environments", envs: []string{"ENVIRONMENTS"}, def: "dev,prod",
			usage: "environments bootstrap creates a permissions boundary and a GitHub deploy role for (comma-separated; re-run bootstrap to add one)",
			set:   setEnvironments},
		{flag: "yes", isBool: true, def: "false",
			usage: "destroy without asking (also skipped when CI=true)",
			set:   setAssumeYes},
		{flag: "allow-destroy", envs: []string{"ALLOW_DESTROY"}, isBool: true, def: "false",
			usage: "apply a deploy or bootstrap plan that destroys or replaces resources (otherwise asked on a terminal, refused in CI)",
			set: func(c *config, v string) error {
				allow, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("want true or false")
				}
				c.allowDestroy = allow
				return nil
			}},
		{flag: "signer-identity", envs: []string{"SIGNER_IDENTITY"}, defText: "pipeline.yml of GITHUB_REPOSITORY (or the git remote) on main",
			usage: "certificate identity deploy requires of the image's signature",
			set:   func(c *config, v string) error { return setWord(&c.signerIdentity, v) }},
		{flag: "signer-issuer", envs: []string{"SIGNER_ISSUER"}, def: attest.GitHubIssuer,
			usage: "OIDC issuer deploy requires of the image's signature",
			set:   func(c *config, v string) error { return setWord(&c.signerIssuer, v) }},
		{flag: "signing-key", envs: []string{"SIGNING_KEY"}, defText: "keyless in GitHub Actions, none elsewhere",
			usage: "sign the published image with this AWS KMS key ARN or unencrypted PEM key file",
			set:   func(c *config, v string) error { return setWord(&c.signingKey, v) }},
		{flag: "verify-key", envs: []string{"VERIFY_KEY"},
			usage: "PEM public key file: deploy requires a signature by this key instead of the signer identity",
			set:   func(c *config, v string) error { return setWord(&c.verifyKey, v) }},
		{flag: "allow-unsigned", isBool: true, def: "false",
			usage: "deploy an image without an acceptable signature, and say so loudly",
			set:   setAllowUnsigned},
		{flag: "trusted-root", envs: []string{"SIGSTORE_TRUSTED_ROOT"}, defText: "Sigstore's public-good root, embedded",
			usage: "Sigstore trusted_root.json to verify keyless signatures against",
			set:   func(c *config, v string) error { return setWord(&c.trustedRoot, v) }},
		{flag: "keep", isBool: true, def: "false",
			usage: "rehearse: stop before destroy and keep the emulator up until Ctrl-C, printing the AWS CLI settings that reach it",
			set:   func(c *config, v string) error { return setBool(&c.keep, v) }},
		{flag: "json", isBool: true, def: "false",
			usage: "print the data as JSON (status, logs, history)",
			set:   func(c *config, v string) error { return setBool(&c.asJSON, v) }},
		{flag: "since", envs: []string{"LOGS_SINCE"}, def: "10m",
			usage: "how far back logs starts, such as 10m or 2h",
			set:   func(c *config, v string) error { return setDuration(&c.logsSince, v) }},
		{flag: "follow", isBool: true, def: "false",
			usage: "logs: keep printing new events until Ctrl-C",
			set:   func(c *config, v string) error { return setBool(&c.logsFollow, v) }},
		{flag: "filter", envs: []string{"LOGS_FILTER"},
			usage: "logs: CloudWatch Logs filter pattern, such as ERROR or { $.level = \"ERROR\" }",
			set:   func(c *config, v string) error { c.logsFilter = v; return nil }},
		{flag: "to", envs: []string{"ROLLBACK_TO"}, defText: "the last live image before the current one",
			usage: "rollback: the history entry N (as history numbers them) or image digest to go back to",
			set:   func(c *config, v string) error { return setWord(&c.rollbackTo, v) }},
		{flag: "plan-text", isBool: true, def: "false",
			usage: "plan: print the full Terraform plan of each stack too",
			set:   func(c *config, v string) error { return setBool(&c.planText, v) }},
	}
}

// usageError is a mistake in how the program was called: main exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// parseArgs reads the mode and the configuration. The mode may come before
// or after the flags; it defaults to check.
func parseArgs(args []string, getenv func(string) string, facts hostFacts) (string, config, error) {
	var modeName string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		modeName, args = args[0], args[1:]
	}

	opts := options()
	fs := flag.NewFlagSet("ci", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flagValues := make(map[string]*string, len(opts))
	boolValues := make(map[string]*bool)
	for _, o := range opts {
		if o.isBool {
			boolValues[o.flag] = fs.Bool(o.flag, false, o.usage)
			continue
		}
		flagValues[o.flag] = fs.String(o.flag, "", o.usage)
	}
	parse := func(args []string) error {
		err := fs.Parse(args)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			return usagef("%v (see go run ./ci help)", err)
		}
		return err
	}
	err := parse(args)
	if err == nil && modeName == "" && fs.NArg() > 0 {
		// The mode came between flags: read the flags after it too.
		modeName = fs.Arg(0)
		err = parse(fs.Args()[1:])
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return "help", config{}, nil
	case err != nil:
		return "", config{}, err
	case fs.NArg() > 0:
		return "", config{}, usagef("unexpected argument %q (see go run ./ci help)", fs.Arg(0))
	}
	if modeName == "" {
		modeName = "check"
	}

	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var cfg config
	for _, o := range opts {
		value, source := o.def, "default of --"+o.flag
		switch {
		case o.isBool && set[o.flag]:
			value, source = strconv.FormatBool(*boolValues[o.flag]), "--"+o.flag
		case set[o.flag]:
			value, source = *flagValues[o.flag], "--"+o.flag
		default:
			if name, v, ok := firstEnv(getenv, o.envs); ok {
				value, source = v, name
			} else if o.fallback != nil {
				value = o.fallback(facts)
			}
		}
		if value == "" {
			continue
		}
		if err := o.set(&cfg, value); err != nil {
			if o.redact != nil {
				value = o.redact(value)
			}
			return "", config{}, usagef("invalid %s %q: %v", source, value, err)
		}
	}
	cfg.commitGiven = set["commit"] || getenv("GIT_COMMIT") != ""
	if !cfg.bakeGiven {
		cfg.bake = defaultBake(cfg.environment)
	}
	if cfg.signerIdentity == "" {
		cfg.signerIdentity = defaultSignerIdentity(cmp.Or(cfg.githubRepository, facts.repository), getenv("GITHUB_REF"))
	}
	return modeName, cfg, nil
}

func firstEnv(getenv func(string) string, names []string) (string, string, bool) {
	for _, name := range names {
		if v := getenv(name); v != "" {
			return name, v, true
		}
	}
	return "", "", false
}

func setMatch(dst *string, v string, pattern *regexp.Regexp, want string) error {
	if !pattern.MatchString(v) {
		return fmt.Errorf("want %s", want)
	}
	*dst = v
	return nil
}

// setEnvironments reads a comma-separated list of environment names, each
// by the --env rule, none twice: each becomes a Terraform for_each key, an
// IAM role name and a GitHub environment.
func setEnvironments(c *config, v string) error {
	var envs []string
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if !environmentPattern.MatchString(name) {
			return fmt.Errorf("%q: want comma-separated names of 1-10 lower-case letters and digits, starting with a letter", name)
		}
		if slices.Contains(envs, name) {
			return fmt.Errorf("%q is listed twice", name)
		}
		envs = append(envs, name)
	}
	c.environments = envs
	return nil
}

func setWord(dst *string, v string) error {
	if strings.ContainsAny(v, " \t\r\n") {
		return errors.New("must not contain white space")
	}
	*dst = v
	return nil
}

// imageRepositoryPattern is an OCI repository with its registry: a host (and
// port), then lower-case path components as the distribution spec allows.
var imageRepositoryPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$`)

// setImageRepository takes a repository without tag or digest: deploy adds
// both, and a name with either would push somewhere other than it says.
func setImageRepository(c *config, v string) error {
	if !imageRepositoryPattern.MatchString(v) {
		return errors.New("want a repository such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev or registry.internal:5000/goship, without tag or digest")
	}
	c.imageRepository = v
	return nil
}

func setReference(dst *string, v string) error {
	if !validReference(v) {
		return errors.New("want an image reference such as registry/name:tag@sha256:<64 hex>")
	}
	*dst = v
	return nil
}

func setImage(c *config, v string) error {
	if !validReference(v) || !isDigestPinned(v) {
		return errors.New("want repository@sha256:<64 hex>, as printed at the end of a deploy")
	}
	ref, err := digestReference(v)
	if err != nil {
		return err
	}
	c.image = ref
	return nil
}

// setProviderMirror takes a provider mirror folder, checked now so that a
// wrong path fails before any container starts; absolute, because the
// engine reads it from the host.
func setProviderMirror(c *config, v string) error {
	if err := terraform.CheckProviderMirror(v); err != nil {
		return err
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return err
	}
	c.terraformProviderMirror = abs
	return nil
}

func setPlatform(c *config, v string) error {
	if _, ok := cpuArchitectures()[v]; !ok {
		return errors.New("want linux/amd64 or linux/arm64")
	}
	c.platform = v
	return nil
}

// cpuArchitectures maps an image platform to the ECS runtime platform that
// can run it.
func cpuArchitectures() map[string]string {
	return map[string]string{"linux/amd64": "X86_64", "linux/arm64": "ARM64"}
}

func setPort(c *config, v string) error {
	port, err := strconv.Atoi(v)
	if err != nil || port < 1 || port > 65535 {
		return errors.New("want a port number from 1 to 65535")
	}
	c.servePort = port
	return nil
}

func setSeverities(c *config, v string) error {
	var severities []string
	for s := range strings.SplitSeq(v, ",") {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(knownSeverities, s) {
			return fmt.Errorf("unknown severity %q: want some of %s", s, strings.Join(knownSeverities, ","))
		}
		severities = append(severities, s)
	}
	c.severities = severities
	return nil
}

func setDuration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return errors.New("want a positive duration such as 90s or 20m")
	}
	*dst = d
	return nil
}

// setBake takes a bake length; unlike the timeouts, 0 is a choice: no
// watch after the smoke test.
func setBake(c *config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errors.New("want a duration such as 5m or 90s, or 0 to deploy without watching the release")
	}
	c.bake, c.bakeGiven = d, true
	return nil
}

func setAllowUnsigned(c *config, v string) error {
	allow, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	c.allowUnsigned = allow
	return nil
}

func setAssumeYes(c *config, v string) error {
	yes, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	c.assumeYes = yes
	return nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	*dst = b
	return nil
}
