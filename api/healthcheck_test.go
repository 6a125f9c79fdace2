package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	healthy := httptest.NewServer(newTestServer(t, defaultConfig(t)).handler)
	t.Cleanup(healthy.Close)
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(sick.Close)

	tests := []struct {
		name       string
		env        map[string]string
		wantCode   int
		wantStderr string
	}{
		{name: "healthy", env: map[string]string{"PORT": portOf(t, healthy.URL)}, wantCode: 0},
		{name: "healthy on HOST", env: map[string]string{"PORT": portOf(t, healthy.URL), "HOST": "127.0.0.1"}, wantCode: 0},
		{name: "unhealthy", env: map[string]string{"PORT": portOf(t, sick.URL)}, wantCode: 1, wantStderr: "503 Service Unavailable"},
		{name: "nothing listening", env: map[string]string{"PORT": closedPort(t)}, wantCode: 1, wantStderr: "connection refused"},
		// Exit 1, not 2: Docker reserves 2 and ECS only knows 0 and not 0.
		{name: "bad PORT", env: map[string]string{"PORT": "abc"}, wantCode: 1, wantStderr: `invalid PORT "abc"`},
		{name: "PORT 0", env: map[string]string{"PORT": "0"}, wantCode: 1, wantStderr: `invalid PORT "0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			start := time.Now()
			err := run(context.Background(), []string{"api", "healthcheck"}, envOf(tt.env), &stdout, &stderr)
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v, want a fast answer", elapsed)
			}
			if code := exitCode(err); code != tt.wantCode {
				t.Errorf("exit code = %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantStderr == "" && stderr.Len() != 0 || !strings.Contains(stderr.String(), tt.wantStderr) || strings.Count(stderr.String(), "\n") > 1 {
				t.Errorf("stderr = %q, want one short line containing %q", stderr.String(), tt.wantStderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestProbeHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "127.0.0.1", "10.0.1.5": "10.0.1.5", "::1": "::1"} {
		if got := probeHost(host); got != want {
			t.Errorf("probeHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func portOf(t *testing.T, url string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// closedPort returns a loopback port that was just free and is now closed.
func closedPort(t *testing.T) string {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}
