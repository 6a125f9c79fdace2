package main

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
)

// Every success body here depends only on startup state, so each handler
// encodes it once in its closure and the request path only copies bytes.

func handleRoot(service string, build buildInfo) http.Handler {
	body := mustJSON(struct {
		Service string `json:"service"`
		Version string `json:"version"`
		Commit  string `json:"commit"`
		Message string `json:"message"`
	}{service, build.Version, build.Commit, "API is running"})
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// handleHealthz is liveness: it checks nothing external, so a slow
// dependency never gets a healthy task killed.
func handleHealthz() http.Handler {
	body := mustJSON(struct {
		Status string `json:"status"`
	}{"healthy"})
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// handleReadyz turns 503 as soon as shutdown begins, so the load balancer
// stops routing here while in-flight and late requests are still served.
func handleReadyz(draining *atomic.Bool) http.Handler {
	type readiness struct {
		Status string `json:"status"`
	}
	ready := mustJSON(readiness{"ready"})
	notReady := mustJSON(readiness{"draining"})
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, notReady)
			return
		}
		writeJSON(w, http.StatusOK, ready)
	})
}

func handleVersion(service string, build buildInfo) http.Handler {
	body := mustJSON(struct {
		Service string `json:"service"`
		buildInfo
	}{service, build})
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such resource")
	})
}

// handleMethodNotAllowed answers a known path asked with the wrong method,
// naming the right ones in Allow as RFC 9110 requires. chi does not hand
// its list to a custom handler, so the handler asks the router itself.
// chi also lands here for methods it does not know at all, on any path;
// when no method matches the path, the answer is a 404.
func handleMethodNotAllowed(routes chi.Routes) http.Handler {
	candidates := []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions,
	}
	notFound := handleNotFound()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		var allowed []string
		for _, method := range candidates {
			// GET routes answer HEAD too (middleware.GetHead in newServer);
			// GET comes first in candidates, so it is already listed.
			if routes.Match(chi.NewRouteContext(), method, path) ||
				method == http.MethodHead && slices.Contains(allowed, http.MethodGet) {
				allowed = append(allowed, method)
			}
		}
		if len(allowed) == 0 {
			notFound.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this resource; see the Allow header")
	})
}
