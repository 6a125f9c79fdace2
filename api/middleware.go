package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
)

const requestIDHeader = "X-Request-Id"

// requestID keeps a caller's X-Request-Id when it looks like an ID, so a
// request can be followed across services, and otherwise makes one. Either
// way it is echoed in the response and in every log line about the request.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		// Indexed with the canonical key rather than through Get and Set,
		// which would canonicalize it again on every request.
		if ids := r.Header[requestIDHeader]; len(ids) == 1 && validRequestID(ids[0]) {
			id = ids[0]
		} else {
			id = newRequestID()
		}
		w.Header()[requestIDHeader] = []string{id}
		next.ServeHTTP(w, r)
	})
}

// requestIDOf reads the ID back from the response header. The header is
// its one home: putting it in the request's context as well would copy the
// request on every call, which the probe path cannot afford.
func requestIDOf(w http.ResponseWriter) string {
	return w.Header().Get(requestIDHeader)
}

// validRequestID bounds what a client can put into our logs and headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex. An ID only has to be unique,
// not secret, so it comes from math/rand/v2's per-thread ChaCha8 generator,
// which costs no system call.
func newRequestID() string {
	const digits = "0123456789abcdef"
	var buf [32]byte
	for half := range 2 {
		n := rand.Uint64()
		for i := range 16 {
			buf[half*16+i] = digits[n&0xf]
			n >>= 4
		}
	}
	return string(buf[:])
}

// observe records every response in the request metrics and, unless it is
// a health probe, in the access log. It is the only middleware that wraps
// the ResponseWriter; the ones inside it ask that wrapper whether the
// response has started (responseStarted).
func observe(logger *slog.Logger, metrics *httpMetrics, logHealthChecks bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &responseRecorder{ResponseWriter: w}
			// Deferred so that a response cut short by a panic is still counted.
			defer func() {
				elapsed := time.Since(start)
				route := routeLabel(r)
				status := rec.statusCode()
				metrics.observe(route, r.Method, status, elapsed)
				if isHealthCheck(route) && !logHealthChecks {
					return
				}
				ctx := r.Context()
				// Checked first so that at LOG_LEVEL=warn the attributes are never built.
				if !logger.Enabled(ctx, slog.LevelInfo) {
					return
				}
				logger.LogAttrs(ctx, slog.LevelInfo, "request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Int64("bytes", rec.bytes),
					slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
					slog.String("request_id", requestIDOf(rec)),
					slog.String("client_ip", clientIP(r)),
				)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// routeLabel is chi's route pattern ("/healthz"), never the raw path, so
// that scanners probing random paths cannot create new metric series.
func routeLabel(r *http.Request) string {
	if pattern := chi.RouteContext(r.Context()).RoutePattern(); pattern != "" {
		return pattern
	}
	return "unmatched"
}

func isHealthCheck(route string) bool {
	switch route {
	case "/healthz", "/health", "/readyz":
		return true
	}
	return false
}

// responseRecorder remembers the status and size of a response.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *responseRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *responseRecorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (rec *responseRecorder) Unwrap() http.ResponseWriter {
	return rec.ResponseWriter
}

// statusCode is what the client got: net/http sends 200 for a handler that
// wrote nothing.
func (rec *responseRecorder) statusCode() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// responseStarted reports whether the status line has been written, after
// which a middleware can no longer turn the response into an error.
func responseStarted(w http.ResponseWriter) bool {
	rec, ok := w.(*responseRecorder)
	return ok && rec.status != 0
}

// recoverPanic turns a handler panic into a 500 in the API's error shape,
// with the stack in the log and never in the response.
func recoverPanic(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v) // a deliberate abort: net/http closes the connection quietly
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("request_id", requestIDOf(w)),
				)
				if responseStarted(w) {
					// Too late for a 500: cut the connection so that the
					// client cannot take a partial body for a whole one.
					panic(http.ErrAbortHandler)
				}
				writeError(w, http.StatusInternalServerError, "internal", "internal server error")
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// timeout gives each request a deadline in its context. Handlers that do
// I/O pass the context on and, when it expires, return without writing;
// this middleware then answers 503 "timeout". 503 rather than 504: the
// ALB sends its own 504 when a target does not answer, and the two should
// be told apart.
func timeout(limit time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), limit)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && !responseStarted(w) {
				writeError(w, http.StatusServiceUnavailable, "timeout", "the request took too long")
			}
		})
	}
}

// securityHeaders sets the headers OWASP's REST cheat sheet asks of a JSON
// API: a browser must not sniff, frame or cache its responses. (HSTS
// belongs to the ALB, which terminates TLS.)
func securityHeaders(next http.Handler) http.Handler {
	// The value slices are shared by every response to save an allocation
	// each: net/http only reads them, and Header.Set replaces rather than
	// edits them.
	headers := []struct {
		key    string
		values []string
	}{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
		{"Cache-Control", []string{"no-store"}},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, header := range headers {
			h[header.key] = header.values
		}
		next.ServeHTTP(w, r)
	})
}

// answerServerOptions answers OPTIONS *, the question about the server as a
// whole, as net/http's own handler does (200, no body), but inside the
// chain, so the answer carries the security headers and the request ID and
// is logged like every other. net/http only lets it through because
// newHTTPServer sets DisableGeneralOptionsHandler.
func answerServerOptions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.RequestURI == "*" {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses a declared body over limit at once, and caps one of
// unknown length (chunked) so that reading past limit fails; decode turns
// that failure into the same 413.
func limitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("request body exceeds %d bytes", limit))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				limited := *r
				limited.Body = http.MaxBytesReader(w, r.Body, limit)
				r = &limited
			}
			next.ServeHTTP(w, r)
		})
	}
}

// closeWhenDraining asks every client to close its connection after the
// response it is getting, once shutdown has begun. The ALB then opens new
// connections, to other tasks once it has seen /readyz fail, and none is
// left idle here for Shutdown to close under a request the ALB is sending.
func closeWhenDraining(draining *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if draining.Load() {
				w.Header().Set("Connection", "close")
			}
			next.ServeHTTP(w, r)
		})
	}
}
