package main

import (
	"testing"
)

func TestDefaultSignerIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		repository, ref, want string
	}{
		{"example/goship", "", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"},
		{"example/goship", "refs/heads/main", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"},
		{"example/goship", "refs/heads/master", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/master"},
		// A pull request's run still requires what the deploy branch signs.
		{"example/goship", "refs/pull/7/merge", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"},
		{"", "refs/heads/main", ""},
	}
	for _, tt := range tests {
		if got := defaultSignerIdentity(tt.repository, tt.ref); got != tt.want {
			t.Errorf("defaultSignerIdentity(%q, %q) = %q, want %q", tt.repository, tt.ref, got, tt.want)
		}
	}
}

func TestSignerIdentityFromEnvironmentOrRemote(t *testing.T) {
	t.Parallel()
	facts := testFacts()
	facts.repository = "from-remote/goship"
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"git remote", nil, nil, "https://github.com/from-remote/goship/.github/workflows/pipeline.yml@refs/heads/main"},
		{"GITHUB_REPOSITORY wins", nil, map[string]string{"GITHUB_REPOSITORY": "from-env/goship"}, "https://github.com/from-env/goship/.github/workflows/pipeline.yml@refs/heads/main"},
		{"flag wins", []string{"--signer-identity", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"},
			map[string]string{"GITHUB_REPOSITORY": "from-env/goship"}, "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"},
	}
	for _, tt := range tests {
		_, cfg, err := parseArgs(append([]string{"deploy"}, tt.args...), envOf(tt.env), facts)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.signerIdentity != tt.want {
			t.Errorf("%s: signer identity = %q, want %q", tt.name, cfg.signerIdentity, tt.want)
		}
	}
}

func TestRepositoryFromRemote(t *testing.T) {
	t.Parallel()
	tests := []struct{ remote, want string }{
		{"https://github.com/example/goship.git", "example/goship"},
		{"https://github.com/example/goship", "example/goship"},
		{"git@github.com:example/goship.git", "example/goship"},
		{"ssh://git@github.com/example/go.ship.git", "example/go.ship"},
		{"https://gitlab.com/example/goship.git", ""},
		{"https://github.com/example", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := repositoryFromRemote(tt.remote); got != tt.want {
			t.Errorf("repositoryFromRemote(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestChooseSigning(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:kms:eu-west-1:123456789012:key/0b5e1b2c-1111-2222-3333-444455556666"
	tests := []struct {
		key  string
		oidc bool
		want signingMethod
	}{
		{arn, true, signKMS},
		{"awskms:///" + arn, false, signKMS},
		{"./signing.pem", true, signKeyFile},
		{"", true, signKeyless},
		{"", false, signUnsigned},
	}
	for _, tt := range tests {
		if got := chooseSigning(tt.key, tt.oidc); got != tt.want {
			t.Errorf("chooseSigning(%q, %v) = %q, want %q", tt.key, tt.oidc, got, tt.want)
		}
	}
}

func TestModuleList(t *testing.T) {
	t.Parallel()
	out := "\n\ngithub.com/go-chi/chi/v5\ngithub.com/prometheus/client_golang\n\ngithub.com/go-chi/chi/v5\ngolang.org/x/sys\n"
	got := moduleList(out)
	want := []string{"github.com/go-chi/chi/v5", "github.com/prometheus/client_golang", "golang.org/x/sys"}
	if len(got) != len(want) {
		t.Fatalf("moduleList = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("moduleList = %v, want %v", got, want)
		}
	}
}

// TestValidateSignsKeylessInActions: in a GitHub Actions job with id-token:
// write, a deploy needs no key; elsewhere it needs one or --allow-unsigned.
func TestValidateSignsKeylessInActions(t *testing.T) {
	t.Parallel()
	_, cfg, err := parseArgs([]string{"deploy", "--state-bucket", "state-bucket"}, envOf(nil), testFacts())
	if err != nil {
		t.Fatal(err)
	}
	m, err := lookupMode("deploy", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	exists := func(string) bool { return true }
	actions := envOf(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:1/token"})
	if err := validate(cfg, m, actions, exists); err != nil {
		t.Errorf("validate in Actions = %v, want nil", err)
	}
	if err := validate(cfg, m, envOf(nil), exists); err == nil || exitCode(err) != 2 {
		t.Errorf("validate on a laptop without a key = %v, want a usage error", err)
	}
}
