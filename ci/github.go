package main

import "fmt"

// modeForEvent maps a GitHub Actions event and ref to the mode the pipeline
// runs, so that the workflow holds no branching logic of its own: a push to
// main or master deploys, a push to cleanup tears the environment down, a
// schedule checks for drift with plan, and everything else (pull requests
// included) only checks. Anything unknown falls back to check, the one
// mode that cannot change an AWS account.
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

// githubRun is what the workflow knows about a run before it decides
// anything: the event and ref, and what a person asked for in
// workflow_dispatch (empty otherwise).
type githubRun struct {
	eventName, ref string
	requestedMode  string
	environment    string // the dispatch input, else the ENVIRONMENT variable, else the default
}

// githubStepOutputs decides what a GitHub Actions run executes and renders it
// as step outputs for $GITHUB_OUTPUT: the mode, whether it needs AWS, and the
// GitHub environment an AWS job runs in. A mode chosen by hand wins over the
// event. The workflow routes a run needing AWS to its one job that may mint
// an OIDC token, in that environment, whose protection rules GitHub enforces
// and whose name the deploy role's trust policy requires; every other run
// goes to the check job, which has no token at all.
func githubStepOutputs(run githubRun, needsAWS func(mode string) (bool, error)) (string, error) {
	mode := run.requestedMode
	if mode == "" {
		mode = modeForEvent(run.eventName, run.ref)
	}
	aws, err := needsAWS(mode)
	if err != nil {
		return "", err
	}
	// The name becomes a GitHub environment, a concurrency group and part
	// of an OIDC subject: the pipeline's own rule keeps it to [a-z0-9].
	if !environmentPattern.MatchString(run.environment) {
		return "", usagef("invalid environment %q: want 1-10 lower-case letters and digits, starting with a letter (the dispatch input or the ENVIRONMENT variable)", run.environment)
	}
	return fmt.Sprintf("mode=%s\naws=%t\nenvironment=%s\n", mode, aws, run.environment), nil
}
