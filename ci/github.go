package main

import (
	"fmt"
	"os"
	"strings"
)

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

// awsUse is what a mode does with AWS.
type awsUse struct {
	needed  bool // needs credentials
	changes bool // may change resources, not only read them
}

// githubStepOutputs decides what a GitHub Actions run executes and renders it
// as step outputs for $GITHUB_OUTPUT: the mode, whether it needs AWS, the
// GitHub environment an AWS job runs in, and for such a job the queue
// (concurrency group) it waits in and the variable holding the role it
// assumes: the deploy role for a mode that changes AWS, the read-only plan
// role for one that only reads (the nightly drift check). Runs that change an environment share its aws-<env> queue;
// the nightly drift plan only reads, and waits in drift-<env>, because
// GitHub keeps one pending run per group and a plan must never push a
// queued deploy or destroy out of it. A mode chosen by hand wins over the
// event. The workflow routes a run needing AWS to its one job that may mint
// an OIDC token, in that environment, whose protection rules GitHub enforces
// and whose name the deploy role's trust policy requires; every other run
// goes to the check job, which has no token at all.
func githubStepOutputs(run githubRun, usesAWS func(mode string) (awsUse, error)) (string, error) {
	mode := run.requestedMode
	if mode == "" {
		mode = modeForEvent(run.eventName, run.ref)
	}
	aws, err := usesAWS(mode)
	if err != nil {
		return "", err
	}
	// The name becomes a GitHub environment, a concurrency group and part
	// of an OIDC subject: the pipeline's own rule keeps it to [a-z0-9].
	if !environmentPattern.MatchString(run.environment) {
		return "", usagef("invalid environment %q: want 1-10 lower-case letters and digits, starting with a letter (the dispatch input or the ENVIRONMENT variable)", run.environment)
	}
	outputs := fmt.Sprintf("mode=%s\naws=%t\nenvironment=%s\n", mode, aws.needed, run.environment)
	switch {
	case aws.changes:
		outputs += "queue=aws-" + run.environment + "\nrole-variable=AWS_DEPLOY_ROLE_ARN\n"
	case aws.needed:
		outputs += "queue=drift-" + run.environment + "\nrole-variable=AWS_PLAN_ROLE_ARN\n"
	}
	return outputs, nil
}

// imageOutputs are the step outputs that name the image a deploy
// published (repo@sha256:...), for the workflow's optional build
// provenance step; nothing when no image was published.
func imageOutputs(published string) string {
	repository, digest, ok := strings.Cut(published, "@")
	if !ok || !strings.HasPrefix(digest, "sha256:") {
		return ""
	}
	return fmt.Sprintf("image-repository=%s\nimage-digest=%s\n", repository, digest)
}

// writeGitHubOutputs appends to the $GITHUB_OUTPUT file, when the run has
// one, what later steps of the job may use.
func writeGitHubOutputs(path, outputs string) error {
	if path == "" || outputs == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("writing the GitHub step outputs: %w", err)
	}
	if _, err := f.WriteString(outputs); err != nil {
		_ = f.Close() // the write error is the one worth reporting
		return fmt.Errorf("writing the GitHub step outputs: %w", err)
	}
	return f.Close()
}
