package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"dagger.io/dagger"

	"github.com/example/goship/ci/report"
)

// checkedPackages are the packages check vets and race-tests in the Go
// image: the api, the code the image ships, a concurrent server where the
// race detector earns its cost. The rest of the module is the pipeline
// and its test helpers (ci/..., infra, internal/...): vetting and
// race-building them pulls in the AWS SDK, sigstore and Trivy trees, some
// 700 more packages, which took 24 of a cold check's 25 minutes on 2
// cores, and their tests that matter need terraform, moto, trivy or an
// engine, none of which the Go image has, so they skipped there anyway.
// Those packages are vetted, linted and tested on the host by .ci/run
// (go vet ./..., go test ./..., with the tools required).
func checkedPackages() []string { return []string{"./api/..."} }

// goVetArgs vets the packages check tests.
func goVetArgs() []string { return append([]string{"go", "vet"}, checkedPackages()...) }

// goTestArgs runs the race-enabled tests of the checked packages and
// reports them as JSON events, so a failure can be told by its failed
// tests.
func goTestArgs() []string {
	return append([]string{"go", "test", "-race", "-json"}, checkedPackages()...)
}

// goTestEvents is where the test step keeps go test's JSON events, outside
// the mounted source.
const goTestEvents = "/tmp/go-test.json"

// test runs go vet and the race-enabled tests of the checked packages (see
// checkedPackages: the api; the pipeline's own tests run on the host) in
// the pinned Go image.
func test(ctx context.Context, p *pipeline) error {
	tested := goContainer(p).
		WithMountedDirectory("/src", p.source()).
		WithWorkdir("/src").
		WithExec(goVetArgs()).
		// The JSON events go to a file: the engine's log would print every
		// one of them.
		WithExec(goTestArgs(), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny, RedirectStdout: goTestEvents})
	code, err := tested.ExitCode(ctx)
	if err != nil || code == 0 {
		return err
	}
	stdout, err := tested.File(goTestEvents).Contents(ctx)
	if err != nil {
		return err
	}
	stderr, err := tested.Stderr(ctx)
	if err != nil {
		return err
	}
	return goTestFailure(code, stdout, stderr)
}

// saveGoCaches writes the Go caches back to --cache-dir, for the next
// runner to restore.
func saveGoCaches(ctx context.Context, p *pipeline) error {
	const out = "/tmp/goship-go-caches"
	_, err := goContainer(p).WithExec(saveCacheArgs(out)).Directory(out).
		Export(ctx, p.cfg.cacheDir, dagger.DirectoryExportOpts{Wipe: true})
	if err != nil {
		return fmt.Errorf("saving the Go caches to --cache-dir %s: %w", p.cfg.cacheDir, err)
	}
	return nil
}

// goTestFailure tells a failed go test by its failed tests. On a cold
// module cache stderr is all `go: downloading` lines, so it is shown only
// when stdout names no failure (the go command itself failed).
func goTestFailure(code int, stdout, stderr string) error {
	cmd := strings.Join(goTestArgs(), " ")
	if failures := report.GoTestFailures([]byte(stdout)); len(failures) > 0 {
		return fmt.Errorf("`%s` exited %d: %s", cmd, code, report.DescribeTestFailures(failures))
	}
	return fmt.Errorf("`%s` exited %d:\n%s", cmd, code, indent(streamEnds(stdout, stderr)))
}

// goContainer is the pinned Go image running the pinned toolchain, the
// same one the Dockerfile builds with, with shared module and build caches.
// The toolchain is a module: the go command fetches it through GOPROXY,
// checks it against the checksum database, and keeps it in the module
// cache volume, so only the first run downloads it. The race detector
// needs cgo, and the golang image has gcc.
//
// With --cache-dir, each volume is seeded from its folder there: the engine
// makes a volume given a source a copy-on-write child of that directory's
// snapshot, and the source is part of the volume's identity, so a runner
// that restored the folder starts warm.
func goContainer(p *pipeline) *dagger.Container {
	ctr := p.dag.Container().From(p.cfg.goImage)
	for _, gc := range goCaches() {
		var opts dagger.ContainerWithMountedCacheOpts
		if p.cfg.cacheDir != "" {
			opts.Source = p.dag.Host().Directory(filepath.Join(p.cfg.cacheDir, gc.folder))
		}
		ctr = ctr.WithMountedCache(gc.mount, p.dag.CacheVolume(gc.volume), opts)
	}
	return ctr.
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithEnvVariable("GOCACHE", "/root/.cache/go-build").
		WithEnvVariable("GOPROXY", p.cfg.goProxy).
		WithEnvVariable("GOTOOLCHAIN", p.cfg.goToolchain).
		WithEnvVariable("CGO_ENABLED", "1")
}
