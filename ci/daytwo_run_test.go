package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRunDayTwoRefusals: each day-two mode fails within seconds, before
// any AWS call or engine, with a message that says what to set.
func TestRunDayTwoRefusals(t *testing.T) {
	t.Parallel()
	digest := "r.example.com/app@sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"status"}, "no Terraform state bucket"},
		{[]string{"logs", "--follow"}, "no Terraform state bucket"},
		{[]string{"history", "--json"}, "no Terraform state bucket"},
		{[]string{"rollback"}, "no Terraform state bucket"},
		{[]string{"plan"}, "no Terraform state bucket"},
		{[]string{"status", "--image", digest}, "--image (DEPLOY_IMAGE) only applies to deploy and plan"},
		{[]string{"deploy", "--to", "2", "--image", digest}, "--to (ROLLBACK_TO) only applies to rollback"},
		{[]string{"logs", "--since", "yesterday"}, `invalid --since "yesterday"`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		start := time.Now()
		err := run(context.Background(), tt.args, envOf(map[string]string{"PATH": ""}), strings.NewReader(""), &stdout, &stderr, nil)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%v took %s, want well under 5s", tt.args, took)
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != 2 {
			t.Errorf("%v: %v (exit %d), want %q (exit 2)", tt.args, err, exitCode(err), tt.wantErr)
		}
	}
}

// TestRunDayTwoWithoutCredentialsOrRegion: no credentials, or no region,
// is said at once, as a setting to fix (exit 2). Not parallel: the AWS SDK reads the process
// environment.
func TestRunDayTwoWithoutCredentialsOrRegion(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
	}
	for _, mode := range []string{"status", "logs", "history", "rollback", "plan"} {
		for _, tt := range []struct {
			region, wantErr string
			wantCode        int
		}{
			{"eu-west-1", "no AWS credentials: set AWS_PROFILE", 2},
			{"", "no AWS region: set --region or AWS_REGION", 2},
		} {
			args := []string{mode, "--state-bucket", "state-bucket"}
			if mode == "rollback" {
				args = append(args, "--allow-unsigned") // a missing signer is refused first (TestRollbackNeedsASigner)
			}
			if tt.region != "" {
				args = append(args, "--region", tt.region)
			}
			var stdout, stderr bytes.Buffer
			start := time.Now()
			err := run(context.Background(), args, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("%v took %s, want well under 10s", args, took)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != tt.wantCode {
				t.Errorf("%v: %v (exit %d), want %q (exit %d)", args, err, exitCode(err), tt.wantErr, tt.wantCode)
			}
		}
	}
}

// TestRollbackNeedsASigner: rollback verifies the image's signature like
// deploy --image, so it refuses to start without a signer to check.
func TestRollbackNeedsASigner(t *testing.T) {
	t.Parallel()
	err := validate(config{stateBucket: "state"}, mode{name: "rollback", needsAWS: true, needsEngine: true}, envOf(nil), func(string) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "no signer to verify the image against") {
		t.Errorf("validate = %v, want the missing signer named", err)
	}
	if err := validate(config{stateBucket: "state", allowUnsigned: true}, mode{name: "rollback", needsAWS: true, needsEngine: true}, envOf(nil), func(string) bool { return true }); err != nil {
		t.Errorf("with --allow-unsigned: %v", err)
	}
}
