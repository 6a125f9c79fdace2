package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/internal/tooltest"
)

// requireEngine skips the test, saying why, when no Dagger engine answers
// at _EXPERIMENTAL_DAGGER_RUNNER_HOST (the same probe run uses, so a dead
// address costs seconds, not the client's ten minutes of retries), and
// fails it instead when REQUIRE_TOOLS names engine. It returns the
// stand-in image flags the engine's env.sh describes.
func requireEngine(t *testing.T) []string {
	t.Helper()
	required := tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "engine")
	fail := func(format string, args ...any) {
		if required {
			t.Fatalf("an engine is required (REQUIRE_TOOLS names engine), but: "+format, args...)
		}
		t.Skipf("skipping: "+format, args...)
	}
	if os.Getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST") == "" {
		fail("_EXPERIMENTAL_DAGGER_RUNNER_HOST is unset (source the engine's env.sh; see ../shared/engine/RECIPE.md)")
		return nil
	}
	if err := checkEngine(t.Context(), hostEngineProbe(os.Getenv)); err != nil {
		fail("%v", err)
		return nil
	}
	var args []string
	for flag, env := range map[string]string{"--go-image": "GO_IMAGE", "--runtime-image": "RUNTIME_IMAGE", "--goproxy": "GOSHIP_CONTAINER_GOPROXY"} {
		v := os.Getenv(env)
		if v == "" {
			fail("%s is unset (source the engine's env.sh)", env)
			return nil
		}
		args = append(args, flag, v)
	}
	return args
}

// freePort returns a TCP port nothing listens on at the moment of asking.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestServeOnEngine builds the image on the real engine, serves it, gets
// /healthz through the tunnel, and stops serve by cancelling its context,
// as Ctrl-C does.
func TestServeOnEngine(t *testing.T) {
	images := requireEngine(t)
	port := freePort(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	out, outWriter := io.Pipe()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		args := append([]string{"serve", "--port", strconv.Itoa(port)}, images...)
		err := run(ctx, args, os.Getenv, strings.NewReader(""), outWriter, os.Stderr, nil)
		outWriter.CloseWithError(fmt.Errorf("serve returned: %v", err))
		done <- err
	}()
	lines := bufio.NewScanner(out)
	serving := false
	for !serving && lines.Scan() {
		serving = strings.HasPrefix(lines.Text(), "serving on ")
	}
	if !serving {
		t.Fatalf("serve never announced its port: %v", lines.Err())
	}
	go io.Copy(io.Discard, out)
	t.Logf("serving after %s", time.Since(start).Round(time.Second))
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz through the tunnel: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d %s, want 200", resp.StatusCode, body)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop within a minute of cancelling")
	}
}

// repoCopy copies the committed tree of this repository into a fresh
// directory, as its own git repository (check reads the commit), so a test
// can change the source without touching the checkout.
func repoCopy(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2" && cd "$2" && git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm copy`, "sh", root, dir)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("copying the repository: %v\n%s", err, out)
	}
	return dir
}

// TestCheckFailingTestOnEngine adds a failing Go test to a copy of the
// repository and runs check on the real engine: it must fail and name the
// test in its summary.
func TestCheckFailingTestOnEngine(t *testing.T) {
	images := requireEngine(t)
	dir := repoCopy(t)
	failing := "package main\n\nimport \"testing\"\n\nfunc TestEngineSeesThisFail(t *testing.T) { t.Fatal(\"deliberately failing\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "api", "engine_fail_test.go"), []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	commit := exec.Command("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "fail")
	commit.Dir = dir
	exec.Command("git", "-C", dir, "add", "-A").Run()
	if out, err := commit.CombinedOutput(); err != nil {
		t.Fatalf("committing the failing test: %v\n%s", err, out)
	}
	t.Chdir(dir)
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Minute)
	defer cancel()
	var stdout strings.Builder
	start := time.Now()
	err := run(ctx, append([]string{"check"}, images...), os.Getenv, strings.NewReader(""), &stdout, os.Stderr, nil)
	t.Logf("check took %s", time.Since(start).Round(time.Second))
	if err == nil {
		t.Fatalf("check passed with a failing test:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String()+err.Error(), "TestEngineSeesThisFail") {
		t.Errorf("check failed (%v) without naming TestEngineSeesThisFail:\n%s", err, stdout.String())
	}
}
