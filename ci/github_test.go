package main

import (
	"fmt"
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
	needsAWS := func(mode string) (bool, error) {
		switch mode {
		case "check":
			return false, nil
		case "deploy", "destroy":
			return true, nil
		}
		return false, fmt.Errorf("unknown mode %q", mode)
	}
	tests := []struct {
		run     githubRun
		want    string
		wantErr bool
	}{
		{githubRun{eventName: "push", ref: "refs/heads/main", environment: "dev"}, "mode=deploy\naws=true\nenvironment=dev\n", false},
		{githubRun{eventName: "push", ref: "refs/heads/cleanup", environment: "dev"}, "mode=destroy\naws=true\nenvironment=dev\n", false},
		{githubRun{eventName: "pull_request", ref: "refs/pull/1/merge", environment: "dev"}, "mode=check\naws=false\nenvironment=dev\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "check", environment: "prod"}, "mode=check\naws=false\nenvironment=prod\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "destroy", environment: "prod"}, "mode=destroy\naws=true\nenvironment=prod\n", false},
		{githubRun{eventName: "workflow_dispatch", ref: "refs/heads/main", requestedMode: "rm -rf", environment: "dev"}, "", true},
		// The environment becomes a GitHub environment name and an OIDC
		// subject: nothing but the pipeline's own names.
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "prod\naws=false"}, "", true},
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "Prod"}, "", true},
		{githubRun{eventName: "workflow_dispatch", requestedMode: "deploy", environment: "prod:ref"}, "", true},
		{githubRun{eventName: "push", ref: "refs/heads/main"}, "", true},
	}
	for _, tt := range tests {
		got, err := githubStepOutputs(tt.run, needsAWS)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("githubStepOutputs(%+v) = %q, %v; want %q, error %v", tt.run, got, err, tt.want, tt.wantErr)
		}
	}
}
