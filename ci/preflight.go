package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// engineProbe is how the preflight looks at the machine; tests replace
// every part of it.
type engineProbe struct {
	getenv   func(string) string
	lookPath func(name string) (string, error)
	answers  func(ctx context.Context, path string, args ...string) error
	// output runs a command and returns what it printed.
	output func(ctx context.Context, path string, args ...string) (string, error)
	// dial opens a connection to an engine address.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
	// engineTimeout bounds the probe of an engine address.
	engineTimeout time.Duration
}

// containerRuntimes are the runtimes the Dagger CLI can start its engine in.
func containerRuntimes() []string { return []string{"docker", "podman", "nerdctl", "finch"} }

const (
	runtimeAnswerTimeout = 5 * time.Second
	engineAnswerTimeout  = 3 * time.Second
)

// runtimeHint says how to get a container runtime, for both ways of not
// having one.
const runtimeHint = "install Docker (https://docs.docker.com/get-docker/) or Podman, start it, and retry; or point _EXPERIMENTAL_DAGGER_RUNNER_HOST at a Dagger engine"

var errNoRuntime = errors.New("no container runtime found: " + runtimeHint)

// checkEngine fails within seconds, with one message saying what to do,
// when no Dagger engine can start; dagger.Connect would otherwise try to
// download its CLI and provision an engine before it failed.
func checkEngine(ctx context.Context, probe engineProbe) error {
	if host := probe.getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST"); host != "" {
		// The Dagger client retries an address that does not answer for
		// up to 10 minutes: ask it once, briefly, first.
		ctx, cancel := context.WithTimeout(ctx, probe.engineTimeout)
		defer cancel()
		if err := probe.runnerAnswers(ctx, host); err != nil {
			return fmt.Errorf("no Dagger engine answers at _EXPERIMENTAL_DAGGER_RUNNER_HOST=%s: %w; start the engine there, or unset the variable to let Dagger start one in Docker or Podman", host, err)
		}
		return nil
	}
	// Inside `dagger run`, the session already exists.
	if probe.getenv("DAGGER_SESSION_PORT") != "" && probe.getenv("DAGGER_SESSION_TOKEN") != "" {
		return nil
	}
	var silent []string
	for _, runtime := range containerRuntimes() {
		path, err := probe.lookPath(runtime)
		if err != nil {
			continue
		}
		answerCtx, cancel := context.WithTimeout(ctx, runtimeAnswerTimeout)
		err = probe.answers(answerCtx, path, "info")
		cancel()
		if err == nil {
			return nil
		}
		silent = append(silent, fmt.Sprintf("`%s info`: %v", runtime, err))
	}
	if len(silent) > 0 {
		return fmt.Errorf("no container runtime is answering (%s): start it, or %s", strings.Join(silent, "; "), runtimeHint)
	}
	return errNoRuntime
}

// http2Preface is what a gRPC client sends first; the engine (a gRPC
// server) answers it with its SETTINGS frame. A socket whose listener
// never accepts still completes the connection in the kernel's backlog,
// so connecting alone proves nothing.
var http2Preface = append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)

// runnerAnswers asks the engine at a runner-host URL for a sign of life:
// a socket that answers the gRPC preface, or a container or pod that is
// running. Schemes it does not know are left to the Dagger client.
func (probe engineProbe) runnerAnswers(ctx context.Context, host string) error {
	u, err := url.Parse(host)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	switch u.Scheme {
	case "unix":
		return probe.socketAnswers(ctx, "unix", u.Path)
	case "tcp":
		return probe.socketAnswers(ctx, "tcp", u.Host)
	case "docker-container", "podman-container":
		runtime := strings.TrimSuffix(u.Scheme, "-container")
		return probe.commandSays(ctx, "true", runtime, "inspect", "--format", "{{.State.Running}}", u.Host)
	case "kube-pod":
		args := []string{"get", "pod", u.Host, "--output", "jsonpath={.status.phase}"}
		if ns := u.Query().Get("namespace"); ns != "" {
			args = append(args, "--namespace", ns)
		}
		if kubeContext := u.Query().Get("context"); kubeContext != "" {
			args = append(args, "--context", kubeContext)
		}
		return probe.commandSays(ctx, "Running", "kubectl", args...)
	}
	return nil
}

func (probe engineProbe) socketAnswers(ctx context.Context, network, address string) error {
	conn, err := probe.dial(ctx, network, address)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Err != nil {
			err = opErr.Err
		}
		return fmt.Errorf("%s %s: %w", network, address, err)
	}
	defer func() { _ = conn.Close() }() // only the answer matters
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline) // a failure shows as no answer below
	}
	if _, err := conn.Write(http2Preface); err != nil {
		return fmt.Errorf("%s %s: %w", network, address, err)
	}
	var answer [1]byte
	if _, err := conn.Read(answer[:]); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%s %s accepted a connection but sent nothing within %s", network, address, probe.engineTimeout)
		}
		return fmt.Errorf("%s %s closed the connection without answering (%w)", network, address, err)
	}
	return nil
}

// commandSays runs a runtime's own command and checks its answer.
func (probe engineProbe) commandSays(ctx context.Context, want, name string, args ...string) error {
	path, err := probe.lookPath(name)
	if err != nil {
		return fmt.Errorf("%s is not on PATH to look for it", name)
	}
	out, err := probe.output(ctx, path, args...)
	if err != nil {
		return fmt.Errorf("`%s %s`: %w", name, strings.Join(args, " "), err)
	}
	if got := strings.TrimSpace(out); got != want {
		return fmt.Errorf("`%s %s` says %q, want %q", name, strings.Join(args, " "), got, want)
	}
	return nil
}
