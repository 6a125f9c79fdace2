package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayout holds the pipeline to its three kinds of code: a reader who
// sees a file's package knows what it may touch. Engine steps (package
// main) may import anything; the AWS calls in ci/cloud never reach Dagger;
// the decisions in ci/report, ci/preflight, ci/terraform and ci/attest
// reach neither Dagger nor the AWS SDK. The check is over every package
// each one depends on, not only its own imports.
func TestLayout(t *testing.T) {
	t.Parallel()
	const dagger, awsSDK = "dagger.io/dagger", "github.com/aws/aws-sdk-go-v2"
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"./cloud", []string{dagger}},
		{"./report", []string{dagger, awsSDK}},
		{"./preflight", []string{dagger, awsSDK}},
		{"./terraform", []string{dagger, awsSDK}},
		{"./attest", []string{dagger, awsSDK}},
		{"./attest/kmskey", []string{dagger}},
	}
	for _, tt := range tests {
		out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tt.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range tt.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("ci/%s depends on %s: it must not reach %s", strings.TrimPrefix(tt.pkg, "./"), dep, f)
				}
			}
		}
	}
}
