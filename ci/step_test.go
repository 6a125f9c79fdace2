package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"
)

func TestSteps(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time {
		clock = clock.Add(1500 * time.Millisecond)
		return clock
	}
	var out bytes.Buffer
	s := newSteps(&out, now)
	if err := s.run("build", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := s.run("scan", func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("run returned %v, want the step's error", err)
	}
	want := "▶ build\n✓ build (1.5s)\n▶ scan\n✗ scan failed after 1.5s\n"
	if out.String() != want {
		t.Errorf("output =\n%s\nwant\n%s", out.String(), want)
	}
}

// TestStepShowsExecOutput checks that a failed container command reports
// why it failed: the SDK's ExecError message ends at the exit code.
func TestStepShowsExecOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		exec *dagger.ExecError
		want []string
	}{
		{"terraform writes to stderr", &dagger.ExecError{Cmd: []string{"terraform", "plan"}, ExitCode: 1,
			Stdout: "Refreshing state...\n", Stderr: "\nError: No valid credential sources found\n\n  with provider[\"registry.terraform.io/hashicorp/aws\"]\n"},
			[]string{"`terraform plan` exited 1", "Error: No valid credential sources found"}},
		{"go test writes to stdout", &dagger.ExecError{Cmd: []string{"go", "test", "./..."}, ExitCode: 1,
			Stdout: "--- FAIL: TestHealthz (0.00s)\nFAIL\tgithub.com/example/goship/api\n"},
			[]string{"`go test ./...` exited 1", "--- FAIL: TestHealthz"}},
		{"failure on stdout, downloads on stderr", &dagger.ExecError{Cmd: []string{"go", "vet", "./..."}, ExitCode: 1,
			Stdout: "api/x.go:3:2: unreachable code\n", Stderr: strings.Repeat("go: downloading example.com/m v1.0.0\n", 30)},
			[]string{"`go vet ./...` exited 1", "unreachable code", "go: downloading"}},
	}
	for _, tt := range tests {
		s := newSteps(&bytes.Buffer{}, time.Now)
		err := s.run(tt.name, func() error { return tt.exec })
		var exec *dagger.ExecError
		if !errors.As(err, &exec) {
			t.Errorf("%s: the ExecError is lost: %v", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q:\n%s", tt.name, w, err)
			}
		}
	}
}

// TestGoTestFailure checks that a failed go test on a cold module cache
// shows the failed tests, not the `go: downloading` lines that fill
// stderr. testdata/gotest-failed.json is the real stdout of
// `go test -json ./...` over a module with a failing assertion, subtest
// and panic.
func TestGoTestFailure(t *testing.T) {
	t.Parallel()
	stdout, err := os.ReadFile("testdata/gotest-failed.json")
	if err != nil {
		t.Fatal(err)
	}
	stderr := strings.Repeat("go: downloading github.com/aws/aws-sdk-go-v2 v1.48.0\n", 40)
	msg := goTestFailure(1, string(stdout), stderr).Error()
	for _, want := range []string{"`go test -race -json ./api/...` exited 1", "3 failures:",
		"--- FAIL: TestBad (example.com/gt/a)", "want 1, got 2", "--- FAIL: TestSub/inner", "inner broke", "panic: boom"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	for _, unwanted := range []string{"go: downloading", "fine", `"Action"`} {
		if strings.Contains(msg, unwanted) {
			t.Errorf("message shows %q:\n%s", unwanted, msg)
		}
	}

	// When the go command fails before any test runs, stdout names no
	// failure and both streams' ends are the explanation.
	msg = goTestFailure(1, "", "go: downloading x v1\ngo: example.com/x@v1: verifying module: checksum mismatch\n").Error()
	if !strings.Contains(msg, "checksum mismatch") {
		t.Errorf("message lacks the go command's own error:\n%s", msg)
	}
}
