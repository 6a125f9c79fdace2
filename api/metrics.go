package main

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newRegistry is private to one run, so tests can run servers side by side
// and nothing registers behind our back through the global registry.
func newRegistry() *prometheus.Registry {
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return registry
}

// newMetricsHandler serves /metrics for the scraper on the metrics port.
func newMetricsHandler(logger *slog.Logger, registry *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
		Registry: registry, // counts its own scrape errors
	}))
	return mux
}

// httpMetrics counts requests and their latency by route pattern, method
// and status code.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	// series caches the children of the two vectors: looking them up by
	// label values hashes and allocates on every request, this does not.
	// The key space is small and fixed: routes x methods x status codes.
	mu     sync.RWMutex
	series map[seriesKey]series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newHTTPMetrics(registry prometheus.Registerer) *httpMetrics {
	labels := []string{"route", "method", "code"}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "Time from request to response, by route pattern, method and status code.",
			// Finer than the defaults at the low end: the endpoints answer in microseconds.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		series: make(map[seriesKey]series),
	}
	registry.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) observe(route, method string, status int, elapsed time.Duration) {
	s := m.lookup(seriesKey{route: route, method: methodLabel(method), status: status})
	s.requests.Inc()
	s.duration.Observe(elapsed.Seconds())
}

func (m *httpMetrics) lookup(key seriesKey) series {
	m.mu.RLock()
	s, ok := m.series[key]
	m.mu.RUnlock()
	if ok {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series[key]; ok {
		return s
	}
	code := strconv.Itoa(key.status)
	s = series{
		requests: m.requests.WithLabelValues(key.route, key.method, code),
		duration: m.duration.WithLabelValues(key.route, key.method, code),
	}
	m.series[key] = s
	return s
}

// methodLabel folds methods outside RFC 9110 into one label value: the
// method is client input, and each distinct value would be a new series.
// It returns the constant, not the request's string, which the cache would
// otherwise keep alive.
func methodLabel(method string) string {
	for _, known := range []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
	} {
		if method == known {
			return known
		}
	}
	return "OTHER"
}
