package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
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
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
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
	var progress bytes.Buffer
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		args := append([]string{"serve", "--port", strconv.Itoa(port)}, images...)
		err := run(ctx, args, os.Getenv, strings.NewReader(""), outWriter, &progress, nil)
		outWriter.CloseWithError(errors.Join(errors.New("serve returned"), err))
		done <- err
	}()
	lines := bufio.NewScanner(out)
	serving := false
	for !serving && lines.Scan() {
		serving = strings.HasPrefix(lines.Text(), "serving on ")
	}
	if !serving {
		cancel()
		t.Fatalf("serve never announced its port (%v, %v)\nengine progress:\n%s", lines.Err(), <-done, lastLines(progress.String(), 80))
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	t.Logf("serving after %s", time.Since(start).Round(time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(port)+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /healthz through the tunnel: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d %s, want 200", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		t.Logf("serve stopped: %v", err)
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
	archive := exec.CommandContext(t.Context(), "sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2" && cd "$2" && git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm copy`, "sh", root, dir)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("copying the repository: %v\n%s", err, out)
	}
	return dir
}

// checkedCopy is a copy of the repository whose stacks pin the provider
// mirror's release, and the flags that run check there on the engine with
// that mirror and the stand-in images: what a machine without the
// Terraform registry does.
func checkedCopy(t *testing.T) (dir string, args []string) {
	t.Helper()
	images := requireEngine(t)
	mirror, version := awsProviderMirror(t)
	dir = repoCopy(t)
	pinStacksToMirror(t, dir, version)
	return dir, append([]string{"check", "--terraform-provider-mirror", mirror}, images...)
}

// checkOnEngine runs check in dir with args, in this process, and returns
// its standard output and error. The engine's progress is shown only when
// the test fails.
func checkOnEngine(t *testing.T, dir string, args []string) (string, error) {
	t.Helper()
	t.Chdir(dir)
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Minute)
	defer cancel()
	var stdout, progress bytes.Buffer
	start := time.Now()
	err := run(ctx, args, os.Getenv, strings.NewReader(""), &stdout, &progress, nil)
	t.Logf("check took %s", time.Since(start).Round(time.Second))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine progress:\n%s", lastLines(progress.String(), 120))
		}
	})
	return stdout.String(), err
}

// TestCheckOnEngine runs check on the real engine, offline: the stand-in
// images, the module proxy for containers and the provider mirror.
func TestCheckOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: runs the whole check pipeline")
	}
	dir, args := checkedCopy(t)
	out, err := checkOnEngine(t, dir, args)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	for _, want := range []string{"✓ test: go vet, go test -race", "✓ build and scan the image", "✓ terraform fmt and validate", "✓ scan infra/ and the Dockerfile", "check succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckFailingTestOnEngine adds a failing Go test to a copy of the
// repository and runs check on the real engine: it must fail and name the
// test in its summary, not the module downloads around it.
func TestCheckFailingTestOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: runs the whole check pipeline")
	}
	dir, args := checkedCopy(t)
	commitChange(t, dir, "api/engine_fail_test.go", "package main\n\nimport \"testing\"\n\nfunc TestEngineSeesThisFail(t *testing.T) { t.Fatal(\"deliberately failing\") }\n")
	out, err := checkOnEngine(t, dir, args)
	if err == nil {
		t.Fatalf("check passed with a failing test:\n%s", out)
	}
	if !strings.Contains(out, "✗ test: go vet, go test -race") || !strings.Contains(out, "TestEngineSeesThisFail") {
		t.Errorf("check failed (%v) without naming TestEngineSeesThisFail in the test step:\n%s", err, out)
	}
	if strings.Contains(out, "go: downloading") {
		t.Errorf("the failure shows module downloads:\n%s", out)
	}
}

// TestCheckBlockingDatabaseOnEngine points check at the engine's second
// vulnerability database, whose one extra advisory (GO-2099-9999, HIGH,
// stdlib before 1.27.5, fixed) the image's Go 1.27.4 is exposed to: the
// gate must stop check and print the finding.
func TestCheckBlockingDatabaseOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: runs the whole check pipeline")
	}
	dir, args := checkedCopy(t)
	db := os.Getenv("TRIVY_DB_REPOSITORY")
	repository, tag, ok := strings.Cut(db, "trivy-db:")
	if !ok || tag == "" {
		t.Skipf("TRIVY_DB_REPOSITORY=%q is not the engine's trivy-db (source its env.sh)", db)
	}
	out, err := checkOnEngine(t, dir, append(args, "--trivy-db-repository", repository+"trivy-db:blocking"))
	if err == nil {
		t.Fatalf("check passed with a blocking vulnerability in the database:\n%s", out)
	}
	for _, want := range []string{"✗ build and scan the image", "GO-2099-9999", "stdlib", "1.27.5"} {
		if !strings.Contains(out+err.Error(), want) {
			t.Errorf("the failed check does not show %q:\n%s\n%v", want, out, err)
		}
	}
}
