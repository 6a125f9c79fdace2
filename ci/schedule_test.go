package main

import "testing"

// TestScheduleRunsPlan: the nightly drift check's workflow runs auto on a
// schedule event, which must be plan (exit 2 on drift), and plan must be
// allowed in a workflow.
func TestScheduleRunsPlan(t *testing.T) {
	t.Parallel()
	if got := modeForEvent("schedule", "refs/heads/main"); got != "plan" {
		t.Errorf("schedule runs %q, want plan", got)
	}
	out, err := githubStepOutputs("", "schedule", "refs/heads/main", func(name string) (bool, error) {
		m, err := lookupMode(name, func(string) string { return "" })
		if err != nil || !m.unattended {
			t.Errorf("mode %q cannot run in a workflow", name)
		}
		return m.needsAWS, nil
	})
	if err != nil || out != "mode=plan\naws=true\n" {
		t.Errorf("step outputs = %q, %v", out, err)
	}
}
