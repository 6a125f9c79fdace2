package main

import (
	"os"
	"strings"
	"testing"

	"github.com/example/goship/ci/terraform"
)

// TestBootstrapNextSteps reads real `terraform output -json` documents of
// the bootstrap stack and checks what bootstrap tells its user to set up:
// per environment, the GitHub environment whose jobs the role trusts, its
// branch rules and reviewers, and the role ARN its variable must hold.
// Without --github-repository there are no roles, and bootstrap still
// succeeds.
func TestBootstrapNextSteps(t *testing.T) {
	t.Parallel()
	cfg := config{app: "goship", environment: "dev", region: "eu-west-1", githubRepository: "example/goship", githubRepositoryID: "1296269", githubOwnerID: "9919"}
	tests := []struct {
		name, json string
		cfg        config
		want       []string
		unwanted   []string
	}{
		{
			name: "with deploy roles",
			json: `{"deploy_role_arns":{"sensitive":false,"type":["map","string"],"value":{
					"dev":"arn:aws:iam::123456789012:role/github-deploy/goship-dev",
					"prod":"arn:aws:iam::123456789012:role/github-deploy/goship-prod"}},
				"plan_role_arns":{"sensitive":false,"type":["map","string"],"value":{
					"dev":"arn:aws:iam::123456789012:role/github-deploy/goship-dev-plan",
					"prod":"arn:aws:iam::123456789012:role/github-deploy/goship-prod-plan"}},
				"github_repository":{"sensitive":false,"type":"string","value":"example/goship"},
				"region":{"sensitive":false,"type":"string","value":"eu-west-1"},
				"state_bucket":{"sensitive":false,"type":"string","value":"goship-state-123456789012"}}`,
			cfg: cfg,
			want: []string{
				"https://github.com/example/goship/settings/variables/actions",
				"TF_STATE_BUCKET=goship-state-123456789012", "AWS_REGION=eu-west-1", "APP_NAME=goship", "ENVIRONMENT=dev",
				"https://github.com/example/goship/settings/environments",
				"  Environment \"dev\"\n    Environment variable: AWS_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/github-deploy/goship-dev\n" +
					"    Environment variable: AWS_PLAN_ROLE_ARN=arn:aws:iam::123456789012:role/github-deploy/goship-dev-plan   (read-only: the nightly drift check)\n" +
					"    Deployment branches and tags: Selected branches: main, master, cleanup",
				"  Environment \"prod\"\n    Environment variable: AWS_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/github-deploy/goship-prod\n" +
					"    Environment variable: AWS_PLAN_ROLE_ARN=arn:aws:iam::123456789012:role/github-deploy/goship-prod-plan   (read-only: the nightly drift check)\n" +
					"    Deployment branches and tags: Selected branches: main\n    Required reviewers: at least one",
				"environment prod",
				"Allow administrators to bypass configured protection rules: off",
				"AWS_PLAN_ROLE_ARN=arn:aws:iam::123456789012:role/github-deploy/goship-prod-plan",
				"gh api -X PUT repos/example/goship/actions/oidc/customization/sub -F use_default=false -f include_claim_keys[]=repository_owner_id -f include_claim_keys[]=repository_id -f include_claim_keys[]=context",
				"numeric IDs (1296269 of example/goship, owner 9919)",
			},
			unwanted: []string{"has no deploy role", "No GitHub deploy role"},
		},
		{
			name: "ENVIRONMENT without a role",
			json: `{"deploy_role_arns":{"sensitive":false,"type":["map","string"],"value":{
					"dev":"arn:aws:iam::123456789012:role/github-deploy/goship-dev"}},
				"state_bucket":{"sensitive":false,"type":"string","value":"goship-state-123456789012"}}`,
			cfg:  config{app: "goship", environment: "staging", region: "eu-west-1", githubRepository: "example/goship"},
			want: []string{"ENVIRONMENT=staging has no deploy role", "run bootstrap again with it in --environments"},
		},
		{
			name: "without a GitHub repository",
			json: `{"deploy_role_arns":{"sensitive":false,"type":["map","string"],"value":{}},
				"github_repository":{"sensitive":false,"type":"string","value":null},
				"region":{"sensitive":false,"type":"string","value":"eu-west-1"},
				"state_bucket":{"sensitive":false,"type":"string","value":"goship-state-123456789012"}}`,
			cfg:      config{app: "goship", environment: "dev", region: "eu-west-1"},
			want:     []string{"No GitHub deploy role", "--github-repository", "TF_STATE_BUCKET=goship-state-123456789012"},
			unwanted: []string{"AWS_DEPLOY_ROLE_ARN", "Environment \""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outputs, err := decodeOutputs([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if err := requireOutputs(outputs, "state_bucket"); err != nil {
				t.Fatal(err)
			}
			roles, err := decodeRoles([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			got := bootstrapNextSteps(outputs, roles, tt.cfg)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("next steps lack %q:\n%s", w, got)
				}
			}
			for _, u := range tt.unwanted {
				if strings.Contains(got, u) {
					t.Errorf("next steps mention %q:\n%s", u, got)
				}
			}
		})
	}
}

func TestDecodeRolesRejectsBadJSON(t *testing.T) {
	t.Parallel()
	if _, err := decodeRoles([]byte(`{"deploy_role_arns":{"value":"arn"}}`)); err == nil {
		t.Error("a deploy_role_arns that is not a map must be an error, not silently no roles")
	}
}

// TestReadmeShowsBootstrapNextSteps keeps the example of what bootstrap
// prints for the GitHub environments, in docs/security.md (moved there from
// the README), true to the code.
func TestReadmeShowsBootstrapNextSteps(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Who can obtain a role")
	_, block, ok2 := strings.Cut(section, "```text\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`docs/security.md has no "## Who can obtain a role" section with a text block of what bootstrap prints`)
	}
	got := bootstrapNextSteps(
		map[string]string{"state_bucket": "goship-tfstate-123456789012", "github_repository": "example/goship"},
		map[string]githubRoles{
			"dev":  {deploy: "arn:aws:iam::123456789012:role/github-deploy/goship-dev", plan: "arn:aws:iam::123456789012:role/github-deploy/goship-dev-plan"},
			"prod": {deploy: "arn:aws:iam::123456789012:role/github-deploy/goship-prod", plan: "arn:aws:iam::123456789012:role/github-deploy/goship-prod-plan"},
		},
		config{app: "goship", environment: "dev", region: "us-east-1", githubRepositoryID: "1296269", githubOwnerID: "9919"})
	if !strings.Contains(got, block) {
		t.Errorf("the example in docs/security.md is not what bootstrap prints; bootstrap prints:\n%s", got)
	}
}

// TestBootstrapStateArgs checks the commands that move bootstrap's state:
// the first run's init reads no backend settings (the local override
// decides), the move copies without a question and waits for the lock as
// every other command does, and later runs find the state under its key.
func TestBootstrapStateArgs(t *testing.T) {
	t.Parallel()
	cfg := terraformConfig()
	if got, want := strings.Join(localInitArgs(), " "), "terraform init -input=false -no-color"; got != want {
		t.Errorf("localInitArgs = %s, want %s", got, want)
	}
	want := "terraform init -input=false -no-color -migrate-state -force-copy -lock-timeout=5m0s -backend-config=bucket=goship-state-123456789012 " +
		"-backend-config=key=bootstrap/terraform.tfstate -backend-config=region=eu-west-1 -backend-config=use_lockfile=true -backend-config=encrypt=true"
	if got := strings.Join(moveStateArgs(cfg, false), " "); got != want {
		t.Errorf("moveStateArgs =\n%s\nwant\n%s", got, want)
	}
	if got := stateKey(cfg, bootstrapStack); got != terraform.BootstrapStateKey {
		t.Errorf("stateKey(bootstrap) = %s", got)
	}
}

// TestBootstrapLockRecovery checks what a cut or refused bootstrap says:
// the first run's state is local to its container, so there is no lock to
// release; after that the lock is in the bucket, under bootstrap's key.
func TestBootstrapLockRecovery(t *testing.T) {
	t.Parallel()
	p := &pipeline{cfg: terraformConfig(), bootstrap: terraform.BootstrapChoice{Start: terraform.FirstRun}}
	if got := p.lockRecovery(t.Context(), bootstrapStack, ""); !strings.Contains(got, "leaves no lock") || !strings.Contains(got, bootstrapLocalState) {
		t.Errorf("first run: %s", got)
	}
	for _, start := range []terraform.BootstrapStart{terraform.MoveLocalState, terraform.FromBucket} {
		p.bootstrap.Start = start
		got := p.lockRecovery(t.Context(), bootstrapStack, "Error acquiring the state lock\n  ID:        abc\n  Who:       alice@laptop\n")
		for _, want := range []string{"key bootstrap/terraform.tfstate", "held by alice@laptop",
			"terraform -chdir=infra/bootstrap init -input=false -reconfigure -backend-config=bucket=goship-state-123456789012 -backend-config=key=bootstrap/terraform.tfstate",
			"terraform -chdir=infra/bootstrap force-unlock -force abc"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: the recovery lacks %q:\n%s", start, want, got)
			}
		}
	}
}
