package main

import (
	"net/http"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
)

// addRoutes is the whole public API. Metrics are not here: they have their
// own listener (see newMetricsHandler) that the load balancer never reaches.
func addRoutes(r chi.Router, cfg config, build buildInfo, draining *atomic.Bool) {
	r.Method(http.MethodGet, "/", handleRoot(cfg.serviceName, build))
	r.Method(http.MethodGet, "/healthz", handleHealthz())
	r.Method(http.MethodGet, "/health", handleHealthz()) // path of the Flask service this replaced
	r.Method(http.MethodGet, "/readyz", handleReadyz(draining))
	r.Method(http.MethodGet, "/version", handleVersion(cfg.serviceName, build))
	r.NotFound(handleNotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed(r).ServeHTTP)
}
