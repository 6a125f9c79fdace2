package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// mode is one thing the pipeline can do. The dispatcher, the preflight
// checks and the help text are all generated from the table in modes.
type mode struct {
	name        string
	help        string
	needsEngine bool // opens a Dagger session
	needsAWS    bool // resolves AWS credentials and the state bucket first
	builds      bool // builds the image, so needs the Dockerfile's base images
	confirm     bool // asks before it starts, unless --yes or CI=true
	unattended  bool // may run in a workflow: ends by itself and needs no administrator
	readOnly    bool // changes nothing in AWS beyond a state lock held while it reads
	diagnoses   bool // runs every check as deploy would and reports them, instead of stopping at a problem
	run         func(ctx context.Context, p *pipeline) error

	// prepare runs on the host before the engine starts, for what can be
	// settled with AWS alone: a mistake then costs seconds, not an engine
	// start.
	prepare func(ctx context.Context, p *pipeline) error

	// local runs instead of run for modes that only print: no
	// configuration checks, no AWS, no engine.
	local func(w io.Writer, getenv func(string) string) error
}

func modes() []mode {
	return []mode{
		{name: "check", help: "vet and test, build and scan the image, scan and validate the Terraform (the default; what pull requests run)",
			needsEngine: true, builds: true, unattended: true, run: check},
		{name: "serve", help: "build the image and serve it on port --port until Ctrl-C (on every interface: the Dagger SDK cannot bind 127.0.0.1 only)",
			needsEngine: true, builds: true, run: serve},
		{name: "deploy", help: "check, then publish to ECR, apply Terraform, wait for ECS, smoke-test the live URL and watch its alarms for --bake (an alarm rolls it back)",
			needsEngine: true, needsAWS: true, builds: true, unattended: true, run: deploy},
		{name: "destroy", help: "destroy the environment: the service stack, then the registry with its images",
			needsEngine: true, needsAWS: true, confirm: true, unattended: true, run: destroy},
		{name: "rehearse", help: "the whole deploy with no AWS account: an AWS emulator and a registry as services, bootstrap, deploy twice, smoke test of the deployed digest, status, history, rollback, destroy, with the time of each phase (--keep: stay up until Ctrl-C)",
			needsEngine: true, builds: true, run: rehearse},
		{name: "bootstrap", help: "create the state bucket, and a permissions boundary and GitHub deploy role per environment, once per account (its own state in that bucket, under bootstrap/terraform.tfstate)",
			needsEngine: true, needsAWS: true, prepare: chooseBootstrapStart, run: bootstrap},
		{name: "status", help: "show the live service: URL, image and version, deployments, tasks, target health, scaling, alarms, 15 minutes of traffic, the dashboard, events; exit 1 unless stable and healthy (--json)",
			needsAWS: true, run: status},
		{name: "logs", help: "print the service's logs readably: --since 10m, --follow until Ctrl-C, --filter PATTERN (--json for the raw lines)",
			needsAWS: true, run: logs},
		{name: "history", help: "list this environment's deploys, newest first: time, digest, commit, version, who, outcome (--json)",
			needsAWS: true, run: history},
		{name: "rollback", help: "redeploy the last live image before the current one (--to N|digest picks another): deploy --image, its bake included, with a history entry",
			needsEngine: true, needsAWS: true, unattended: true, prepare: chooseRollback, run: rollback},
		{name: "plan", help: "show what a deploy would change in the registry and service stacks; exit 0 no change, 2 change (drift), 1 error (--plan-text)",
			needsEngine: true, needsAWS: true, unattended: true, readOnly: true, prepare: choosePlanImage, run: plan},
		{name: "doctor", help: "check everything a deploy of --env needs (engine, AWS credentials and account, region, state bucket, signer, bootstrap's outputs, GitHub) and print a table; changes nothing, takes no lock; exit 0 when a deploy could start, 2 otherwise",
			needsAWS: true, readOnly: true, diagnoses: true, run: doctor},
		{name: "auto", help: "run the mode that the GitHub event calls for (GITHUB_EVENT_NAME, GITHUB_REF)"},
		{name: "resolve", help: "print GitHub step outputs: the mode for this event (or REQUESTED_MODE), whether it needs AWS, and the environment (REQUESTED_ENVIRONMENT, else ENVIRONMENT)",
			local: resolve},
		{name: "help", help: "show this help (also -h, --help)",
			local: func(w io.Writer, _ func(string) string) error { return usage(w) }},
	}
}

// lookupMode finds a mode by name. auto is resolved here, from the GitHub
// event, so that everything after it sees the real mode.
func lookupMode(name string, getenv func(string) string) (mode, error) {
	if name == "auto" {
		name = modeForEvent(getenv("GITHUB_EVENT_NAME"), getenv("GITHUB_REF"))
	}
	var names []string
	for _, m := range modes() {
		if m.name == name {
			return m, nil
		}
		names = append(names, m.name)
	}
	return mode{}, usagef("unknown mode %q: want one of %s", name, strings.Join(names, ", "))
}

// resolve tells the GitHub workflow which mode to run, whether to fetch
// AWS credentials for it and in which GitHub environment, so the workflow
// holds no logic of its own.
func resolve(w io.Writer, getenv func(string) string) error {
	run := githubRun{
		eventName:     getenv("GITHUB_EVENT_NAME"),
		ref:           getenv("GITHUB_REF"),
		requestedMode: getenv("REQUESTED_MODE"),
		environment:   cmp.Or(getenv("REQUESTED_ENVIRONMENT"), getenv("ENVIRONMENT"), defaultEnvironment()),
	}
	outputs, err := githubStepOutputs(run, func(name string) (awsUse, error) {
		m, err := lookupMode(name, getenv)
		if err != nil || !m.unattended {
			return awsUse{}, usagef("mode %q cannot run in a workflow", name)
		}
		return awsUse{needed: m.needsAWS, changes: m.needsAWS && !m.readOnly}, nil
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, outputs)
	return err
}

// defaultEnvironment is the --env option's default, so a workflow and a
// laptop pick the same environment when none is named.
func defaultEnvironment() string {
	for _, o := range options() {
		if o.flag == "env" {
			return o.def
		}
	}
	return ""
}

// usage prints the modes and the configuration, both generated from the
// tables the program runs on.
func usage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Usage: go run ./ci [mode] [flags]")
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Modes:")
	for _, m := range modes() {
		fmt.Fprintf(tw, "  %s\t%s\n", m.name, m.help)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Configuration (a flag wins over its environment variable, which wins over the default):")
	fmt.Fprintln(tw, "  FLAG\tENVIRONMENT\tDEFAULT\tMEANING")
	for _, o := range options() {
		fmt.Fprintf(tw, "  --%s\t%s\t%s\t%s\n", o.flag, orDash(strings.Join(o.envs, ", ")), orDash(defaultText(o)), o.usage)
	}
	return tw.Flush()
}

func defaultText(o option) string {
	if o.defText != "" {
		return o.defText
	}
	return o.def
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// configMarkdown renders the configuration as the Markdown table in
// docs/pipeline.md, from the same options the parser uses, so the two
// cannot drift: TestReadmeConfigTable fails when that copy is stale.
func configMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n")
	for _, o := range options() {
		envs := "-"
		if len(o.envs) > 0 {
			envs = "`" + strings.Join(o.envs, "`, `") + "`"
		}
		def := defaultText(o)
		switch {
		case def == "":
			def = "-"
		case o.defText == "":
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | %s | %s | %s |\n", o.flag, envs, def, strings.ReplaceAll(o.usage, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
