package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runningServer is run() serving on loopback ports the OS picked.
type runningServer struct {
	addr, metricsAddr string
	logs              *logSink
	cancel            context.CancelFunc
	done              chan error
}

// startRun starts run as main would, with env on top of test defaults, and
// waits for its "listening" line.
func startRun(t *testing.T, env map[string]string) *runningServer {
	t.Helper()
	full := map[string]string{"PORT": "0", "METRICS_PORT": "0", "HOST": "127.0.0.1", "DRAIN_DELAY": "0s"}
	maps.Copy(full, env)
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{logs: newLogSink(), cancel: cancel, done: make(chan error, 1)}
	var stderr strings.Builder
	go func() { s.done <- run(ctx, []string{"api"}, envOf(full), s.logs, &stderr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-s.done; err != nil {
			t.Errorf("run = %v, want nil after cancel", err)
		}
	})

	listening := s.logs.waitFor(t, map[string]any{"msg": "listening"}, 10*time.Second)
	s.addr, _ = listening.fields["addr"].(string)
	s.metricsAddr, _ = listening.fields["metrics_addr"].(string)
	for _, addr := range []string{s.addr, s.metricsAddr} {
		if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
			t.Fatalf("listening line %s: want the bound 127.0.0.1 addresses", listening.raw)
		}
	}
	return s
}

// stop cancels run's context, as SIGTERM would, and returns run's result.
func (s *runningServer) stop(t *testing.T, within time.Duration) error {
	t.Helper()
	s.cancel()
	return s.wait(t, within)
}

func (s *runningServer) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(within):
		t.Fatalf("run did not return within %v", within)
		return nil
	}
}

func newTestClient(t *testing.T) *http.Client {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

// get fetches url with the given request headers and fails the test on a
// transport error.
func get(t *testing.T, client *http.Client, url string, header http.Header) (status int, _ http.Header, body []byte) {
	t.Helper()
	return do(t, client, http.MethodGet, url, header, nil)
}

func do(t *testing.T, client *http.Client, method, url string, header http.Header, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resBody, err := io.ReadAll(res.Body)
	if closeErr := res.Body.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res.StatusCode, res.Header, resBody
}

func TestRunEndToEnd(t *testing.T) {
	t.Parallel()
	s := startRun(t, nil)
	client := newTestClient(t)
	base := "http://" + s.addr

	t.Run("endpoints", func(t *testing.T) {
		tests := []struct {
			path       string
			wantStatus int
			wantFields map[string]any
		}{
			{"/", 200, map[string]any{"service": "api", "message": "API is running"}},
			{"/healthz", 200, map[string]any{"status": "healthy"}},
			{"/health", 200, map[string]any{"status": "healthy"}},
			{"/readyz", 200, map[string]any{"status": "ready"}},
			{"/version", 200, map[string]any{"service": "api"}},
		}
		for _, tt := range tests {
			status, header, body := get(t, client, base+tt.path, nil)
			if status != tt.wantStatus || header.Get("Content-Type") != "application/json" {
				t.Errorf("GET %s = %d %s, want %d application/json", tt.path, status, header.Get("Content-Type"), tt.wantStatus)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("GET %s: body %s: %v", tt.path, body, err)
			}
			for k, v := range tt.wantFields {
				if got[k] != v {
					t.Errorf("GET %s: %s = %v, want %v", tt.path, k, got[k], v)
				}
			}
		}
		_, _, body := get(t, client, base+"/version", nil)
		var version map[string]string
		if err := json.Unmarshal(body, &version); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"service", "version", "commit", "build_time", "go_version"} {
			if version[key] == "" {
				t.Errorf("/version lacks %s: %s", key, body)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		status, _, body := get(t, client, base+"/metrics", nil)
		if status != http.StatusNotFound {
			t.Errorf("GET /metrics on the public port = %d, want 404", status)
		}
		assertErrorBody(t, body, "not_found")

		status, header, body := do(t, client, http.MethodPost, base+"/healthz", nil, strings.NewReader("{}"))
		if status != http.StatusMethodNotAllowed || header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST /healthz = %d Allow %q, want 405 Allow \"GET, HEAD\"", status, header.Get("Allow"))
		}
		assertErrorBody(t, body, "method_not_allowed")
	})

	t.Run("request id and access log", func(t *testing.T) {
		_, header, body := get(t, client, base+"/", http.Header{"X-Request-Id": {"e2e-trace-1"}, "X-Forwarded-For": {"198.51.100.23"}})
		if got := header.Get("X-Request-Id"); got != "e2e-trace-1" {
			t.Errorf("X-Request-Id = %q, want the incoming e2e-trace-1", got)
		}
		line := s.logs.waitFor(t, map[string]any{"msg": "request", "request_id": "e2e-trace-1"}, 5*time.Second)
		want := map[string]any{
			"method": "GET", "path": "/", "route": "/", "status": float64(200), "bytes": float64(len(body)),
			"client_ip": "198.51.100.23",
		}
		for k, v := range want {
			if line.fields[k] != v {
				t.Errorf("access log %s = %v, want %v in %s", k, line.fields[k], v, line.raw)
			}
		}
		if _, ok := line.fields["duration_ms"].(float64); !ok {
			t.Errorf("access log lacks a numeric duration_ms: %s", line.raw)
		}
	})

	t.Run("metrics port", func(t *testing.T) {
		status, _, body := get(t, client, "http://"+s.metricsAddr+"/metrics", nil)
		if status != http.StatusOK {
			t.Fatalf("GET metrics /metrics = %d, want 200", status)
		}
		for _, want := range []string{`http_requests_total{code="200",method="GET",route="/healthz"} 1`, "go_goroutines "} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})

	if err := s.stop(t, 10*time.Second); err != nil {
		t.Fatalf("run = %v, want nil after cancel", err)
	}
	s.logs.waitFor(t, map[string]any{"msg": "stopped"}, time.Second)
	for _, line := range s.logs.all() {
		if line.fields == nil {
			t.Errorf("stdout line is not JSON: %s", line.raw)
		}
	}
}

// TestRunDrains shuts down under load: every request before Shutdown starts
// must succeed, /readyz must say 503 meanwhile, and run must return nil in
// time.
func TestRunDrains(t *testing.T) {
	t.Parallel()
	const drainDelay, shutdownTimeout = 500 * time.Millisecond, 5 * time.Second
	s := startRun(t, map[string]string{"DRAIN_DELAY": drainDelay.String(), "SHUTDOWN_TIMEOUT": shutdownTimeout.String()})
	base := "http://" + s.addr
	client := newTestClient(t)

	type outcome struct {
		at  time.Time
		err error
	}
	var (
		mu        sync.Mutex
		outcomes  []outcome
		succeeded atomic.Int64
		warm      = make(chan struct{})
		warmOnce  sync.Once
		stop      = make(chan struct{})
		clients   sync.WaitGroup
	)
	for i := range 8 {
		path := []string{"/", "/healthz"}[i%2]
		clients.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := fetchOK(context.Background(), client, base+path)
				mu.Lock()
				outcomes = append(outcomes, outcome{at: time.Now(), err: err})
				mu.Unlock()
				if err == nil && succeeded.Add(1) >= 200 {
					warmOnce.Do(func() { close(warm) })
				}
			}
		})
	}
	select {
	case <-warm:
	case <-time.After(10 * time.Second):
		t.Fatalf("clients did not get 200 responses going; %d so far", succeeded.Load())
	}

	cancelled := time.Now()
	s.cancel()

	readyzClient := newTestClient(t)
	var notReadyAt time.Time
	for deadline := time.Now().Add(5 * time.Second); notReadyAt.IsZero(); {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 503 after shutdown began")
		}
		if status, _, _ := get(t, readyzClient, base+"/readyz", nil); status == http.StatusServiceUnavailable {
			notReadyAt = time.Now()
		}
	}

	shuttingDown := s.logs.waitFor(t, map[string]any{"msg": "shutting down"}, 10*time.Second)
	close(stop)
	clients.Wait()
	if err := s.wait(t, drainDelay+shutdownTimeout); err != nil {
		t.Fatalf("run = %v, want nil", err)
	}
	if elapsed := time.Since(cancelled); elapsed > drainDelay+shutdownTimeout {
		t.Errorf("run took %v after cancel, want at most DRAIN_DELAY + SHUTDOWN_TIMEOUT", elapsed)
	}

	draining := s.logs.find(map[string]any{"msg": "draining"})
	if len(draining) != 1 {
		t.Fatalf("want one draining line:\n%s", s.logs.dump())
	}
	if kept := shuttingDown.at.Sub(draining[0].at); kept < drainDelay {
		t.Errorf("served for %v after shutdown began, want at least DRAIN_DELAY %v", kept, drainDelay)
	}
	if !notReadyAt.Before(shuttingDown.at) {
		t.Errorf("/readyz first said 503 at %v, after Shutdown began at %v", notReadyAt, shuttingDown.at)
	}
	var servedWhileDraining int
	for _, o := range outcomes {
		if !o.at.Before(shuttingDown.at) {
			continue // Shutdown closes the listener; later failures are expected
		}
		if o.err != nil {
			t.Errorf("request failed before Shutdown began: %v", o.err)
		}
		if o.at.After(draining[0].at) {
			servedWhileDraining++
		}
	}
	if servedWhileDraining == 0 {
		t.Error("no request was served while draining")
	}
	t.Logf("%d requests, %d of them while draining", len(outcomes), servedWhileDraining)
}

// fetchOK is GET that reports anything but a complete 200 as an error, for
// clients that run outside the test goroutine and cannot fail it.
func fetchOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	if closeErr := res.Body.Close(); err == nil {
		err = closeErr
	}
	if err == nil && res.StatusCode != http.StatusOK {
		err = errors.New(url + ": " + res.Status)
	}
	return err
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"PORT": "abc"}, `invalid PORT "abc": want an integer port 0-65535`},
		{nil, map[string]string{"METRICS_PORT": "99999"}, `invalid METRICS_PORT "99999"`},
		{nil, map[string]string{"HOST": "bad host"}, `invalid HOST "bad host"`},
		{nil, map[string]string{"LOG_LEVEL": "loud"}, `invalid LOG_LEVEL "loud": want one of debug, info, warn, error`},
		{nil, map[string]string{"LOG_HEALTH_CHECKS": "yes please"}, `invalid LOG_HEALTH_CHECKS "yes please"`},
		{nil, map[string]string{"DRAIN_DELAY": "-1s"}, `invalid DRAIN_DELAY "-1s": want a Go duration >= 0`},
		{nil, map[string]string{"SHUTDOWN_TIMEOUT": "0"}, `invalid SHUTDOWN_TIMEOUT "0": want a Go duration > 0`},
		{nil, map[string]string{"REQUEST_TIMEOUT": "ten"}, `invalid REQUEST_TIMEOUT "ten"`},
		{nil, map[string]string{"MAX_BODY_BYTES": "-1"}, `invalid MAX_BODY_BYTES "-1"`},
		{nil, map[string]string{"SERVICE_NAME": "a/b"}, `invalid SERVICE_NAME "a/b"`},
		{[]string{"serve"}, nil, `invalid arguments ["serve"]`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			// Ports fixed, not 0: had anything listened, this would show as
			// a "listening" line on stdout.
			env := map[string]string{"PORT": "18081", "METRICS_PORT": "19091"}
			maps.Copy(env, tt.env)
			err := run(context.Background(), append([]string{"api"}, tt.args...), envOf(env), &stdout, &stderr)
			if code := exitCode(err); code != 2 {
				t.Errorf("exit code = %d (%v), want 2", code, err)
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr.String(), tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing: no logger, no listener", stdout.String())
			}
		})
	}
}

func TestRunReportsBusyPort(t *testing.T) {
	t.Parallel()
	var lc net.ListenConfig
	busy, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	_, port, _ := net.SplitHostPort(busy.Addr().String())

	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"api"}, envOf(map[string]string{"HOST": "127.0.0.1", "PORT": port, "METRICS_PORT": "0"}), &stdout, &stderr)
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code = %d (%v), want 1", code, err)
	}
	if !strings.Contains(stderr.String(), "listen on PORT") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("stderr = %q, want one line about PORT", stderr.String())
	}
}

// TestRunServerWideOptions sends OPTIONS * over a real connection: net/http
// answers it before any handler unless told not to, and then the security
// headers promised on every response were missing.
func TestRunServerWideOptions(t *testing.T) {
	t.Parallel()
	s := startRun(t, nil)
	var dialer net.Dialer
	conn, err := dialer.DialContext(t.Context(), "tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "OPTIONS * HTTP/1.1\r\nHost: api.test\r\nX-Request-Id: options-star\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if closeErr := res.Body.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("OPTIONS * = %d with %d body bytes, want 200 and none", res.StatusCode, len(body))
	}
	for header, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
		"X-Request-Id":            "options-star",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("OPTIONS * %s = %q, want %q", header, got, want)
		}
	}
	s.logs.waitFor(t, map[string]any{"msg": "request", "method": "OPTIONS", "request_id": "options-star", "status": float64(200)}, 5*time.Second)
}

// TestRunEmptyForwardedForEntry sends a chain whose last entry is empty:
// the entry left of it is the client's own word, so the log must name the
// connection's address instead.
func TestRunEmptyForwardedForEntry(t *testing.T) {
	t.Parallel()
	s := startRun(t, nil)
	client := newTestClient(t)
	get(t, client, "http://"+s.addr+"/", http.Header{"X-Request-Id": {"xff-empty"}, "X-Forwarded-For": {"203.0.113.66, "}})
	line := s.logs.waitFor(t, map[string]any{"msg": "request", "request_id": "xff-empty"}, 5*time.Second)
	if got := line.fields["client_ip"]; got != "127.0.0.1" {
		t.Errorf("client_ip = %v, want the connection's 127.0.0.1: %s", got, line.raw)
	}
}
