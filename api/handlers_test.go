package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	server := newTestServer(t, defaultConfig(t))
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string // exact, for success responses
		wantError    string // error code, for error responses
		wantAllow    string
	}{
		{method: "GET", path: "/", wantStatus: 200, wantBody: `{"service":"api","version":"v1.2.3","commit":"abc123","message":"API is running"}` + "\n"},
		{method: "GET", path: "/healthz", wantStatus: 200, wantBody: `{"status":"healthy"}` + "\n"},
		{method: "GET", path: "/health", wantStatus: 200, wantBody: `{"status":"healthy"}` + "\n"},
		{method: "GET", path: "/readyz", wantStatus: 200, wantBody: `{"status":"ready"}` + "\n"},
		{method: "GET", path: "/version", wantStatus: 200, wantBody: `{"service":"api","version":"v1.2.3","commit":"abc123","build_time":"2026-01-02T03:04:05Z","go_version":"go1.26"}` + "\n"},
		{method: "HEAD", path: "/healthz", wantStatus: 200},
		{method: "HEAD", path: "/", wantStatus: 200},
		{method: "GET", path: "/metrics", wantStatus: 404, wantError: "not_found"},
		{method: "GET", path: "/nope", wantStatus: 404, wantError: "not_found"},
		{method: "GET", path: "/healthz/", wantStatus: 404, wantError: "not_found"},
		{method: "HEAD", path: "/nope", wantStatus: 404, wantError: "not_found"},
		{method: "POST", path: "/healthz", wantStatus: 405, wantError: "method_not_allowed", wantAllow: "GET, HEAD"},
		{method: "DELETE", path: "/", wantStatus: 405, wantError: "method_not_allowed", wantAllow: "GET, HEAD"},
		{method: "OPTIONS", path: "/version", wantStatus: 405, wantError: "method_not_allowed", wantAllow: "GET, HEAD"},
		{method: "BREW", path: "/readyz", wantStatus: 405, wantError: "method_not_allowed", wantAllow: "GET, HEAD"},
		{method: "BREW", path: "/nope", wantStatus: 404, wantError: "not_found"},
		{method: "POST", path: "/nope", wantStatus: 404, wantError: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			server.handler.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), tt.method, tt.path, nil))
			res := rec.Result()

			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.StatusCode, tt.wantStatus, rec.Body)
			}
			if got := res.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := res.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if !validRequestID(res.Header.Get("X-Request-Id")) {
				t.Errorf("X-Request-Id = %q, want a generated ID", res.Header.Get("X-Request-Id"))
			}
			if tt.method == "HEAD" {
				return // the recorder keeps a body that net/http would drop
			}
			if tt.wantError == "" {
				if got := rec.Body.String(); got != tt.wantBody {
					t.Errorf("body = %s, want %s", got, tt.wantBody)
				}
				return
			}
			assertErrorBody(t, rec.Body.Bytes(), tt.wantError)
		})
	}
}

// assertErrorBody checks the one error shape: {"error":{"code","message"}}
// and nothing else.
func assertErrorBody(t *testing.T, body []byte, wantCode string) {
	t.Helper()
	var got map[string]map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body %s is not the error shape: %v", body, err)
	}
	detail, ok := got["error"]
	if !ok || len(got) != 1 || len(detail) != 2 {
		t.Fatalf("error body %s: want exactly {\"error\":{\"code\",\"message\"}}", body)
	}
	if detail["code"] != wantCode {
		t.Errorf("error code = %q, want %q", detail["code"], wantCode)
	}
	if detail["message"] == "" {
		t.Errorf("error message is empty")
	}
}

func TestReadyzWhileDraining(t *testing.T) {
	t.Parallel()
	server := newTestServer(t, defaultConfig(t))
	server.draining.Store(true)

	for _, path := range []string{"/readyz", "/healthz"} {
		rec := httptest.NewRecorder()
		server.handler.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", path, nil))
		// Liveness stays green while draining: ECS must not kill the task early.
		want := map[string]int{"/readyz": http.StatusServiceUnavailable, "/healthz": http.StatusOK}[path]
		if rec.Code != want {
			t.Errorf("GET %s while draining: status = %d, want %d", path, rec.Code, want)
		}
		if got := rec.Header().Get("Connection"); got != "close" {
			t.Errorf("GET %s while draining: Connection = %q, want close", path, got)
		}
	}
	rec := httptest.NewRecorder()
	server.handler.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/readyz", nil))
	if got, want := rec.Body.String(), `{"status":"draining"}`+"\n"; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

// TestRequestDeadline checks the wiring of addRoutes: every route carries
// the timeout middleware except the probes, which answer from memory.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	server := newTestServer(t, defaultConfig(t))
	probes := map[string]bool{"/healthz": true, "/health": true, "/readyz": true}
	chainLength := map[bool]int{} // by whether the route is a probe
	err := chi.Walk(server.handler.(chi.Routes), func(method, route string, _ http.Handler, middlewares ...func(http.Handler) http.Handler) error {
		probe := probes[route]
		if n, seen := chainLength[probe]; seen && n != len(middlewares) {
			return fmt.Errorf("%s %s has %d middlewares, other routes of its kind %d", method, route, len(middlewares), n)
		}
		chainLength[probe] = len(middlewares)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if chainLength[false] != chainLength[true]+1 {
		t.Errorf("routes have %d middlewares and probes %d: want exactly the deadline between them", chainLength[false], chainLength[true])
	}
}
