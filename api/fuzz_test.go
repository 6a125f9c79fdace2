package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// FuzzServer sends whatever request line and header net/http would accept
// through the whole middleware chain and router: it must never panic and
// never answer 5xx.
func FuzzServer(f *testing.F) {
	seeds := []struct{ method, target, header, value string }{
		{"GET", "/", "X-Request-Id", "abc-123"},
		{"GET", "/healthz", "X-Forwarded-For", "203.0.113.7"},
		{"GET", "/health", "X-Forwarded-For", "1.1.1.1, ::ffff:10.0.0.1, fe80::1%eth0"},
		{"HEAD", "/readyz", "Accept", "*/*"},
		{"GET", "/version", "X-Request-Id", strings.Repeat("x", 200)},
		{"POST", "/", "Content-Length", "99999999999"},
		{"POST", "/healthz", "Transfer-Encoding", "chunked"},
		{"PUT", "/metrics", "X-Forwarded-For", ",,,"},
		{"BREW", "/coffee", "X-Request-Id", "<script>"},
		{"OPTIONS", "*", "Origin", "https://example.com"},
		{"GET", "http://example.com/healthz?x=1", "Accept", "application/json"},
		{"GET", "/%2e%2e/%2fetc/passwd", "X-Forwarded-For", "not-an-ip"},
		{"GET", "//healthz//", "Cookie", "a=b"},
		{"DELETE", "/version/", "X-Request-Id", ""},
		{"CONNECT", "example.com:443", "Proxy-Authorization", "Basic Zm9vOmJhcg=="},
		{"get", "/healthz", "Connection", "close"},
		{"GET", "/readyz/../healthz", "X-Forwarded-For", "2001:db8::1"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.header, s.value)
	}

	cfg, err := parseConfig(envOf(nil))
	if err != nil {
		f.Fatal(err)
	}
	cfg.logHealthChecks = true // exercise every logging path
	logger := slog.New(slog.NewJSONHandler(jsonLinesOnly{}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	handler := newServer(logger, cfg, readBuildInfo(), newHTTPMetrics(prometheus.NewRegistry()), new(atomic.Bool))

	f.Fuzz(func(t *testing.T, method, target, header, value string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: api.test\r\n" + header + ": " + value + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Skip("net/http would refuse this request before any handler saw it")
		}
		req.RemoteAddr = "192.0.2.1:54321"
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q answered %d: %s", raw, rec.Code, rec.Body)
		}
		if !validRequestID(rec.Header().Get("X-Request-Id")) {
			t.Fatalf("%q answered without a valid X-Request-Id", raw)
		}
	})
}

// jsonLinesOnly fails loudly on a log write that is not one JSON object,
// whatever the request put into its fields.
type jsonLinesOnly struct{}

func (jsonLinesOnly) Write(p []byte) (int, error) {
	if !json.Valid(p) || strings.Count(string(p), "\n") != 1 {
		panic(fmt.Sprintf("log line is not one JSON object: %q", p))
	}
	return len(p), nil
}
