package main

import (
	"net/http"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
)

// addRoutes is the whole public API. Metrics are not here: they have their
// own listener (see newMetricsHandler) that the load balancer never reaches.
func addRoutes(r chi.Router, cfg config, build buildInfo, draining *atomic.Bool) {
	// Probes answer from memory and cannot block, so they go without the
	// request deadline: its timer was the largest cost on the path the
	// load balancer hits most (see api/bench).
	r.Method(http.MethodGet, "/healthz", handleHealthz())
	r.Method(http.MethodGet, "/health", handleHealthz()) // path of the Flask service this replaced
	r.Method(http.MethodGet, "/readyz", handleReadyz(draining))

	r.Group(func(r chi.Router) {
		r.Use(timeout(cfg.requestTimeout))
		r.Method(http.MethodGet, "/", handleRoot(cfg.serviceName, build))
		r.Method(http.MethodGet, "/version", handleVersion(cfg.serviceName, build))
	})

	r.NotFound(handleNotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed(r).ServeHTTP)
}
