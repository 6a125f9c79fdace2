package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"dagger.io/dagger"
	"github.com/aquasecurity/trivy/pkg/types"

	"github.com/example/goship/ci/report"
)

// Paths inside the Trivy container.
const (
	trivyImageTar   = "/image.tar"
	trivyReport     = "/report.json"
	trivySBOM       = "/sbom.cdx.json"
	trivyIgnoreFile = "/trivyignore"
	trivyCacheDir   = "/root/.cache/trivy"
)

// scan scans the built image for vulnerabilities with Trivy, from the same
// image tarball that would be published, and returns Trivy's report and the
// image's CycloneDX SBOM, made by the same Trivy in the same container from
// the same tarball. The gate is decided in Go, so Trivy always exits 0 here.
func scan(ctx context.Context, p *pipeline, image *dagger.Container) (types.Report, []byte, error) {
	ctr := trivyContainer(p).
		WithMountedCache(trivyCacheDir, p.dag.CacheVolume(trivyCacheVolume(p.cfg.trivyDBRepository)), dagger.ContainerWithMountedCacheOpts{
			// Trivy holds an exclusive lock on its database while it runs.
			Sharing: dagger.CacheSharingModeLocked,
		}).
		// New advisories are published every day: scan again on every run.
		WithEnvVariable("GOSHIP_RUN", p.runID).
		WithMountedFile(trivyImageTar, image.AsTarball())
	scanned := ctr.WithExec(trivyImageArgs(p.cfg, hasIgnoreFile(p))).WithExec(trivySBOMArgs())
	out, err := scanned.File(trivyReport).Contents(ctx)
	if err != nil {
		return types.Report{}, nil, err
	}
	found, err := report.DecodeReport([]byte(out))
	if err != nil {
		return types.Report{}, nil, err
	}
	sbom, err := scanned.File(trivySBOM).Contents(ctx)
	if err != nil {
		return types.Report{}, nil, err
	}
	return found, []byte(sbom), nil
}

// scanConfig scans infra/ and the Dockerfile for misconfigurations with the
// checks built into the pinned Trivy, so the result does not change
// between runs and needs no network.
func scanConfig(ctx context.Context, p *pipeline) (types.Report, error) {
	tree := p.dag.Directory().
		WithDirectory("infra", p.infra()).
		WithFile("Dockerfile", p.dag.Host().File(filepath.Join(p.root, "Dockerfile")))
	ctr := trivyContainer(p).
		WithMountedDirectory("/src", tree).
		WithWorkdir("/src")
	return trivyRun(ctx, ctr, trivyConfigArgs(p.cfg, hasIgnoreFile(p)))
}

// trivyCacheVolume names the Trivy cache volume after the database
// repository: Trivy downloads its database only when the cached one is
// due for an update, so a run pointed at another repository (a mirror, a
// pinned copy) would otherwise keep scanning with the old one, for days.
func trivyCacheVolume(dbRepository string) string {
	if dbRepository == "" {
		return trivyCache
	}
	sum := sha256.Sum256([]byte(dbRepository))
	return trivyCache + "-" + hex.EncodeToString(sum[:6])
}

func trivyContainer(p *pipeline) *dagger.Container {
	ctr := p.dag.Container().From(p.cfg.trivyImage)
	if path := ignoreFilePath(p.cfg); hasIgnoreFile(p) {
		ctr = ctr.WithMountedFile(trivyIgnoreFile, p.dag.Host().File(filepath.Join(p.root, path)))
	}
	return ctr
}

func trivyRun(ctx context.Context, ctr *dagger.Container, args []string) (types.Report, error) {
	out, err := ctr.WithExec(args).File(trivyReport).Contents(ctx)
	if err != nil {
		return types.Report{}, err
	}
	return report.DecodeReport([]byte(out))
}

// ignoreFilePath is the configured ignore file, or .trivyignore.
func ignoreFilePath(cfg config) string {
	if cfg.trivyIgnoreFile != "" {
		return cfg.trivyIgnoreFile
	}
	return ".trivyignore"
}

func hasIgnoreFile(p *pipeline) bool {
	return fileExists(filepath.Join(p.root, ignoreFilePath(p.cfg)))
}

// trivyImageArgs scans the image tarball for vulnerabilities of every
// severity, so the report shows what the gate let through too.
func trivyImageArgs(cfg config, withIgnoreFile bool) []string {
	args := []string{"trivy", "image",
		"--input", trivyImageTar,
		"--scanners", "vuln",
		"--cache-dir", trivyCacheDir,
	}
	if cfg.trivyDBRepository != "" {
		args = append(args, "--db-repository", cfg.trivyDBRepository)
	}
	return append(args, trivyCommonArgs(withIgnoreFile)...)
}

// trivySBOMArgs lists the image's packages as CycloneDX. Without
// --scanners it scans for nothing, so it needs no vulnerability database and
// the SBOM does not change when advisories do.
func trivySBOMArgs() []string {
	return []string{"trivy", "image",
		"--input", trivyImageTar,
		"--format", "cyclonedx",
		"--output", trivySBOM,
		"--cache-dir", "/tmp/trivy-sbom-cache",
		"--skip-version-check",
		"--disable-telemetry",
	}
}

// trivyConfigArgs scans the current directory for misconfigurations.
func trivyConfigArgs(_ config, withIgnoreFile bool) []string {
	args := []string{"trivy", "config",
		// Config checks need no vulnerability database; a private cache
		// keeps this scan off the image scan's lock.
		"--cache-dir", "/tmp/trivy-cache",
		"--skip-check-update",
	}
	return append(append(args, trivyCommonArgs(withIgnoreFile)...), ".")
}

func trivyCommonArgs(withIgnoreFile bool) []string {
	args := []string{
		"--format", "json",
		"--output", trivyReport,
		"--exit-code", "0",
		"--skip-version-check",
		"--disable-telemetry",
	}
	if withIgnoreFile {
		args = append(args, "--ignorefile", trivyIgnoreFile)
	}
	return args
}
