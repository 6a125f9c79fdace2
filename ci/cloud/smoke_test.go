package cloud

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fastRetries keeps the tests quick while still retrying.
func fastRetries(timeout time.Duration) RetryPolicy {
	return RetryPolicy{timeout: timeout, first: 10 * time.Millisecond, max: 40 * time.Millisecond}
}

// startAPI builds the real api with a known commit and version, starts it
// on a free port and returns its base URL.
func startAPI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping: builds and runs the api")
	}
	bin := filepath.Join(t.TempDir(), "api")
	build := exec.CommandContext(t.Context(), "go", "build", "-ldflags", "-X main.commit=abc123 -X main.version=v1.2.3", "-o", bin, "./api")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./api: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(cmd.Environ(), "PORT=0", "METRICS_PORT=0", "HOST=127.0.0.1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		defer close(addr)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "listening" {
				addr <- entry.Addr
				break
			}
		}
		for lines.Scan() { // keep draining so the api never blocks on a full pipe
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok || a == "" {
			t.Fatal("the api exited without logging its address")
		}
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("the api did not log a listening line within 30s")
	}
	return ""
}

func TestSmokeAgainstTheRealAPI(t *testing.T) {
	t.Parallel()
	base := startAPI(t)
	client := &http.Client{Timeout: 2 * time.Second}

	t.Run("version matches", func(t *testing.T) {
		t.Parallel()
		var progress bytes.Buffer
		info, err := Smoke(context.Background(), client, base+"/", "abc123", fastRetries(5*time.Second), &progress)
		if err != nil {
			t.Fatalf("smoke = %v\n%s", err, progress.String())
		}
		if info.Commit != "abc123" || info.Version != "v1.2.3" || progress.Len() != 0 {
			t.Errorf("smoke = %+v, progress %q", info, progress.String())
		}
	})
	t.Run("wrong commit fails clearly", func(t *testing.T) {
		t.Parallel()
		var progress bytes.Buffer
		_, err := Smoke(context.Background(), client, base, "def456", fastRetries(300*time.Millisecond), &progress)
		if err == nil || !strings.Contains(err.Error(), `GET /version reports commit "abc123", want "def456"`) {
			t.Errorf("smoke = %v, want a commit mismatch", err)
		}
		if !strings.Contains(progress.String(), "smoke attempt 2:") {
			t.Errorf("no retries before failing:\n%s", progress.String())
		}
	})
	t.Run("any commit for a rollback", func(t *testing.T) {
		t.Parallel()
		if _, err := Smoke(context.Background(), client, base, "", fastRetries(5*time.Second), &bytes.Buffer{}); err != nil {
			t.Error(err)
		}
	})
}

func TestSmokeClosedPort(t *testing.T) {
	t.Parallel()
	listener, err := new(net.ListenConfig).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + listener.Addr().String()
	_ = listener.Close() // closed on purpose: nothing listens on that port now

	var progress bytes.Buffer
	start := time.Now()
	_, err = Smoke(context.Background(), &http.Client{Timeout: time.Second}, base, "abc123", fastRetries(300*time.Millisecond), &progress)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("smoke = %v, want connection refused", err)
	}
	if attempts := strings.Count(progress.String(), "smoke attempt"); attempts < 2 {
		t.Errorf("%d attempts, want retries:\n%s", attempts, progress.String())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s, want about 300ms", took)
	}
}

func TestSmokeServerNeverAnswers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(server.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks handlers so Close returns

	start := time.Now()
	_, err := Smoke(context.Background(), &http.Client{}, server.URL, "abc123", fastRetries(200*time.Millisecond), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no answer before the deadline") {
		t.Errorf("smoke = %v, want a timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s, want about 200ms", took)
	}
}

func TestSmokeUnhealthy(t *testing.T) {
	t.Parallel()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	t.Cleanup(server.Close)
	_, err := Smoke(context.Background(), server.Client(), server.URL, "abc123", fastRetries(100*time.Millisecond), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "/healthz: status 503: draining") {
		t.Errorf("smoke = %v, want the healthz status and the start of its body", err)
	}
}

// TestSmokeLastAnswerExcerpt: a failed answer is quoted on one line, and
// a long one (a load balancer's error page) only by its start.
func TestSmokeLastAnswerExcerpt(t *testing.T) {
	t.Parallel()
	page := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("x", 500) + "</body></html>"
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, page)
	}))
	t.Cleanup(server.Close)
	_, err := Smoke(context.Background(), server.Client(), server.URL, "", fastRetries(100*time.Millisecond), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "status 502: <html> <head><title>502 Bad Gateway</title></head> <body>xxx") ||
		strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "</body>") {
		t.Errorf("smoke = %v, want the status and the start of the page on one line", err)
	}
}

// TestSmokeInterrupted: Ctrl-C during the smoke test says so, instead of
// blaming the service for a timeout that never came.
func TestSmokeInterrupted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	var progress bytes.Buffer
	out := writerFunc(func(p []byte) (int, error) {
		cancel() // the user presses Ctrl-C after the first failed attempt
		return progress.Write(p)
	})
	_, err := Smoke(ctx, srv.Client(), srv.URL, "", fastRetries(time.Hour), out)
	if err == nil || !strings.Contains(err.Error(), "interrupted after 1 attempts") || strings.Contains(err.Error(), "1h0m0s") {
		t.Errorf("smoke = %v, want an interruption, not a timeout", err)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
