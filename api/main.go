// Command api is the HTTP service: health and readiness probes for the load
// balancer, build information for the deploy pipeline, and Prometheus metrics
// on a separate port. "api healthcheck" probes a running instance, for
// container runtimes whose image has no shell or curl.
//
// Configuration comes from the environment; see config.go.
package main

import (
	"context"
	"errors"
	"os"
)

func main() {
	err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitCode(err))
}

// exitCode maps run's result to the process status: 2 for a configuration
// mistake, which a restart cannot fix, and 1 for anything else that failed.
func exitCode(err error) int {
	var cfgErr *configError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &cfgErr):
		return 2
	default:
		return 1
	}
}
