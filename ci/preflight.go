package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// engineProbe is how the preflight looks at the machine; tests replace
// every part of it.
type engineProbe struct {
	getenv   func(string) string
	lookPath func(name string) (string, error)
	answers  func(ctx context.Context, path string, args ...string) error
}

// containerRuntimes are the runtimes the Dagger CLI can start its engine in.
func containerRuntimes() []string { return []string{"docker", "podman", "nerdctl", "finch"} }

const runtimeAnswerTimeout = 5 * time.Second

// runtimeHint says how to get a container runtime, for both ways of not
// having one.
const runtimeHint = "install Docker (https://docs.docker.com/get-docker/) or Podman, start it, and retry; or point _EXPERIMENTAL_DAGGER_RUNNER_HOST at a Dagger engine"

var errNoRuntime = errors.New("no container runtime found: " + runtimeHint)

// checkEngine fails within seconds, with one message saying what to do,
// when no Dagger engine can start; dagger.Connect would otherwise try to
// download its CLI and provision an engine before it failed.
func checkEngine(ctx context.Context, probe engineProbe) error {
	if probe.getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST") != "" {
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
