package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRunWithoutEngine goes through run itself for what needs no engine:
// help, usage errors (exit 2) and the failures that must come before any
// engine work.
func TestRunWithoutEngine(t *testing.T) {
	t.Parallel()
	noEnv := map[string]string{"PATH": ""}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantOut  string
		wantErr  string
		wantCode int
	}{
		{name: "help", args: []string{"help"}, wantOut: "Usage: go run ./ci [mode] [flags]"},
		{name: "-h", args: []string{"-h"}, wantOut: "--state-bucket"},
		{name: "bad flag", args: []string{"check", "--platform", "linux/s390x"}, wantErr: `invalid --platform "linux/s390x"`, wantCode: 2},
		{name: "bad env", args: []string{"check"}, env: map[string]string{"ENVIRONMENT": "Prod"}, wantErr: `invalid ENVIRONMENT "Prod"`, wantCode: 2},
		{name: "unknown mode", args: []string{"ship"}, wantErr: `unknown mode "ship"`, wantCode: 2},
		{name: "resolve", args: []string{"resolve"}, env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/cleanup"},
			wantOut: "mode=destroy\naws=true\nenvironment=dev\n"},
		{name: "deploy without a state bucket", args: []string{"deploy", "--go-image", "golang:1.26", "--runtime-image", "distroless", "--commit", "abc1234"},
			env: noEnv, wantErr: "no Terraform state bucket", wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			start := time.Now()
			err := run(context.Background(), tt.args, envOf(tt.env), strings.NewReader(""), &stdout, &stderr, nil)
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %s, want well under 10s", took)
			}
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(stdout.String(), tt.wantOut) {
					t.Errorf("run = %v, stdout:\n%s", err, stdout.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != tt.wantCode {
				t.Errorf("run = %v (exit %d), want %q (exit %d)", err, exitCode(err), tt.wantErr, tt.wantCode)
			}
		})
	}
}

// TestRunDeployWithoutCredentials is the acceptance check that a deploy
// with no AWS credentials fails fast, naming them as a setting to fix
// (exit 2), before any engine work.
// Not parallel: the AWS SDK reads the process environment.
func TestRunDeployWithoutCredentials(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	args := []string{"deploy", "--image", "r.example.com/app@sha256:" + strings.Repeat("0", 64), "--state-bucket", "state-bucket", "--region", "eu-west-1",
		"--signer-identity", "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	err := run(context.Background(), args, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s, want well under 10s", took)
	}
	want := "no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
	if err == nil || !strings.Contains(err.Error(), want) || exitCode(err) != 2 {
		t.Errorf("run = %v, want %q", err, want)
	}
}

// nothingConfigured leaves the process with no AWS settings, no
// container runtime and no git on PATH: a new user's machine.
func nothingConfigured(t *testing.T) {
	t.Setenv("PATH", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
	}
}

// TestRunDeployWithNothingConfigured is acceptance 3: a deploy on a
// machine with nothing configured names every missing setting in one
// message, each with its fix, and exits 2. Not parallel: the AWS SDK and
// the engine probe read the process environment.
func TestRunDeployWithNothingConfigured(t *testing.T) {
	nothingConfigured(t)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"deploy"}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("run = %v (exit %d), want exit 2", err, exitCode(err))
	}
	for _, want := range []string{
		"deploy cannot start: 7 problems, and 3 checks not checked because of them",
		"\n  commit: no commit to deploy: run inside a git checkout, or set --commit or GIT_COMMIT",
		"\n  engine: no container runtime found: install Docker",
		"\n  aws region: no AWS region: set --region or AWS_REGION",
		"\n  aws credentials: no AWS credentials: set AWS_PROFILE, run `aws sso login`",
		"\n  aws account: not checked: needs aws region, aws credentials",
		"\n  state bucket name: no Terraform state bucket: set --state-bucket or TF_STATE_BUCKET",
		"\n  state bucket: not checked: needs state bucket name, aws account",
		"\n  signing key: this deploy would publish an unsigned image, which the check before Terraform then refuses: name a key with --signing-key",
		"\n  signer: no signer to verify the image against: set --signer-identity",
		"\n  bootstrap outputs: not checked: needs aws account",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message lacks %q:\n%v", want, err)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("printed before the preflight failed:\n%s", stdout.String())
	}
}
