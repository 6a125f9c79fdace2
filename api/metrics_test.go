package main

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestMetrics(t *testing.T) {
	t.Parallel()
	server := newTestServer(t, defaultConfig(t))
	requests := []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/healthz"}, {"GET", "/"},
		{"GET", "/users/1"}, {"GET", "/users/2"}, // raw paths must not become labels
		{"BREW", "/healthz"}, {"POST", "/"},
	}
	for _, r := range requests {
		server.handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), r.method, r.path, nil))
	}
	rec := httptest.NewRecorder()
	newMetricsHandler(slog.New(slog.DiscardHandler), server.registry).ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/metrics", nil))
	body := rec.Body.String()

	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="/healthz"} 2`,
		`http_requests_total{code="200",method="GET",route="/"} 1`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 2`,
		`http_requests_total{code="405",method="OTHER",route="unmatched"} 1`,
		`http_requests_total{code="405",method="POST",route="unmatched"} 1`,
		`http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 2`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/users/") {
		t.Errorf("a raw path became a label:\n%s", body)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	handler := newMetricsHandler(slog.New(slog.DiscardHandler), newRegistry())
	tests := []struct {
		path       string
		wantStatus int
		wantBody   []string
	}{
		{"/metrics", 200, []string{"go_goroutines ", "process_resident_memory_bytes "}},
		{"/", 404, nil},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", tt.path, nil))
		if rec.Code != tt.wantStatus {
			t.Errorf("GET %s: status = %d, want %d", tt.path, rec.Code, tt.wantStatus)
		}
		for _, want := range tt.wantBody {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("GET %s: body lacks %q", tt.path, want)
			}
		}
	}
}
