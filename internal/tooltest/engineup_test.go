package tooltest

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeEngineHome lays out an ENGINE_HOME whose up.sh starts a stand-in
// engine: a process named like the real one ($ENGINE_HOME/engine-ns.sh)
// that listens on run/engine.sock before up.sh returns, as the real up.sh
// waits for the socket. up.sh leaves a mark so a test can tell it ran.
func fakeEngineHome(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipping: python3 is not on PATH (.ci/engine-up asks the engine's socket with it)")
	}
	// A unix socket path must stay under about 100 bytes; t.TempDir can be longer.
	home, err := os.MkdirTemp("", "engine")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(home, "run", "engine.pid")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
				_ = syscall.Kill(n, syscall.SIGKILL)
			}
		}
		_ = os.RemoveAll(home)
	})
	files := map[string]string{
		"engine-ns.sh": `import os, socket, sys
run = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(os.path.join(run, "engine.sock"))
s.listen()
pid = os.fork()
if pid:
    open(os.path.join(run, "engine.pid"), "w").write(str(pid))
    sys.exit(0)
os.setsid()
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
while True:
    s.accept()[0].close()
`,
		"up.sh": `#!/bin/bash
set -eu
mkdir -p "$ENGINE_HOME/run"
echo ran >> "$ENGINE_HOME/up.ran"
python3 "$ENGINE_HOME/engine-ns.sh" "$ENGINE_HOME/run"
`,
		"down.sh": `#!/bin/bash
kill "$(cat "$ENGINE_HOME/run/engine.pid")" 2>/dev/null || true
rm -f "$ENGINE_HOME/run/engine.pid"
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(home, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(home, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	return home
}

// engineUp runs .ci/engine-up against home and returns what it printed on
// stdout (its verdict) and stderr.
func engineUp(t *testing.T, home string) (verdict, log string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", "../../.ci/engine-up")
	cmd.Env = append(os.Environ(), "ENGINE_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf(".ci/engine-up: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), stderr.String()
}

func upRan(t *testing.T, home string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(home, "up.ran"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func answers(t *testing.T, socket string) bool {
	t.Helper()
	var dialer net.Dialer
	conn, err := dialer.DialContext(t.Context(), "unix", socket)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// TestEngineUpRestartsAStaleEngine: a machine restored from a snapshot keeps
// the engine's socket file and pid files after its processes are gone. CI
// once trusted the socket file and then required engine tests that could
// only fail with "connection refused". engine-up must start the engine, and
// must clear a pid file that now names somebody else's process without
// touching that process.
func TestEngineUpRestartsAStaleEngine(t *testing.T) {
	t.Parallel()
	home := fakeEngineHome(t)
	run := filepath.Join(home, "run")
	socket := filepath.Join(run, "engine.sock")

	var listen net.ListenConfig
	stale, err := listen.Listen(t.Context(), "unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := stale.Close(); err != nil {
		t.Fatal(err)
	}
	if answers(t, socket) {
		t.Fatal("the stale socket answers; the test cannot tell a stale engine from a live one")
	}
	dead := exec.CommandContext(t.Context(), "true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	writePid := func(name string, pid int) {
		if err := os.WriteFile(filepath.Join(run, name+".pid"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writePid("engine", dead.Process.Pid)
	writePid("registry", os.Getpid()) // alive, but not the registry
	if err := os.WriteFile(filepath.Join(run, "engine.mntns"), []byte("mnt:[1]"), 0o644); err != nil {
		t.Fatal(err)
	}

	verdict, log := engineUp(t, home)

	if verdict != "started" {
		t.Errorf("engine-up printed %q, want %q (the caller must stop what it started)", verdict, "started")
	}
	if !upRan(t, home) {
		t.Error("engine-up did not run up.sh over a stale socket")
	}
	if !answers(t, socket) {
		t.Error("no engine answers after engine-up")
	}
	if _, err := os.Stat(filepath.Join(run, "registry.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("registry.pid naming another process was kept (stat: %v); up.sh would take that process for the registry", err)
	}
	if _, err := os.Stat(filepath.Join(run, "engine.mntns")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the gone engine's engine.mntns was kept (stat: %v); down.sh would stop processes by a stale namespace id", err)
	}
	if !strings.Contains(log, "clearing stale registry state") {
		t.Errorf("engine-up did not say it cleared stale state; it printed:\n%s", log)
	}
}

// TestEngineUpLeavesARunningEngine: an engine that answers is used as it is;
// it is not restarted, and the caller is told not to stop it.
func TestEngineUpLeavesARunningEngine(t *testing.T) {
	t.Parallel()
	home := fakeEngineHome(t)
	socket := filepath.Join(home, "run", "engine.sock")
	var listen net.ListenConfig
	running, err := listen.Listen(t.Context(), "unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	go func() {
		for {
			conn, err := running.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()

	verdict, _ := engineUp(t, home)

	if verdict != "running" {
		t.Errorf("engine-up printed %q, want %q", verdict, "running")
	}
	if upRan(t, home) {
		t.Error("engine-up ran up.sh although an engine answered")
	}
}

// TestEngineUpStopsAKilledEnginesLeftovers: an engine killed with SIGKILL
// leaves its dnsmasq running in its private mount namespace, holding the
// bridge's DNS port, and the next engine dies at start ("dnsmasq exited").
// engine-up stops what is left in that namespace, and nothing outside it,
// even a process of the same name.
func TestEngineUpStopsAKilledEnginesLeftovers(t *testing.T) {
	t.Parallel()
	home := fakeEngineHome(t)
	run := filepath.Join(home, "run")

	leftover := exec.CommandContext(t.Context(), "unshare", "--mount", "--propagation", "private",
		"bash", "-c", "exec -a dnsmasq sleep 600")
	if err := leftover.Start(); err != nil {
		t.Skipf("skipping: cannot start a process in a new mount namespace (unshare needs CAP_SYS_ADMIN): %v", err)
	}
	leftoverDone := make(chan error, 1)
	go func() { leftoverDone <- leftover.Wait() }()
	bystander := exec.CommandContext(t.Context(), "bash", "-c", "exec -a dnsmasq sleep 600")
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bystander.Process.Kill(); _ = bystander.Wait() })

	// The namespace id the real up.sh records for its engine.
	var ns string
	for ns == "" || ns == selfMountNamespace(t) {
		select {
		case err := <-leftoverDone:
			t.Skipf("skipping: unshare exited at once (%v); this machine cannot make mount namespaces", err)
		default:
		}
		ns, _ = os.Readlink(filepath.Join("/proc", strconv.Itoa(leftover.Process.Pid), "ns", "mnt"))
	}
	if err := os.WriteFile(filepath.Join(run, "engine.mntns"), []byte(ns), 0o644); err != nil {
		t.Fatal(err)
	}
	dead := exec.CommandContext(t.Context(), "true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "engine.pid"), []byte(strconv.Itoa(dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}

	verdict, log := engineUp(t, home)

	if verdict != "started" {
		t.Errorf("engine-up printed %q, want %q", verdict, "started")
	}
	// engine-up has sent SIGKILL before it returned; the bound only turns a
	// leftover that lives on into a failure instead of a hang.
	select {
	case err := <-leftoverDone:
		t.Logf("the leftover stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Errorf("the leftover in the gone engine's namespace still runs; engine-up printed:\n%s", log)
	}
	if err := bystander.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process of the same name outside the engine's namespace was stopped: %v", err)
	}
}

func selfMountNamespace(t *testing.T) string {
	t.Helper()
	ns, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Skipf("skipping: no /proc/self/ns/mnt: %v", err)
	}
	return ns
}
