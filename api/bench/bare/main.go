// Command bare is the benchmark's baseline: plain net/http answering
// /healthz with the same bytes as the api service, and nothing else.
// With -timeouts it also sets the api's http.Server limits, to tell their
// cost apart from the cost of the api's router and middleware.
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
	flag.Parse()

	body := []byte(`{"status":"healthy"}` + "\n")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
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
