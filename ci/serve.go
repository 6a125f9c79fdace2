package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"dagger.io/dagger"
)

// servicePort is where the api listens inside its container (its PORT
// default).
const servicePort = 8080

// serve builds the image and runs it as a service tunnelled to this
// machine, so anyone with a container runtime can try the real image
// without AWS. It runs until Ctrl-C.
//
// The Dagger SDK (v0.21.0) cannot bind the tunnel to 127.0.0.1: neither
// Host.Tunnel (Ports, Native) nor Service.Up (Ports, Random) takes a host
// address, and the tunnel listens on every interface. serve says so.
func serve(ctx context.Context, p *pipeline) error {
	if err := portFree(ctx, p.cfg.servePort); err != nil {
		return err
	}
	image := build(p)
	if err := p.steps.run("build the image", func() error {
		_, err := image.Sync(ctx)
		return err
	}); err != nil {
		return err
	}
	service := image.
		WithEnvVariable("PORT", strconv.Itoa(servicePort)).
		WithExposedPort(servicePort).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
	tunnel, err := p.dag.Host().Tunnel(service, dagger.HostTunnelOpts{
		Ports: []dagger.PortForward{{Frontend: p.cfg.servePort, Backend: servicePort}},
	}).Start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil //nolint:nilerr // Ctrl-C before the service was up is how serve ends
		}
		return fmt.Errorf("starting the tunnel on port %d: %w", p.cfg.servePort, err)
	}
	// Only now is the port bound: announcing it earlier would promise an
	// address that may still fail.
	fmt.Fprintf(p.stdout, "serving on http://localhost:%d (try /healthz and /version); Ctrl-C stops it\n"+
		"note: the port is open on every network interface of this machine, not only localhost: the Dagger SDK cannot bind its tunnel to 127.0.0.1\n",
		p.cfg.servePort)
	<-ctx.Done()
	// Closing the session at the end of the run closes the tunnel anyway:
	// Stop only makes it prompt, and fails when a Ctrl-C on a terminal
	// has already ended the session. The run's context is cancelled by
	// now, so Stop gets its own.
	_, _ = tunnel.Stop(context.WithoutCancel(ctx))
	return nil
}

// portFree fails, naming the port and the setting to change, when the
// port serve would tunnel to is taken. The tunnel listens on every
// interface, so the check does too. Someone may still take the port
// before the tunnel does; then starting the tunnel fails instead.
func portFree(ctx context.Context, port int) error {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("port %d is not free on this machine (%w): stop what uses it, or choose another with --port or SERVE_PORT", port, err)
	}
	return l.Close()
}
