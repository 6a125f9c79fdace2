package main

import (
	"context"
	"fmt"

	"dagger.io/dagger"
)

// servicePort is where the api listens inside its container (its PORT
// default).
const servicePort = 8080

// serve builds the image and runs it as a service tunnelled to localhost,
// so anyone with a container runtime can try the real image without AWS.
// It runs until Ctrl-C.
func serve(ctx context.Context, p *pipeline) error {
	image := build(p)
	if err := p.steps.run("build the image", func() error {
		_, err := image.Sync(ctx)
		return err
	}); err != nil {
		return err
	}
	service := image.
		WithEnvVariable("PORT", fmt.Sprint(servicePort)).
		WithExposedPort(servicePort).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
	fmt.Fprintf(p.stdout, "serving on http://localhost:%d (try /healthz and /version); Ctrl-C stops it\n", p.cfg.servePort)
	err := service.Up(ctx, dagger.ServiceUpOpts{
		Ports: []dagger.PortForward{{Frontend: p.cfg.servePort, Backend: servicePort}},
	})
	if ctx.Err() != nil {
		return nil //nolint:nilerr // Ctrl-C is how serve ends, and Up reports it as an error
	}
	return err
}
