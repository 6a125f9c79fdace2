package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModeForEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event, ref string
		want       string
	}{
		{"push", "refs/heads/main", "deploy"},
		{"push", "refs/heads/master", "deploy"},
		{"push", "refs/heads/cleanup", "destroy"},
		{"push", "refs/heads/feature/x", "check"},
		{"push", "refs/heads/mainline", "check"},
		{"push", "refs/tags/v1.0.0", "check"},
		{"push", "main", "check"},
		{"pull_request", "refs/pull/7/merge", "check"},
		{"pull_request", "refs/heads/main", "check"},
		{"pull_request_target", "refs/heads/main", "check"},
		{"workflow_dispatch", "refs/heads/main", "check"},
		{"schedule", "refs/heads/cleanup", "plan"}, // never destroy: a schedule only looks for drift
		{"", "", "check"},
	}
	for _, tt := range tests {
		if got := modeForEvent(tt.event, tt.ref); got != tt.want {
			t.Errorf("modeForEvent(%q, %q) = %q, want %q", tt.event, tt.ref, got, tt.want)
		}
	}
}

func TestGitHubStepOutputs(t *testing.T) {
	t.Parallel()
	usesAWS := func(mode string) (awsUse, error) {
		switch mode {
		case "check":
			return awsUse{}, nil
		case "deploy", "destroy":
			return awsUse{needed: true, changes: true}, nil
		case "plan":
			return awsUse{needed: true}, nil
		}
		return awsUse{}, fmt.Errorf("unknown mode %q", mode)
	}
	tests := []struct {
		run     githubRun
		want    string
		wantErr bool
	}{
		{githubRun{eventName: "push", ref: "refs/heads/main", environment: "dev"}, "mode=deploy\naws=true\nenvironment=dev\nqueue=aws-dev\nrole-variable=AWS_DEPLOY_ROLE_ARN\n", false},
		{githubRun{eventName: "push", ref: "refs/heads/cleanup", environment: "dev"}, "mode=destroy\naws=true\nenvironment=dev\nqueue=aws-dev\nrole-variable=AWS_DEPLOY_ROLE_ARN\n", false},
		{githubRun{eventName: "pull_request", ref: "refs/pull/1/merge", environment: "dev"}, "mode=check\naws=false\nenvironment=dev\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "check", environment: "prod"}, "mode=check\naws=false\nenvironment=prod\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "destroy", environment: "prod"}, "mode=destroy\naws=true\nenvironment=prod\nqueue=aws-prod\nrole-variable=AWS_DEPLOY_ROLE_ARN\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "rm -rf", environment: "dev"}, "", true},
		// The nightly drift plan only reads: it waits in its own queue, so
		// it can never push a queued deploy or destroy out of aws-<env>,
		// and it gets the read-only plan role.
		{githubRun{eventName: "schedule", ref: "refs/heads/main", environment: "prod"}, "mode=plan\naws=true\nenvironment=prod\nqueue=drift-prod\nrole-variable=AWS_PLAN_ROLE_ARN\n", false},
		// The environment becomes a GitHub environment name and an OIDC
		// subject: nothing but the pipeline's own names.
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "prod\naws=false"}, "", true},
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "Prod"}, "", true},
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "prod:ref"}, "", true},
		{githubRun{eventName: "push", ref: "refs/heads/main"}, "", true},
	}
	for _, tt := range tests {
		got, err := githubStepOutputs(tt.run, usesAWS)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("githubStepOutputs(%+v) = %q, %v; want %q, error %v", tt.run, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestImageOutputs(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct{ published, want string }{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@" + digest,
			"image-repository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev\nimage-digest=" + digest + "\n"},
		{"", ""},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev:tag", ""},
	}
	for _, tt := range tests {
		if got := imageOutputs(tt.published); got != tt.want {
			t.Errorf("imageOutputs(%q) = %q, want %q", tt.published, got, tt.want)
		}
	}
}

// TestWriteGitHubOutputs appends after what earlier steps wrote, as GitHub
// expects, and writes nothing outside GitHub Actions.
func TestWriteGitHubOutputs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(path, []byte("mode=deploy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeGitHubOutputs(path, "image-digest=sha256:1\n"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "mode=deploy\nimage-digest=sha256:1\n" {
		t.Errorf("GITHUB_OUTPUT = %q", got)
	}
	if err := writeGitHubOutputs("", "image-digest=sha256:1\n"); err != nil {
		t.Error(err)
	}
}
