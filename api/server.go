package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// newServer builds the public handler: the middleware chain, outermost
// first, then the routes. draining turns true when shutdown begins.
func newServer(logger *slog.Logger, cfg config, build buildInfo, metrics *httpMetrics, draining *atomic.Bool) http.Handler {
	r := chi.NewRouter()
	r.Use(
		requestID,
		// The client IP, from X-Forwarded-For trusting only the ALB's hop,
		// is read where it is logged: see clientIP.
		observe(logger, metrics, cfg.logHealthChecks),
		recoverPanic(logger),
		// The per-request timeout is in addRoutes: probes skip it.
		securityHeaders,
		limitBody(cfg.maxBodyBytes),
		closeWhenDraining(draining),
		answerServerOptions,
		middleware.GetHead,
	)
	addRoutes(r, cfg, build, draining)
	return r
}
