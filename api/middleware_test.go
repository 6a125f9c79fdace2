package main

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	server := newTestServer(t, defaultConfig(t))
	tests := []struct {
		name, incoming string
		wantEcho       bool
	}{
		{"none", "", false},
		{"sane", "req-42_a.b:c", true},
		{"uuid", "3f1c9a2e-0b7d-4e8f-9a61-5d2c7b1e4f03", true},
		{"spaces", "hello world", false},
		{"markup", "<script>", false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequestWithContext(t.Context(), "GET", "/", nil)
			if tt.incoming != "" {
				req.Header.Set("X-Request-Id", tt.incoming)
			}
			rec := httptest.NewRecorder()
			server.handler.ServeHTTP(rec, req)

			got := rec.Header().Get("X-Request-Id")
			if tt.wantEcho && got != tt.incoming {
				t.Errorf("X-Request-Id = %q, want the incoming %q", got, tt.incoming)
			}
			if !tt.wantEcho && (got == tt.incoming || len(got) != 32) {
				t.Errorf("X-Request-Id = %q, want a fresh 32-digit ID", got)
			}
			if lines := server.logs.find(map[string]any{"msg": "request", "request_id": got}); len(lines) != 1 {
				t.Errorf("access log lines with request_id %q = %d, want 1", got, len(lines))
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		forwardedFor []string
		wantClientIP string
		path, route  string
		wantStatus   float64
		wantBytes    float64
	}{
		{name: "direct", path: "/", route: "/", wantClientIP: "192.0.2.1", wantStatus: 200, wantBytes: 82},
		// The ALB appends the peer it saw; anything left of it is the client's word.
		{name: "through the ALB", forwardedFor: []string{"203.0.113.9"}, path: "/", route: "/", wantClientIP: "203.0.113.9", wantStatus: 200, wantBytes: 82},
		{name: "spoofed entry ignored", forwardedFor: []string{"10.9.9.9, 203.0.113.9"}, path: "/", route: "/", wantClientIP: "203.0.113.9", wantStatus: 200, wantBytes: 82},
		{name: "spoofed header ignored", forwardedFor: []string{"10.9.9.9", "203.0.113.9"}, path: "/", route: "/", wantClientIP: "203.0.113.9", wantStatus: 200, wantBytes: 82},
		{name: "unmatched route", path: "/wp-login.php", route: "unmatched", wantClientIP: "192.0.2.1", wantStatus: 404, wantBytes: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			server := newTestServer(t, defaultConfig(t))
			req := httptest.NewRequestWithContext(t.Context(), "GET", tt.path, nil)
			for _, v := range tt.forwardedFor {
				req.Header.Add("X-Forwarded-For", v)
			}
			server.handler.ServeHTTP(httptest.NewRecorder(), req)

			lines := server.logs.find(map[string]any{"msg": "request"})
			if len(lines) != 1 {
				t.Fatalf("access log lines = %d, want 1:\n%s", len(lines), server.logs.dump())
			}
			f := lines[0].fields
			want := map[string]any{
				"level": "INFO", "method": "GET", "path": tt.path, "route": tt.route,
				"status": tt.wantStatus, "bytes": tt.wantBytes, "client_ip": tt.wantClientIP,
			}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("%s = %v, want %v", k, f[k], v)
				}
			}
			if d, ok := f["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("duration_ms = %v, want a non-negative number", f["duration_ms"])
			}
			if id, _ := f["request_id"].(string); !validRequestID(id) {
				t.Errorf("request_id = %v, want an ID", f["request_id"])
			}
		})
	}
}

func TestHealthChecksLogging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		logHealthChecks bool
		level           slog.Level
		wantLogged      []string
	}{
		{name: "default", level: slog.LevelInfo, wantLogged: []string{"/", "/version"}},
		{name: "LOG_HEALTH_CHECKS", level: slog.LevelInfo, logHealthChecks: true, wantLogged: []string{"/", "/healthz", "/health", "/readyz", "/version"}},
		{name: "LOG_LEVEL=warn", level: slog.LevelWarn, logHealthChecks: true, wantLogged: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaultConfig(t)
			cfg.logHealthChecks = tt.logHealthChecks
			cfg.logLevel = tt.level
			server := newTestServer(t, cfg)
			for _, path := range []string{"/", "/healthz", "/health", "/readyz", "/version"} {
				server.handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), "GET", path, nil))
			}
			var logged []string
			for _, line := range server.logs.find(map[string]any{"msg": "request"}) {
				logged = append(logged, line.fields["path"].(string))
			}
			if strings.Join(logged, " ") != strings.Join(tt.wantLogged, " ") {
				t.Errorf("logged %v, want %v", logged, tt.wantLogged)
			}
		})
	}
}

// chain wraps h in the middleware around handlers, as newServer does, for
// tests of behaviour no real route triggers.
func chain(t *testing.T, cfg config, h http.Handler) (http.Handler, *logSink) {
	t.Helper()
	logs := newLogSink()
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	metrics := newHTTPMetrics(prometheus.NewRegistry())
	return observe(logger, metrics, false)(recoverPanic(logger)(timeout(cfg.requestTimeout)(limitBody(cfg.maxBodyBytes)(h)))), logs
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig(t)
	cfg.requestTimeout = 20 * time.Millisecond

	t.Run("handler gives up", func(t *testing.T) {
		t.Parallel()
		h, _ := chain(t, cfg, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // a handler waiting on I/O that honours its context
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/slow", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", rec.Code)
		}
		assertErrorBody(t, rec.Body.Bytes(), "timeout")
	})
	t.Run("handler already answered", func(t *testing.T) {
		t.Parallel()
		h, _ := chain(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			<-r.Context().Done()
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/slow", nil))
		if rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
			t.Fatalf("status = %d, body %q; want the handler's 202 untouched", rec.Code, rec.Body)
		}
	})
}

func TestRecoverPanic(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig(t)

	t.Run("before the response", func(t *testing.T) {
		t.Parallel()
		h, logs := chain(t, cfg, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("secret internal state")
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/boom", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("status = %d, want 500", rec.Code)
		}
		assertErrorBody(t, rec.Body.Bytes(), "internal")
		if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), ".go:") {
			t.Errorf("response %s leaks the panic", rec.Body)
		}
		lines := logs.find(map[string]any{"msg": "panic", "level": "ERROR", "panic": "secret internal state"})
		if len(lines) != 1 || !strings.Contains(lines[0].fields["stack"].(string), "middleware_test.go") {
			t.Errorf("want one panic log line with the stack; got:\n%s", logs.dump())
		}
		if len(logs.find(map[string]any{"msg": "request", "status": float64(500)})) != 1 {
			t.Errorf("want the 500 in the access log; got:\n%s", logs.dump())
		}
	})
	t.Run("after the response started", func(t *testing.T) {
		t.Parallel()
		h, _ := chain(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "partial")
			panic("too late")
		}))
		defer func() {
			// net/http closes the connection on this panic, so the client
			// cannot mistake the partial body for a whole one.
			if err, _ := recover().(error); !errors.Is(err, http.ErrAbortHandler) {
				t.Errorf("recovered %v, want http.ErrAbortHandler", err)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), "GET", "/boom", nil))
	})
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig(t)
	cfg.maxBodyBytes = 16
	type payload struct {
		Name string `json:"name"`
	}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := decode[payload](r)
		if err != nil {
			writeDecodeError(w, err)
			return
		}
		_ = encode(w, http.StatusOK, p)
	})
	h, _ := chain(t, cfg, echo)
	tests := []struct {
		name       string
		body       string
		chunked    bool
		wantStatus int
		wantError  string
	}{
		{name: "fits", body: `{"name":"x"}`, wantStatus: 200},
		{name: "declared too large", body: `{"name":"xxxxxxxxxxxx"}`, wantStatus: 413, wantError: "payload_too_large"},
		{name: "chunked too large", body: `{"name":"xxxxxxxxxxxx"}`, chunked: true, wantStatus: 413, wantError: "payload_too_large"},
		{name: "unknown field", body: `{"nom":"x"}`, wantStatus: 400, wantError: "bad_request"},
		{name: "not JSON", body: `name=x`, wantStatus: 400, wantError: "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequestWithContext(t.Context(), "POST", "/echo", strings.NewReader(tt.body))
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantError != "" {
				assertErrorBody(t, rec.Body.Bytes(), tt.wantError)
			}
		})
	}
}

func TestEncodeRefusesUnencodable(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	err := encode(rec, http.StatusOK, map[string]any{"f": func() {}})
	if err == nil {
		t.Fatalf("encode(func) = %v, want an error", err)
	}
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Errorf("encode wrote a response (%d, %q) although it failed", rec.Code, rec.Body)
	}
}
