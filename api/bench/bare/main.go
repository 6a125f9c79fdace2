// Command bare is the benchmark's baseline: plain net/http answering
// /healthz with the same bytes as the api service, and nothing else.
// With -timeouts it also sets the api's http.Server limits, and with
// -headers it also sends the api's response headers: together they are the
// floor that any server meeting the api's specification stands on, which
// tells the cost of what the spec requires apart from the cost of the api's
// router and middleware.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18482", "address to listen on")
	timeouts := flag.Bool("timeouts", false, "set the api service's server timeouts and header limit")
	headers := flag.Bool("headers", false, "send the api service's response headers")
	flag.Parse()

	body := []byte(`{"status":"healthy"}` + "\n")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if *headers {
			// The api's headers (api/middleware.go), with a fixed request ID
			// of the same length as a generated one.
			h.Set("X-Request-Id", "0123456789abcdef0123456789abcdef")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			h.Set("Cache-Control", "no-store")
		}
		_, _ = w.Write(body)
	})
	server := &http.Server{Addr: *addr, Handler: mux}
	if *timeouts {
		// The values api/run.go uses with its default REQUEST_TIMEOUT.
		server.ReadHeaderTimeout = 5 * time.Second
		server.ReadTimeout = 10 * time.Second
		server.WriteTimeout = 15 * time.Second
		server.IdleTimeout = 75 * time.Second
		server.MaxHeaderBytes = 64 << 10
	}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
