package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this test binary as the real program, to see
// main's exit status and its handling of real signals.
func TestMain(m *testing.M) {
	if os.Getenv("API_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// mainCommand is the program as a child process, with env as its whole
// environment.
func mainCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = append([]string{"API_TEST_RUN_MAIN=1"}, env...)
	return cmd
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&configError{problems: []string{"invalid PORT"}}, 2},
		{fmt.Errorf("wrapped: %w", &configError{}), 2},
		{errors.New("listen: address in use"), 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestMainExitsTwoOnBadConfig(t *testing.T) {
	t.Parallel()
	cmd := mainCommand(t, []string{"PORT=abc"})
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit = %v, want status 2", err)
	}
	if want := "invalid PORT \"abc\": want an integer port 0-65535 (0 picks a free port)\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}

// startMain starts the program as a child process serving on loopback.
// next reads stdout up to the first log line with the given msg.
func startMain(t *testing.T, env ...string) (cmd *exec.Cmd, base string, next func(msg string) map[string]any) {
	t.Helper()
	cmd = mainCommand(t, append([]string{"HOST=127.0.0.1", "PORT=0", "METRICS_PORT=0"}, env...))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	next = func(msg string) map[string]any {
		t.Helper()
		for lines.Scan() {
			var line map[string]any
			if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
				t.Fatalf("stdout line %q is not JSON", lines.Text())
			}
			if line["msg"] == msg {
				return line
			}
		}
		t.Fatalf("stdout ended before a %q line", msg)
		return nil
	}
	return cmd, "http://" + next("listening")["addr"].(string), next
}

// waitExit waits for the child and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("wait: %v", err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("the process did not exit within %v", within)
		return 0
	}
}

// TestMainDrainsOnSIGTERM is what ECS does to the task: SIGTERM, then
// /readyz fails while requests are still served, then exit 0.
func TestMainDrainsOnSIGTERM(t *testing.T) {
	t.Parallel()
	cmd, base, next := startMain(t, "DRAIN_DELAY=1s", "SHUTDOWN_TIMEOUT=2s")
	client := newTestClient(t)
	if err := fetchOK(t.Context(), client, base+"/readyz"); err != nil {
		t.Fatalf("before SIGTERM: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	next("draining")
	if status, _, _ := get(t, client, base+"/readyz", nil); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while draining = %d, want 503", status)
	}
	if err := fetchOK(t.Context(), client, base+"/"); err != nil {
		t.Errorf("GET / while draining: %v", err)
	}
	next("stopped")
	if code := waitExit(t, cmd, 5*time.Second); code != 0 {
		t.Errorf("exit status = %d, want 0", code)
	}
}

// TestMainSecondSignalStops: someone at a terminal can cut a drain short.
func TestMainSecondSignalStops(t *testing.T) {
	t.Parallel()
	cmd, _, next := startMain(t, "DRAIN_DELAY=1m")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	next("draining")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 5*time.Second); code == 0 {
		t.Errorf("exit status = 0, want the death of an interrupted process")
	}
}
