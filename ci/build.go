package main

import (
	"dagger.io/dagger"
)

// build builds the service image from the repository's Dockerfile with the
// same build arguments a local `docker build` takes.
func build(p *pipeline) *dagger.Container {
	return p.buildContext().DockerBuild(dagger.DirectoryDockerBuildOpts{
		Platform:  dagger.Platform(p.cfg.platform),
		BuildArgs: buildArgs(p.cfg),
	})
}

// buildArgs are the Dockerfile's ARGs: what the binary reports at /version,
// where modules come from, and the pinned base images and toolchain.
func buildArgs(cfg config) []dagger.BuildArg {
	var args []dagger.BuildArg
	for _, a := range []dagger.BuildArg{
		{Name: "VERSION", Value: cfg.version},
		{Name: "COMMIT", Value: cfg.commit},
		{Name: "BUILD_TIME", Value: cfg.buildTime},
		{Name: "GOPROXY", Value: cfg.goProxy},
		{Name: "GO_IMAGE", Value: cfg.goImage},
		{Name: "GO_TOOLCHAIN", Value: cfg.goToolchain},
		{Name: "RUNTIME_IMAGE", Value: cfg.runtimeImage},
	} {
		// An empty value would override the Dockerfile's own default.
		if a.Value != "" {
			args = append(args, a)
		}
	}
	return args
}
