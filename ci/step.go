package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"dagger.io/dagger"

	"github.com/example/goship/ci/report"
)

// steps prints a start and a finish line, with the duration, around each
// step of a run. Steps run concurrently, so writes are serialised.
type steps struct {
	mu  sync.Mutex
	out io.Writer
	now func() time.Time
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
		return err
	}
	s.printf("✓ %s (%s)\n", name, took)
	return nil
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
type execFailure struct{ exec *dagger.ExecError }

func (e execFailure) Error() string {
	out := e.exec.Stderr
	if strings.TrimSpace(out) == "" {
		out = e.exec.Stdout
	}
	msg := fmt.Sprintf("`%s` exited %d", strings.Join(e.exec.Cmd, " "), e.exec.ExitCode)
	if tail := strings.TrimSpace(report.LastLines(out, 20)); tail != "" {
		msg += ":\n    " + strings.ReplaceAll(tail, "\n", "\n    ")
	}
	return msg
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
