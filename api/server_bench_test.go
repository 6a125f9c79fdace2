package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkHealthz is what the middleware chain and router cost a probe,
// without the network; BenchmarkBareHandler is the same answer without
// them. api/bench measures the whole server.
func BenchmarkHealthz(b *testing.B) {
	cfg, err := parseConfig(envOf(map[string]string{"LOG_LEVEL": "warn"}))
	if err != nil {
		b.Fatal(err)
	}
	// Probes are not access-logged, so the handler is never asked to write.
	handler := newServer(slog.New(slog.DiscardHandler), cfg, buildInfo{}, newHTTPMetrics(prometheus.NewRegistry()), new(atomic.Bool))
	benchmarkHandler(b, handler)
}

func BenchmarkBareHandler(b *testing.B) {
	body := []byte(`{"status":"healthy"}` + "\n")
	benchmarkHandler(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
}

func benchmarkHandler(b *testing.B, handler http.Handler) {
	req := httptest.NewRequestWithContext(b.Context(), "GET", "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(discardWriter{header: http.Header{}}, req)
	}
}

// discardWriter is the cheapest ResponseWriter, so that the benchmark
// measures the handler rather than httptest.ResponseRecorder.
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
