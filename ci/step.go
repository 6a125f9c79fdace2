package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"dagger.io/dagger"

	"github.com/example/goship/ci/report"
)

// steps prints a start and a finish line, with the duration, around each
// step of a run. Steps run concurrently, so writes are serialised.
type steps struct {
	mu     sync.Mutex
	out    io.Writer
	now    func() time.Time
	failed []report.FailedStep
}

func newSteps(out io.Writer, now func() time.Time) *steps {
	return &steps{out: out, now: now}
}

// run runs fn as the named step and returns its error, with the end of
// the failed command's output when a container command failed.
func (s *steps) run(name string, fn func() error) error {
	start := s.now()
	s.printf("▶ %s\n", name)
	err := withExecOutput(fn())
	took := s.now().Sub(start).Round(100 * time.Millisecond)
	if err != nil {
		s.printf("✗ %s failed after %s\n", name, took)
		s.mu.Lock()
		s.failed = append(s.failed, report.FailedStep{Name: name, Reason: failureReason(err)})
		s.mu.Unlock()
		return err
	}
	s.printf("✓ %s (%s)\n", name, took)
	return nil
}

// failures are the steps that failed so far, in the order they failed.
func (s *steps) failures() []report.FailedStep {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failed)
}

// failureReason is one line saying why a step failed: the error's first
// line and, when that only introduces the output ("... exited 1:"), the
// first line of the output too.
func failureReason(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	reason := strings.TrimSpace(lines[0])
	if strings.HasSuffix(reason, ":") {
		for _, l := range lines[1:] {
			if l = strings.TrimSpace(l); l != "" {
				reason += " " + l
				break
			}
		}
	}
	return report.FirstLine(reason)
}

// printf writes one line that no concurrent step can interleave with.
func (s *steps) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format, args...)
}

// execFailure is a command that failed in a container, told with the end
// of its output. The SDK's own ExecError message stops at "exit code: 1",
// leaving the reason (a Terraform error, a failing test) in the engine's
// log far above.
type execFailure struct {
	exec *dagger.ExecError
	// what names the command, when its arguments alone do not say where
	// it ran (the same terraform command runs in three stacks).
	what string
	// explain picks the part of the output that explains the failure;
	// streamEnds when nil.
	explain func(stdout, stderr string) string
}

func (e execFailure) Error() string {
	what := e.what
	if what == "" {
		what = "`" + strings.Join(e.exec.Cmd, " ") + "`"
	}
	explain := e.explain
	if explain == nil {
		explain = streamEnds
	}
	msg := fmt.Sprintf("%s exited %d", what, e.exec.ExitCode)
	if why := explain(e.exec.Stdout, e.exec.Stderr); why != "" {
		msg += ":\n" + indent(why)
	}
	return msg
}

// streamEnds is the end of both of a command's streams: tools disagree on
// which one carries the reason (go test prints failures on stdout while
// its downloads fill stderr; Terraform's errors go to stderr).
func streamEnds(stdout, stderr string) string {
	const lines = 20
	stdout, stderr = strings.TrimSpace(report.LastLines(stdout, lines)), strings.TrimSpace(report.LastLines(stderr, lines))
	switch {
	case stdout == "":
		return stderr
	case stderr == "":
		return stdout
	}
	return "stdout:\n" + stdout + "\nstderr:\n" + stderr
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func (e execFailure) Unwrap() error { return e.exec }

// withExecOutput replaces a container command's failure with one that
// shows the command's last lines of output. Output of commands given a
// secret is scrubbed by the engine before it reaches the SDK.
func withExecOutput(err error) error {
	var exec *dagger.ExecError
	if err == nil || !errors.As(err, &exec) {
		return err
	}
	var already execFailure
	if errors.As(err, &already) {
		return err
	}
	return execFailure{exec: exec}
}
