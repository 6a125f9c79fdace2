package main

import (
	"bytes"
	"errors"
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
