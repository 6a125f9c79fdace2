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
		requested, event, ref string
		want                  string
		wantErr               bool
	}{
		{"", "push", "refs/heads/main", "mode=deploy\naws=true\n", false},
		{"", "push", "refs/heads/cleanup", "mode=destroy\naws=true\n", false},
		{"", "pull_request", "refs/pull/1/merge", "mode=check\naws=false\n", false},
		{"check", "workflow_dispatch", "refs/heads/main", "mode=check\naws=false\n", false},
		{"destroy", "workflow_dispatch", "refs/heads/main", "mode=destroy\naws=true\n", false},
		{"rm -rf", "workflow_dispatch", "refs/heads/main", "", true},
	}
	for _, tt := range tests {
		got, err := githubStepOutputs(tt.requested, tt.event, tt.ref, needsAWS)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("githubStepOutputs(%q, %q, %q) = %q, %v; want %q, error %v", tt.requested, tt.event, tt.ref, got, err, tt.want, tt.wantErr)
		}
	}
}
