package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// TestDeployRecord: the history says how each deploy ended, from the
// error the deploy stopped with, and who ran it.
func TestDeployRecord(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name        string
		err         error
		wantOutcome string
	}{
		{"live", nil, report.OutcomeLive},
		{"circuit breaker", fmt.Errorf("wait: %w (logs: CloudWatch group /ecs/goship-dev)", fmt.Errorf("ECS deployment failed%w", cloud.ErrRolledBack)), report.OutcomeRolledBack},
		{"smoke test", smokeFailure{errors.New("smoke test of http://x failed after 9 attempts in 5m0s: GET http://x/healthz: status 502")}, report.OutcomeSmokeFail},
		// As protected and terraformFailure wrap it.
		{"interrupted after its apply", fmt.Errorf("the service stack (infra): %w", fmt.Errorf("terraform apply of the service stack %w", errFinishedAfterInterrupt)), report.OutcomeNotWaited},
		{"anything else", errors.New("`terraform apply` exited 1:\n    Error: ..."), report.OutcomeFailed},
		// The bake: an alarm names itself in the outcome when the previous
		// image goes back; a rollback's own bake, or one that could not
		// see, rolls nothing back.
		{"bake failed by an alarm", fmt.Errorf("%w; r@sha256:0 is back", bakeFailure{report.BakeVerdict{Fail: true, RollBack: true, Alarm: "goship-dev-target-5xx", Why: "alarm goship-dev-target-5xx went into ALARM"}}),
			report.OutcomeRolledBackByAlarm("goship-dev-target-5xx")},
		{"bake failed by ECS's own rollback", bakeFailure{report.BakeVerdict{Fail: true, RollBack: true, Why: "ECS rolled the deployment back"}}, report.OutcomeRolledBackByECSAlarm},
		{"a rollback's bake failed by an alarm", bakeFailure{report.BakeVerdict{Fail: true, RollBack: true, Alarm: "goship-dev-latency-p99"}}, report.OutcomeBakeFailed},
		{"bake that cannot see", bakeFailure{report.BakeVerdict{Fail: true, Why: "CloudWatch has no alarm goship-dev-running-tasks"}}, report.OutcomeBakeFailed},
		{"bake interrupted", errNotWatched, report.OutcomeNotWaited},
	}
	for _, tt := range tests {
		p := &pipeline{
			now:    func() time.Time { return at },
			aws:    &cloud.Session{ARN: "arn:aws:sts::123456789012:assumed-role/github-deploy-goship/GitHubActions"},
			getenv: envOf(map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "example/goship", "GITHUB_RUN_ID": "42"}),
			result: &report.Summary{Signature: "NOT VERIFIED (no signature), deployed with --allow-unsigned", Unverified: true},
		}
		kind := report.KindDeploy
		if strings.HasPrefix(tt.name, "a rollback's") {
			kind = report.KindRollback
		}
		d := deployRecord(p, kind, "r@sha256:1", "abc1234", "v1", tt.err)
		if d.Outcome != tt.wantOutcome {
			t.Errorf("%s: outcome %q, want %q", tt.name, d.Outcome, tt.wantOutcome)
		}
		if (tt.err == nil) != (d.Detail == "") {
			t.Errorf("%s: detail %q", tt.name, d.Detail)
		}
		// An image deployed unverified stays marked in the history, so a
		// rollback to it is never a surprise.
		if !d.Unverified || !strings.HasPrefix(d.Signature, "NOT VERIFIED") {
			t.Errorf("%s: signature %q, unverified %v", tt.name, d.Signature, d.Unverified)
		}
		if d.Time.Location() != time.UTC || d.Actor != "octocat" || d.RunURL != "https://github.com/example/goship/actions/runs/42" || d.Caller == "" {
			t.Errorf("%s: when and who = %v %q %q %q", tt.name, d.Time, d.Actor, d.RunURL, d.Caller)
		}
	}
}
