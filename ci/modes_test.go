package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestModeTable(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for _, m := range modes() {
		if seen[m.name] {
			t.Errorf("mode %q listed twice", m.name)
		}
		seen[m.name] = true
		if m.help == "" {
			t.Errorf("mode %q has no help", m.name)
		}
		if m.name == "auto" {
			continue
		}
		if (m.run == nil) == (m.local == nil) {
			t.Errorf("mode %q must have exactly one of run and local", m.name)
		}
		if m.local != nil && (m.needsAWS || m.needsEngine) {
			t.Errorf("local mode %q cannot need AWS or an engine", m.name)
		}
		if m.run != nil && !m.needsEngine && !m.needsAWS {
			t.Errorf("mode %q runs on the host without AWS: make it local", m.name)
		}
	}
	for _, name := range []string{"check", "serve", "deploy", "destroy", "bootstrap", "status", "logs", "history", "rollback", "plan", "doctor", "auto", "help", "resolve"} {
		if !seen[name] {
			t.Errorf("mode %q missing", name)
		}
	}
}

func TestLookupMode(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "check", want: "check"},
		{name: "deploy", want: "deploy"},
		{name: "auto", env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}, want: "deploy"},
		{name: "auto", env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/cleanup"}, want: "destroy"},
		{name: "auto", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/1/merge"}, want: "check"},
		{name: "auto", want: "check"},
		{name: "ship-it", wantErr: `unknown mode "ship-it": want one of check, serve, deploy`},
	}
	for _, tt := range tests {
		m, err := lookupMode(tt.name, env(tt.env))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != 2 {
				t.Errorf("lookupMode(%q) error = %v, want %q with exit 2", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || m.name != tt.want {
			t.Errorf("lookupMode(%q, %v) = %q, %v; want %q", tt.name, tt.env, m.name, err, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env     map[string]string
		want    string
		wantErr bool
	}{
		{env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}, want: "mode=deploy\naws=true\nenvironment=dev\nqueue=aws-dev\nrole-variable=AWS_DEPLOY_ROLE_ARN\n"},
		{env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "ENVIRONMENT": "staging"}, want: "mode=deploy\naws=true\nenvironment=staging\nqueue=aws-staging\nrole-variable=AWS_DEPLOY_ROLE_ARN\n"},
		{env: map[string]string{"GITHUB_EVENT_NAME": "pull_request"}, want: "mode=check\naws=false\nenvironment=dev\n"},
		{env: map[string]string{"REQUESTED_MODE": "destroy"}, want: "mode=destroy\naws=true\nenvironment=dev\nqueue=aws-dev\nrole-variable=AWS_DEPLOY_ROLE_ARN\n"},
		{env: map[string]string{"REQUESTED_MODE": "destroy", "REQUESTED_ENVIRONMENT": "prod", "ENVIRONMENT": "dev"}, want: "mode=destroy\naws=true\nenvironment=prod\nqueue=aws-prod\nrole-variable=AWS_DEPLOY_ROLE_ARN\n"},
		{env: map[string]string{"REQUESTED_MODE": "check"}, want: "mode=check\naws=false\nenvironment=dev\n"},
		{env: map[string]string{"REQUESTED_MODE": "deploy", "REQUESTED_ENVIRONMENT": "prod/x"}, wantErr: true},
		{env: map[string]string{"REQUESTED_MODE": "help"}, wantErr: true},
		{env: map[string]string{"REQUESTED_MODE": "serve"}, wantErr: true},     // never ends by itself
		{env: map[string]string{"REQUESTED_MODE": "bootstrap"}, wantErr: true}, // needs an administrator
		{env: map[string]string{"REQUESTED_MODE": "doctor"}, wantErr: true},    // a person reads its table
		{env: map[string]string{"REQUESTED_MODE": "nope"}, wantErr: true},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := resolve(&out, func(k string) string { return tt.env[k] })
		if (err != nil) != tt.wantErr || out.String() != tt.want {
			t.Errorf("resolve(%v) = %q, %v; want %q, error %v", tt.env, out.String(), err, tt.want, tt.wantErr)
		}
	}
}

// TestUsage checks that the help lists every mode and every setting, with
// its environment variable and default, from the same tables.
func TestUsage(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := usage(&out); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	for _, m := range modes() {
		if !strings.Contains(help, "  "+m.name+" ") || !strings.Contains(help, m.help) {
			t.Errorf("help lacks mode %q", m.name)
		}
	}
	for _, o := range options() {
		if !strings.Contains(help, "--"+o.flag+" ") || !strings.Contains(help, o.usage) {
			t.Errorf("help lacks --%s", o.flag)
		}
		for _, env := range o.envs {
			if !strings.Contains(help, env) {
				t.Errorf("help lacks %s", env)
			}
		}
		if d := defaultText(o); d != "" && !strings.Contains(help, d) {
			t.Errorf("help lacks the default of --%s (%q)", o.flag, d)
		}
	}
}
