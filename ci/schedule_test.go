package main

import (
	"strings"
	"testing"
)

// TestScheduleRunsPlan: the nightly drift check's workflow runs auto on a
// schedule event, which must be plan (exit 2 on drift), and plan must be
// allowed in a workflow, in its own queue, with the read-only plan role.
func TestScheduleRunsPlan(t *testing.T) {
	t.Parallel()
	if got := modeForEvent("schedule", "refs/heads/main"); got != "plan" {
		t.Errorf("schedule runs %q, want plan", got)
	}
	var out strings.Builder
	err := resolve(&out, func(k string) string {
		return map[string]string{"GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main", "ENVIRONMENT": "prod"}[k]
	})
	if err != nil || out.String() != "mode=plan\naws=true\nenvironment=prod\nqueue=drift-prod\nrole-variable=AWS_PLAN_ROLE_ARN\n" {
		t.Errorf("step outputs = %q, %v", out.String(), err)
	}
}

// TestDispatchDayTwo: a workflow run by hand may plan or roll back (both
// end by themselves and need no administrator), not show status or follow
// logs, which are for a terminal.
func TestDispatchDayTwo(t *testing.T) {
	t.Parallel()
	for mode, want := range map[string]bool{"plan": true, "rollback": true, "status": false, "logs": false, "history": false} {
		var out strings.Builder
		err := resolve(&out, func(k string) string {
			return map[string]string{"REQUESTED_MODE": mode, "GITHUB_EVENT_NAME": "workflow_dispatch"}[k]
		})
		if got := err == nil; got != want {
			t.Errorf("dispatch %s: %q, %v; want allowed %v", mode, out.String(), err, want)
		}
	}
}
