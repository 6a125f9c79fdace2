// Command ci is the whole delivery pipeline as one Go program on the Dagger
// Go SDK: `go run ./ci check|serve|deploy|destroy|bootstrap`, the same on a
// laptop as in GitHub Actions. `go run ./ci help` lists the modes and the
// configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dagger.io/dagger"
	"golang.org/x/term"

	"github.com/example/goship/ci/preflight"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/ci/terraform"
)

func main() {
	// Every interrupt reaches run, not only the first: a second one is how
	// the user aborts a Terraform apply that the first let finish.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, interrupts)
	signal.Stop(interrupts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ci:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a mistake in how the program was called or configured
// and for a plan that would change something (as terraform plan
// -detailed-exitcode), 1 for everything else.
func exitCode(err error) int {
	var usage usageError
	var changes planChanges
	if errors.As(err, &usage) || errors.As(err, &changes) {
		return 2
	}
	return 1
}

// run is the program: the one place that reads arguments, the environment
// and the standard streams. Everything that can fail fast (configuration,
// AWS credentials and account, the state bucket, the signer, a container
// runtime) is checked before the engine starts, all of it before the first
// problem stops the run.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, interrupts <-chan os.Signal) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rules := terraform.NewInterrupts(cancel)
	stopWatching := make(chan struct{})
	defer close(stopWatching)
	go watchInterrupts(interrupts, stopWatching, rules, stderr)

	root, err := moduleRoot()
	if err != nil {
		return err
	}
	facts := gatherFacts(ctx, root)
	name, cfg, err := parseArgs(args, getenv, facts)
	if err != nil {
		return err
	}
	m, err := lookupMode(name, getenv)
	if err != nil {
		return err
	}
	if m.local != nil {
		return m.local(stdout, getenv)
	}
	var hostEndpoints []string
	if m.needsAWS {
		hostEndpoints = endpointEnviron(getenv)
	}
	endpoints, err := terraform.PlanEndpoints(hostEndpoints)
	if err != nil {
		return usagef("%v", err)
	}
	hostname, _ := os.Hostname() // only names the run in its locks

	p := &pipeline{
		cfg:    cfg,
		root:   root,
		stdin:  stdin,
		stdout: stdout,
		stderr: stderr,
		getenv: getenv,
		web:    &http.Client{Timeout: versionTimeout},
		steps:  newSteps(stdout, time.Now),
		now:    time.Now,
		runID:  strconv.FormatInt(time.Now().UnixNano(), 36),
		result: &report.Summary{Mode: m.name, Environment: summaryEnvironment(m, cfg)},

		interrupts:    rules,
		endpoints:     endpoints,
		hostEndpoints: terraform.EndpointSettings(hostEndpoints),
		lockOwner:     terraform.LockOwner(getenv, hostname, m.name, summaryEnvironment(m, cfg)),
		inCI:          getenv("CI") == "true",
		terminal:      isTerminal(stdin),
	}
	// Every check the mode needs runs before the first problem stops the
	// run, so one answer names everything to set.
	judgedAs := m
	if m.diagnoses {
		if judgedAs, err = lookupMode("deploy", getenv); err != nil {
			return err
		}
	}
	p.checks = preflight.Run(ctx, preflightMode(m, cfg), preflightChecks(p, m, judgedAs, facts.repository, hostEngineProbe(getenv)))
	if m.diagnoses {
		return m.run(ctx, p)
	}
	if err := errPreflight(m.name, p.checks); err != nil {
		return err
	}
	if m.needsAWS {
		session := p.aws
		p.readLock = stateLockReader(session.Config, endpoints.PathStyle)
		who := stdout
		if !m.needsEngine {
			who = stderr // the host-side modes' standard output is their data
		}
		fmt.Fprintf(who, "AWS account %s in %s, as %s\n", session.Account, p.cfg.region, session.ARN)
	}
	if m.confirm {
		if err := confirm(p, p.inCI, p.terminal); err != nil {
			return err
		}
	}
	if m.prepare != nil {
		if err := m.prepare(ctx, p); err != nil {
			return err
		}
	}
	if !m.needsEngine {
		// The host-side modes answer in well under a second: no engine,
		// and no run summary around data that a script may read.
		return m.run(ctx, p)
	}
	// The session lives until Close, not until the first interrupt, and
	// out of reach of a terminal's Ctrl-C: a Terraform apply that the
	// first interrupt lets finish runs in it.
	opts := []dagger.ClientOpt{dagger.WithLogOutput(stderr)}
	session, err := startEngineSession(ctx, getenv, os.Environ(), stderr)
	if err != nil {
		return err
	}
	if session != nil {
		opts = append(opts, dagger.WithConn(session))
	}
	dag, err := dagger.Connect(context.WithoutCancel(ctx), opts...)
	if err != nil {
		if session != nil {
			_ = session.Close() // the connect error is the one to report
		}
		return fmt.Errorf("starting the Dagger engine: %w", err)
	}
	defer func() { _ = dag.Close() }() // the run's own result matters more than a failed disconnect
	p.dag = dag

	runErr := m.run(ctx, p)
	p.result.Failed = runErr != nil && !errors.As(runErr, new(planChanges))
	p.result.FailedSteps = p.steps.failures()
	if err := p.result.Write(stdout, getenv("GITHUB_STEP_SUMMARY")); err != nil && runErr == nil {
		return err
	}
	if err := writeGitHubOutputs(getenv("GITHUB_OUTPUT"), imageOutputs(p.result.Published)); err != nil && runErr == nil {
		return err
	}
	return runErr
}

// endpointEnviron lists the host's AWS endpoint settings (AWS_ENDPOINT_URL
// and AWS_ENDPOINT_URL_<SERVICE>) as NAME=value. The names come from the
// process environment, the only list of them there is; the values come
// through getenv like every other setting.
func endpointEnviron(getenv func(string) string) []string {
	var settings []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "AWS_ENDPOINT_URL" || strings.HasPrefix(name, "AWS_ENDPOINT_URL_") {
			if v := getenv(name); v != "" {
				settings = append(settings, name+"="+v)
			}
		}
	}
	return settings
}

// summaryEnvironment is the environment a run is about: bootstrap sets up
// the account for every environment, so it names none.
func summaryEnvironment(m mode, cfg config) string {
	if m.name == "bootstrap" {
		return ""
	}
	return cfg.environment
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// isTerminal reports whether r is an interactive terminal, the only place
// where asking a question makes sense. Being a character device is not
// enough: /dev/null is one, and a prompt there reads EOF.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// hostEngineProbe looks at the real machine: the environment, PATH, and
// the container runtimes' own `info` commands.
func hostEngineProbe(getenv func(string) string) engineProbe {
	output := func(ctx context.Context, path string, args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
		if ctx.Err() != nil {
			return "", errors.New("no answer in time")
		}
		if err != nil {
			return "", fmt.Errorf("%w: %s", err, report.LastLine(string(out)))
		}
		return string(out), nil
	}
	return engineProbe{
		getenv:   getenv,
		lookPath: exec.LookPath,
		answers: func(ctx context.Context, path string, args ...string) error {
			_, err := output(ctx, path, args...)
			return err
		},
		output:        output,
		dial:          (&net.Dialer{}).DialContext,
		engineTimeout: engineAnswerTimeout,
	}
}
