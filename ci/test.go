package main

import (
	"context"

	"dagger.io/dagger"
)

// test runs go vet and the race-enabled tests of the whole module in the
// pinned Go image. Tests that drive external tools (trivy, tflint,
// terraform) skip there: those tools are not in the Go image.
func test(ctx context.Context, p *pipeline) error {
	_, err := goContainer(p).
		WithMountedDirectory("/src", p.source()).
		WithWorkdir("/src").
		WithExec([]string{"go", "vet", "./..."}).
		WithExec([]string{"go", "test", "-race", "./..."}).
		Sync(ctx)
	return err
}

// goContainer is the pinned Go image running the pinned toolchain, the
// same one the Dockerfile builds with, with shared module and build caches.
// The toolchain is a module: the go command fetches it through GOPROXY,
// checks it against the checksum database, and keeps it in the module
// cache volume, so only the first run downloads it. The race detector
// needs cgo, and the golang image has gcc.
func goContainer(p *pipeline) *dagger.Container {
	return p.dag.Container().From(p.cfg.goImage).
		WithMountedCache("/go/pkg/mod", p.dag.CacheVolume(goModCache)).
		WithMountedCache("/root/.cache/go-build", p.dag.CacheVolume(goBuildCache)).
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithEnvVariable("GOCACHE", "/root/.cache/go-build").
		WithEnvVariable("GOPROXY", p.cfg.goProxy).
		WithEnvVariable("GOTOOLCHAIN", p.cfg.goToolchain).
		WithEnvVariable("CGO_ENABLED", "1")
}
