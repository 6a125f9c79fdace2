package terraform

import (
	"strings"
	"testing"
)

func TestRecoveryCommands(t *testing.T) {
	t.Parallel()
	l := Lock{Stack: "service", Dir: "infra", Bucket: "goship-state-123", Key: "goship/dev/service.tfstate", Region: "eu-west-1",
		ID: "0f2a9c4e-1b7d-4c1e-9a55-3f1b2c3d4e5f", Who: "goship deploy dev by alice@laptop@dagger", Operation: "OperationTypeApply", Created: "2026-11-29 16:00:00 +0000 UTC"}
	got := RecoveryCommands(l)
	for _, want := range []string{
		"bucket goship-state-123, key goship/dev/service.tfstate, lock file s3://goship-state-123/goship/dev/service.tfstate.tflock, lock ID 0f2a9c4e-1b7d-4c1e-9a55-3f1b2c3d4e5f, held by goship deploy dev by alice@laptop@dagger (OperationTypeApply since 2026-11-29 16:00:00 +0000 UTC)",
		"\n  terraform -chdir=infra init -input=false -reconfigure -backend-config=bucket=goship-state-123 -backend-config=key=goship/dev/service.tfstate -backend-config=region=eu-west-1\n",
		"\n  terraform -chdir=infra force-unlock -force 0f2a9c4e-1b7d-4c1e-9a55-3f1b2c3d4e5f\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("RecoveryCommands lacks %q:\n%s", want, got)
		}
	}
	l.ID, l.EndpointEnv = "", []string{"AWS_ENDPOINT_URL=http://127.0.0.1:5000"}
	got = RecoveryCommands(l)
	if !strings.Contains(got, "  AWS_ENDPOINT_URL=http://127.0.0.1:5000 terraform -chdir=infra force-unlock -force <lock ID") {
		t.Errorf("RecoveryCommands without an ID or with an endpoint:\n%s", got)
	}
}

func TestLockOwner(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		env  map[string]string
		host string
		mode string
		want string
	}{
		{"laptop", map[string]string{"USER": "alice"}, "laptop", "deploy", "goship deploy dev by alice@laptop"},
		{"GitHub", map[string]string{"USER": "runner", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "example/goship", "GITHUB_RUN_ID": "42"},
			"fv-az1", "destroy", "goship destroy dev by github.com/example/goship/actions/runs/42"},
		{"a colon cannot end the passwd field", map[string]string{"USER": "a:b\nc"}, "h", "deploy", "goship deploy dev by a_b_c@h"},
	}
	for _, tt := range tests {
		if got := LockOwner(env(tt.env), tt.host, tt.mode, "dev"); got != tt.want {
			t.Errorf("%s: LockOwner = %q, want %q", tt.name, got, tt.want)
		}
	}
}
