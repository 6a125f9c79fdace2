// Package moto starts the moto AWS API emulator (https://github.com/getmoto/moto)
// for tests that apply Terraform or call the AWS SDK without an AWS account.
//
// Start runs moto 5.2.1's server through server.py (internal/moto/script), which
// fills the gaps of that release the tests hit; it listens on 127.0.0.1 on a
// port the kernel picks and is stopped when the test ends. A test skips when
// moto is missing, unless REQUIRE_TOOLS names "moto" (as .ci/run does): then
// it fails, so CI can never pass by skipping.
package moto

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/example/goship/internal/moto/script"
	"github.com/example/goship/internal/tooltest"
)

// Region is the region every client of the emulator uses.
const Region = "us-east-1"

// AccountID is the account moto answers for (its default).
const AccountID = "123456789012"

// startTimeout bounds moto's start: importing every moto backend takes a
// few seconds on an idle machine and much longer on a loaded one.
const startTimeout = 90 * time.Second

// Options tune the emulator for what a test needs.
type Options struct {
	// ECSServiceRunning is the running task count moto reports for every
	// ECS service it creates (MOTO_ECS_SERVICE_RUNNING): moto runs no tasks,
	// and without it a service never reaches its desired count, so
	// Terraform's wait_for_steady_state never returns. Set it to the
	// service's desired count.
	ECSServiceRunning int
}

// Server is a running moto server.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT: the value of
	// AWS_ENDPOINT_URL for every AWS SDK and the hashicorp/aws provider.
	Endpoint string
}

// Start starts a moto server for the test and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	python := pythonWithMoto(t)

	dir := t.TempDir()
	serverPath := filepath.Join(dir, "server.py")
	if err := os.WriteFile(serverPath, script.Server, 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The child holds its own descriptor for the file once started.
	defer func() { _ = logFile.Close() }()

	// Not tied to the test's context: that ends before the cleanups run,
	// and the cleanup below stops the server itself.
	cmd := exec.CommandContext(context.WithoutCancel(t.Context()), python, "-u", serverPath)
	cmd.Dir = dir
	cmd.Env = append(withoutAWS(os.Environ()),
		"MOTO_ECS_SERVICE_RUNNING="+strconv.Itoa(opts.ECSServiceRunning),
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION="+Region,
	)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto (%s %s): %v", python, serverPath, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// moto holds nothing worth a clean shutdown.
		_ = cmd.Process.Kill()
		exit := <-exited
		if t.Failed() {
			t.Logf("moto (%v) log, last lines:\n%s", exit, tail(logPath, 40))
		}
	})

	// server.py prints its port once the socket is bound: no guessed free
	// port that another process could take, and no polling.
	port := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if p, ok := strings.CutPrefix(scanner.Text(), "listening on "); ok {
				port <- p
				return
			}
		}
	}()
	var endpoint string
	select {
	case p := <-port:
		endpoint = "http://127.0.0.1:" + p
	case err := <-exited:
		exited <- err
		t.Fatalf("moto exited before it listened: %v\n%s", err, tail(logPath, 40))
	case <-time.After(startTimeout):
		t.Fatalf("moto did not listen within %s\n%s", startTimeout, tail(logPath, 40))
	}

	// The socket is bound, so a request waits for the server loop instead of
	// being refused; this proves moto answers before any test uses it.
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/data.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto at %s does not answer: %v\n%s", endpoint, err, tail(logPath, 40))
	}
	_ = resp.Body.Close() // nothing read: a close error changes nothing
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto at %s answers %s to its own API", endpoint, resp.Status)
	}
	return &Server{Endpoint: endpoint}
}

// Environ returns base without any AWS_ variable, plus what a child process
// (terraform, the pipeline) needs to talk to this server and nothing else:
// the endpoint, fake credentials, the region, and no instance metadata
// lookups. No real credentials, profile or endpoint of the developer's can
// reach a real account through it.
func (s *Server) Environ(base []string) []string {
	return append(withoutAWS(base),
		"AWS_ENDPOINT_URL="+s.Endpoint,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION="+Region,
		"AWS_DEFAULT_REGION="+Region,
		"AWS_EC2_METADATA_DISABLED=true",
	)
}

// AWSConfig is an AWS SDK v2 configuration that sends every call to this
// server with fake credentials. It reads no environment or shared files, so
// a developer's own AWS profile cannot leak in.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// pythonWithMoto returns a Python interpreter that can import moto, or
// skips (or fails, when REQUIRE_TOOLS names moto) the test.
func pythonWithMoto(t testing.TB) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		var out []byte
		out, err = exec.CommandContext(t.Context(), python, "-c", "import moto, werkzeug; print(moto.__version__)").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%s cannot import moto: %w\n%s", python, err, bytes.TrimSpace(out))
		}
	}
	if err == nil {
		return python
	}
	if tooltest.Required(os.Getenv("REQUIRE_TOOLS"), "moto") {
		t.Fatalf("moto is required (REQUIRE_TOOLS=%q) but not usable: %v (install it with: pip install 'moto[server]==5.2.1')", os.Getenv("REQUIRE_TOOLS"), err)
	}
	t.Skipf("skipping: moto is not installed (pip install 'moto[server]==5.2.1'): %v", err)
	return ""
}

// withoutAWS drops every AWS_ variable, so no real credentials, profile or
// endpoint of the developer's reaches the emulator or its clients.
func withoutAWS(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
