package main

import "fmt"

// modeForEvent maps a GitHub Actions event and ref to the mode the pipeline
// runs, so that the workflow holds no branching logic of its own: a push to
// main or master deploys, a push to cleanup tears the environment down, a
// schedule checks for drift with plan, and everything else (pull requests
// included) only checks. Anything unknown falls back to check, the one mode that cannot change an AWS account.
func modeForEvent(eventName, ref string) string {
	if eventName == "schedule" {
		return "plan" // the nightly drift check: exit 2 fails the job on drift
	}
	if eventName != "push" {
		return "check"
	}
	switch ref {
	case "refs/heads/main", "refs/heads/master":
		return "deploy"
	case "refs/heads/cleanup":
		return "destroy"
	default:
		return "check"
	}
}

// githubStepOutputs decides what a GitHub Actions run executes and renders it
// as step outputs (`mode=...` and `aws=true|false` lines for
// $GITHUB_OUTPUT). A mode chosen by hand in workflow_dispatch wins over the
// event; needsAWS says whether a mode needs credentials, so the workflow asks
// for an OIDC role only when the mode will use it.
func githubStepOutputs(requested, eventName, ref string, needsAWS func(mode string) (bool, error)) (string, error) {
	mode := requested
	if mode == "" {
		mode = modeForEvent(eventName, ref)
	}
	aws, err := needsAWS(mode)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("mode=%s\naws=%t\n", mode, aws), nil
}
