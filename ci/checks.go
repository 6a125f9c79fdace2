package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/attest/kmskey"
	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/preflight"
	"github.com/example/goship/ci/terraform"
)

// settingsProblems are the problems the configuration alone shows, by
// check, the first of each: what to set before anything is asked of the
// machine or of AWS.
func settingsProblems(cfg config, m mode, getenv func(string) string, exists func(rel string) bool) map[string]preflight.Result {
	problems := make(map[string]preflight.Result)
	add := func(check string, r preflight.Result) {
		if _, ok := problems[check]; !ok {
			problems[check] = r
		}
	}
	fail := func(check, detail, fix string) { add(check, preflight.Fail(detail, fix)) }

	if cfg.image != "" && m.name != "deploy" && m.name != "plan" {
		fail(preflight.Options, "--image (DEPLOY_IMAGE) only applies to deploy and plan", "to roll back, use rollback --to")
	}
	if cfg.rollbackTo != "" && m.name != "rollback" {
		fail(preflight.Options, "--to (ROLLBACK_TO) only applies to rollback", "leave it out")
	}
	if cfg.keep && m.name != "rehearse" {
		fail(preflight.Options, "--keep only applies to rehearse", "leave it out")
	}
	if m.name == "rehearse" {
		if err := validateRehearsal(cfg); err != nil {
			add(preflight.Options, preflight.Failed(err))
		}
	}
	if m.name == "bootstrap" && cfg.stateBucket == "" {
		fail(preflight.BucketName, "no name for the state bucket to create",
			fmt.Sprintf("set --state-bucket or TF_STATE_BUCKET to a globally unique S3 bucket name, such as %s-state-<account id>", cfg.app))
	}
	if m.name == "bootstrap" && cfg.githubRepository != "" && (cfg.githubRepositoryID == "" || cfg.githubOwnerID == "") {
		fail(preflight.GitHub, fmt.Sprintf("--github-repository %s needs its numeric IDs too, which the deploy roles' OIDC subject names so that a renamed or transferred repository's name cannot be reused", cfg.githubRepository),
			fmt.Sprintf("set --github-repository-id and --github-owner-id (GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID) to the two lines of `gh api repos/%s --jq '.id, .owner.id'`", cfg.githubRepository))
	}
	if m.needsAWS && cfg.stateBucket == "" {
		fail(preflight.BucketName, "no Terraform state bucket", "set --state-bucket or TF_STATE_BUCKET (go run ./ci bootstrap creates it and prints its name)")
	}
	if m.builds && cfg.image == "" {
		if !exists("Dockerfile") {
			fail(preflight.Dockerfile, "no Dockerfile at the repository root", "add one, or deploy an image built elsewhere with --image")
		}
		if cfg.goImage == "" {
			fail(preflight.Dockerfile, "no Go image", "the Dockerfile has no `ARG GO_IMAGE=...` line; pin it there, or set --go-image or GO_IMAGE")
		}
		if cfg.goToolchain == "" {
			fail(preflight.Dockerfile, "no Go toolchain", "the Dockerfile has no `ARG GO_TOOLCHAIN=...` line; pin it there (the release of go.mod's toolchain line), or set --go-toolchain or GO_TOOLCHAIN")
		}
		if cfg.runtimeImage == "" {
			fail(preflight.Dockerfile, "no runtime image", "the Dockerfile has no `ARG RUNTIME_IMAGE=...` line; pin it there, or set --runtime-image or RUNTIME_IMAGE")
		}
		if cfg.trivyIgnoreFile != "" && !exists(cfg.trivyIgnoreFile) {
			fail(preflight.Dockerfile, fmt.Sprintf("no Trivy ignore file at %s", cfg.trivyIgnoreFile), "create it, or point --trivyignore (TRIVY_IGNOREFILE) at the right file")
		}
	}
	if (m.name == "deploy" || m.name == "rollback") && cfg.verifyKey == "" && cfg.signingKey == "" && cfg.signerIdentity == "" && !cfg.allowUnsigned {
		fail(preflight.Signer, "no signer to verify the image against",
			"set --signer-identity (or GITHUB_REPOSITORY, or a GitHub remote named origin), or --verify-key; or deploy unverified on purpose with --allow-unsigned")
	}
	if m.name == "deploy" && cfg.image == "" && chooseSigning(cfg.signingKey, getenv("ACTIONS_ID_TOKEN_REQUEST_URL") != "") == signUnsigned && !cfg.allowUnsigned {
		fail(preflight.SigningKey, "this deploy would publish an unsigned image, which the check before Terraform then refuses",
			"name a key with --signing-key (AWS KMS key ARN or PEM key file), deploy from GitHub Actions (keyless), or deploy unsigned on purpose with --allow-unsigned")
	}
	if m.name == "deploy" && cfg.image == "" && cfg.commit == "" {
		fail(preflight.Commit, "no commit to deploy", "run inside a git checkout, or set --commit or GIT_COMMIT")
	}
	return problems
}

// preflightMode is what the preflight needs to know of a run of m.
func preflightMode(m mode, cfg config) preflight.Mode {
	return preflight.Mode{Name: m.name, Engine: m.needsEngine, AWS: m.needsAWS, Builds: m.builds && cfg.image == ""}
}

// preflightChecks are every check a run may make before it starts, in the
// order it makes them. Each first reports what the configuration alone
// shows, then looks at the machine and at AWS. The AWS checks leave the
// session in p for the run. m is the mode that runs; as is the mode whose
// needs the settings are judged by: deploy's, for doctor.
func preflightChecks(p *pipeline, m, as mode, repository string, probe engineProbe) []preflight.Check {
	cfg := &p.cfg
	problems := settingsProblems(*cfg, as, p.getenv, func(rel string) bool { return fileExists(filepath.Join(p.root, rel)) })
	settled := func(check string, pass func(context.Context) preflight.Result) func(context.Context) preflight.Result {
		return func(ctx context.Context) preflight.Result {
			if r, ok := problems[check]; ok {
				return r
			}
			return pass(ctx)
		}
	}
	var (
		awsCfg  aws.Config
		loadErr error
	)
	signingNeeds := []string(nil)
	if chooseSigning(cfg.signingKey, p.getenv("ACTIONS_ID_TOKEN_REQUEST_URL") != "") == signKMS {
		signingNeeds = []string{preflight.Account}
	}
	return []preflight.Check{
		{Name: preflight.Options, Run: settled(preflight.Options, func(context.Context) preflight.Result {
			return preflight.Pass("every option given applies to " + as.name)
		})},
		{Name: preflight.Dockerfile, Run: settled(preflight.Dockerfile, func(context.Context) preflight.Result {
			if cfg.image != "" {
				return preflight.Pass("not built: --image " + cfg.image)
			}
			return preflight.Pass("the Dockerfile pins the Go image, the Go toolchain and the runtime image")
		})},
		{Name: preflight.Commit, Run: settled(preflight.Commit, func(context.Context) preflight.Result {
			if cfg.image != "" {
				return preflight.Pass("not built: --image " + cfg.image)
			}
			return preflight.Pass(cfg.commit)
		})},
		{Name: preflight.Engine, Run: func(ctx context.Context) preflight.Result {
			if err := checkEngine(ctx, probe); err != nil {
				return preflight.Failed(err)
			}
			return preflight.Pass("a Dagger engine or a container runtime to start one answers")
		}},
		{Name: preflight.ProviderMirror, Run: func(context.Context) preflight.Result {
			return checkProviderMirror(cfg.terraformProviderMirror)
		}},
		{Name: preflight.Region, Run: func(ctx context.Context) preflight.Result {
			awsCfg, loadErr = cloud.LoadConfig(ctx, cfg.region)
			if loadErr != nil {
				return preflight.Failed(loadErr)
			}
			return checkRegion(cfg, awsCfg.Region)
		}},
		{Name: preflight.Credentials, Run: func(ctx context.Context) preflight.Result {
			if loadErr != nil {
				return preflight.Unchecked("needs the AWS configuration, which did not load (see aws region)")
			}
			creds, err := cloud.ResolveCredentials(ctx, awsCfg.Credentials)
			if err != nil {
				return preflight.Failed(err)
			}
			return preflight.Pass("from " + creds.Source)
		}},
		{Name: preflight.Account, Needs: []string{preflight.Region, preflight.Credentials}, Run: func(ctx context.Context) preflight.Result {
			session, err := cloud.VerifyCredentials(ctx, awsCfg.Credentials, sts.NewFromConfig(awsCfg))
			if err != nil {
				return preflight.Failed(err)
			}
			session.Config = awsCfg
			p.aws = session
			return preflight.Pass(session.Account + ", as " + session.ARN)
		}},
		{Name: preflight.BucketName, Run: settled(preflight.BucketName, func(context.Context) preflight.Result {
			return preflight.Pass(cfg.stateBucket)
		})},
		{Name: preflight.Bucket, Needs: []string{preflight.BucketName, preflight.Account}, Run: func(ctx context.Context) preflight.Result {
			client := s3.NewFromConfig(p.aws.Config, func(o *s3.Options) {
				// An endpoint of the host's (an emulator) has no bucket subdomains.
				o.UsePathStyle = p.endpoints.PathStyle || p.aws.Config.BaseEndpoint != nil
			})
			return checkStateBucket(ctx, client, m.name, *cfg, p.aws.Account)
		}},
		{Name: preflight.SigningKey, Needs: signingNeeds, Run: settled(preflight.SigningKey, func(ctx context.Context) preflight.Result {
			return checkSigningKey(ctx, p)
		})},
		{Name: preflight.Signer, Run: settled(preflight.Signer, func(context.Context) preflight.Result {
			return checkSigner(*cfg)
		})},
		{Name: preflight.BootstrapOutputs, Needs: []string{preflight.Account}, Run: func(ctx context.Context) preflight.Result {
			return checkBootstrapOutputs(ctx, ssm.NewFromConfig(p.aws.Config), *cfg, p.aws.Account)
		}},
		{Name: preflight.GitHub, Run: settled(preflight.GitHub, func(context.Context) preflight.Result {
			return checkGitHub(*cfg, as.name, repository)
		})},
	}
}

func checkProviderMirror(dir string) preflight.Result {
	if dir == "" {
		return preflight.Pass("none: Terraform installs providers from its registry (--terraform-provider-mirror for offline machines)")
	}
	if err := terraform.CheckProviderMirror(dir); err != nil {
		return preflight.Failed(fmt.Errorf("--terraform-provider-mirror %s: %w", dir, err))
	}
	if !terraform.MirrorHasProvider(dir, "hashicorp/aws") {
		return preflight.Fail(fmt.Sprintf("the provider mirror %s has no hashicorp/aws provider, which every stack needs", dir),
			"run `terraform providers mirror "+dir+"` in infra/ where the registry is reachable")
	}
	return preflight.Pass("providers from " + dir + " only")
}

// checkRegion settles the region, which may come from the AWS profile
// rather than the configuration.
func checkRegion(cfg *config, loaded string) preflight.Result {
	if loaded == "" {
		return preflight.Failed(cloud.ErrNoRegion)
	}
	from := "from --region or AWS_REGION"
	if cfg.region == "" {
		from = "from the AWS profile or environment"
	}
	if err := setMatch(&cfg.region, loaded, regionPattern, "an AWS region"); err != nil {
		return preflight.Fail(fmt.Sprintf("invalid AWS region %q from the AWS profile: %v", loaded, err), "set --region or AWS_REGION")
	}
	return preflight.Pass(cfg.region + " (" + from + ")")
}

// stateBucketClient is what the state bucket check asks S3.
type stateBucketClient interface {
	cloud.StateBucketAPI
	cloud.FolderLister
	cloud.VersioningAPI
}

// checkStateBucket finds the state bucket. Bootstrap, run by an
// administrator, creates it when it is missing; every other mode needs it,
// and looks only where its environment's role may: the environment's own
// folder. Only doctor asks whether it is versioned, which the deploy and
// plan roles may not read: a denied call on every deploy would be noise in
// CloudTrail.
func checkStateBucket(ctx context.Context, client stateBucketClient, modeName string, cfg config, account string) preflight.Result {
	bucket := cfg.stateBucket
	if modeName == "bootstrap" {
		exists, err := cloud.BucketExists(ctx, client, bucket)
		switch {
		case err != nil:
			return preflight.Failed(err)
		case !exists:
			return preflight.Pass("s3://" + bucket + " does not exist yet: bootstrap creates it")
		}
		return preflight.Pass("s3://" + bucket + " exists: bootstrap keeps its own state there")
	}
	folder := cfg.app + "/" + cfg.environment + "/"
	exists, err := cloud.FolderReachable(ctx, client, bucket, folder)
	if err != nil {
		return preflight.Failed(err)
	}
	if !exists {
		return preflight.Fail(fmt.Sprintf("no bucket %s in account %s", bucket, account),
			fmt.Sprintf("create it with `go run ./ci bootstrap --state-bucket %s`, or set --state-bucket (TF_STATE_BUCKET) to the bucket bootstrap printed", bucket))
	}
	reachable := "s3://" + bucket + "/" + folder + " is reachable"
	if modeName != preflight.Doctor {
		return preflight.Pass(reachable)
	}
	versioned, err := cloud.BucketVersioned(ctx, client, bucket)
	switch {
	case err != nil:
		return preflight.Pass(reachable + " (these credentials may not read the bucket's versioning)")
	case !versioned:
		// Terraform works without versions; only a lost state needs them.
		return preflight.Pass(reachable + ", but the bucket is not versioned, so an overwritten state cannot be recovered: " +
			"aws s3api put-bucket-versioning --bucket " + bucket + " --versioning-configuration Status=Enabled")
	}
	return preflight.Pass(reachable + ", and the bucket is versioned")
}

// checkSigningKey loads the key deploy would sign with, as deploy loads it.
func checkSigningKey(ctx context.Context, p *pipeline) preflight.Result {
	method := chooseSigning(p.cfg.signingKey, p.getenv("ACTIONS_ID_TOKEN_REQUEST_URL") != "")
	if method == signUnsigned {
		return preflight.Pass("none: --allow-unsigned publishes the image unsigned")
	}
	if _, err := loadKeypair(ctx, p, method); err != nil {
		return preflight.Failed(err)
	}
	if method == signKeyless {
		return preflight.Pass(string(method))
	}
	return preflight.Pass(string(method) + " " + p.cfg.signingKey)
}

// loadKeypair loads the named key deploy signs with: nil for keyless and
// unsigned, which have none.
func loadKeypair(ctx context.Context, p *pipeline, method signingMethod) (sign.Keypair, error) {
	switch method {
	case signKMS:
		keyID, _ := kmskey.KeyID(p.cfg.signingKey)
		signer, err := kmskey.New(ctx, kms.NewFromConfig(p.aws.Config), keyID)
		if err != nil {
			return nil, err
		}
		keypair, err := attest.NewKeypair(signer)
		if err != nil {
			return nil, fmt.Errorf("--signing-key %s: %w", keyID, err)
		}
		return keypair, nil
	case signKeyFile:
		keypair, err := attest.LoadKeyFile(p.cfg.signingKey)
		if err != nil {
			return nil, fmt.Errorf("--signing-key: %w", err)
		}
		return keypair, nil
	}
	return nil, nil
}

// checkSigner loads what deploy verifies the image against, as deploy
// loads it (prepareSupplyChain).
func checkSigner(cfg config) preflight.Result {
	switch {
	case cfg.verifyKey != "":
		data, err := os.ReadFile(cfg.verifyKey)
		if err == nil {
			_, err = attest.LoadPublicKey(data)
		}
		if err != nil {
			return preflight.Fail(fmt.Sprintf("--verify-key %s: %v", cfg.verifyKey, err), "give --verify-key (VERIFY_KEY) a PEM public key file")
		}
		return preflight.Pass("signatures by the key in " + cfg.verifyKey)
	case cfg.signingKey != "":
		return preflight.Pass("signatures by the --signing-key key")
	case cfg.signerIdentity == "":
		return preflight.Pass("none: --allow-unsigned deploys images no signer vouches for")
	}
	_, source, err := attest.TrustedRoot(cfg.trustedRoot)
	if err != nil {
		return preflight.Fail(err.Error(), "give --trusted-root (SIGSTORE_TRUSTED_ROOT) a Sigstore trusted_root.json, or leave it out for the public-good root")
	}
	return preflight.Pass(fmt.Sprintf("keyless signatures by %s (issuer %s), against the %s", cfg.signerIdentity, cfg.signerIssuer, source))
}

// checkBootstrapOutputs looks for what bootstrap made for the environment
// that the service stack reads, so a deploy into an environment bootstrap
// never set up fails now, not at its first plan after the build.
func checkBootstrapOutputs(ctx context.Context, client cloud.ParameterAPI, cfg config, account string) preflight.Result {
	names := terraform.BootstrapParameters(cfg.app, cfg.environment)
	missing, err := cloud.MissingParameters(ctx, client, names)
	if err != nil {
		return preflight.Failed(err)
	}
	if len(missing) > 0 {
		return preflight.Fail(fmt.Sprintf("bootstrap has not set up %s-%s in account %s (%s): no SSM parameter %s", cfg.app, cfg.environment, account, cfg.region, strings.Join(missing, ", ")),
			fmt.Sprintf("run `go run ./ci bootstrap --app %s` with %s among --environments (ENVIRONMENTS)", cfg.app, cfg.environment))
	}
	return preflight.Pass("SSM parameters " + strings.Join(names, ", "))
}

// checkGitHub names the repository whose workflow deploys and whose
// identity signs: bootstrap needs its IDs for the GitHub roles; a deploy
// from this machine needs none of it.
func checkGitHub(cfg config, modeName, remote string) preflight.Result {
	repository := cfg.githubRepository
	from := "--github-repository or GITHUB_REPOSITORY"
	if repository == "" {
		repository, from = remote, "the origin remote"
	}
	switch {
	case modeName == "bootstrap" && cfg.githubRepository == "":
		// Bootstrap takes the repository from the setting only: roles
		// trusting a remote's name by accident would be a grant.
		return preflight.Pass("none: bootstrap makes no GitHub deploy roles (set --github-repository and its IDs for them)")
	case repository == "":
		return preflight.Result{State: preflight.Skipped, Detail: "no GitHub repository (origin remote, GITHUB_REPOSITORY): only a workflow deploy needs one"}
	case cfg.githubRepositoryID == "" || cfg.githubOwnerID == "":
		return preflight.Pass(fmt.Sprintf("%s (from %s); bootstrap needs its IDs for the GitHub roles: --github-repository-id and --github-owner-id from `gh api repos/%s --jq '.id, .owner.id'`", repository, from, repository))
	}
	return preflight.Pass(fmt.Sprintf("%s (from %s), repository ID %s, owner ID %s", repository, from, cfg.githubRepositoryID, cfg.githubOwnerID))
}

// errPreflight marks the preflight's answer as a usage error: something
// to set or fix before the run, exit 2.
func errPreflight(modeName string, results []preflight.Result) error {
	if err := preflight.Err(modeName, results); err != nil {
		return usageError{err}
	}
	return nil
}
