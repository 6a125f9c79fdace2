package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Server limits that are not configuration: they follow from the ALB in
// front of us rather than from anything an operator tunes.
const (
	// The ALB keeps idle connections to targets for 60s. If we closed an
	// idle connection first, the ALB could send a request on it just as it
	// closed and answer the client 502; so we wait longer than the ALB.
	idleTimeout       = 75 * time.Second
	readHeaderTimeout = 5 * time.Second
	// The ALB refuses requests whose headers exceed 64 KiB in total.
	maxHeaderBytes = 64 << 10
	// Added to REQUEST_TIMEOUT for the write deadline, so the timeout
	// middleware's 503 still reaches the client.
	writeGrace = 5 * time.Second
)

// run is the whole program: it reads arguments and environment, serves
// until ctx is cancelled or SIGINT/SIGTERM arrives, and drains. It prints
// any error as one line on stderr; main turns it into the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdout)
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	switch {
	case len(args) <= 1:
		return serve(ctx, getenv, stdout)
	case len(args) == 2 && args[1] == "healthcheck":
		return healthcheck(ctx, getenv)
	}
	return &configError{problems: []string{fmt.Sprintf("invalid arguments %q: want none, or healthcheck", args[1:])}}
}

// newHTTPServer is an http.Server with every limit set: a slow or hostile
// client can hold neither listener's connections open.
func newHTTPServer(handler http.Handler, cfg config, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       cfg.requestTimeout,
		WriteTimeout:      cfg.requestTimeout + writeGrace,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog,
		// OPTIONS * reaches the handler, which answers it with the
		// headers every response carries (see answerServerOptions).
		DisableGeneralOptionsHandler: true,
	}
}

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel}))
	build := readBuildInfo()
	registry := newRegistry()
	var draining atomic.Bool

	var lc net.ListenConfig
	publicListener, err := lc.Listen(ctx, "tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.port)))
	if err != nil {
		return fmt.Errorf("listen on PORT: %w", err)
	}
	metricsListener, err := lc.Listen(ctx, "tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.metricsPort)))
	if err != nil {
		return errors.Join(fmt.Errorf("listen on METRICS_PORT: %w", err), publicListener.Close())
	}

	errorLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	public := newHTTPServer(newServer(logger, cfg, build, newHTTPMetrics(registry), &draining), cfg, errorLog)
	metrics := newHTTPServer(newMetricsHandler(logger, registry), cfg, errorLog)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	serveErrs := make(chan error, 2)
	go func() { serveErrs <- fmt.Errorf("serve PORT: %w", public.Serve(publicListener)) }()
	go func() { serveErrs <- fmt.Errorf("serve METRICS_PORT: %w", metrics.Serve(metricsListener)) }()
	logger.Info("listening",
		slog.String("addr", publicListener.Addr().String()),
		slog.String("metrics_addr", metricsListener.Addr().String()),
		slog.String("service", cfg.serviceName),
		slog.String("version", build.Version),
		slog.String("commit", build.Commit),
	)

	select {
	case err := <-serveErrs:
		return errors.Join(err, shutdown(context.WithoutCancel(ctx), cfg.shutdownTimeout, public, metrics))
	case <-ctx.Done():
	}
	// From here a second SIGINT or SIGTERM kills the process at once: the
	// way out of a drain for someone at a terminal.
	stop()

	draining.Store(true)
	logger.Info("draining", slog.String("drain_delay", cfg.drainDelay.String()))
	drained := time.NewTimer(cfg.drainDelay)
	defer drained.Stop()
	select {
	case <-drained.C:
	case err := <-serveErrs:
		return errors.Join(err, shutdown(context.WithoutCancel(ctx), cfg.shutdownTimeout, public, metrics))
	}

	logger.Info("shutting down", slog.String("shutdown_timeout", cfg.shutdownTimeout.String()))
	if err := shutdown(context.WithoutCancel(ctx), cfg.shutdownTimeout, public, metrics); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// shutdown stops the servers together, letting in-flight requests finish
// within limit, then cuts whatever is left so the process can exit.
func shutdown(ctx context.Context, limit time.Duration, servers ...*http.Server) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	errs := make(chan error, len(servers))
	for _, server := range servers {
		go func() {
			err := server.Shutdown(ctx)
			if err != nil {
				err = errors.Join(fmt.Errorf("shutdown: %w", err), server.Close())
			}
			errs <- err
		}()
	}
	var all []error
	for range servers {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}
