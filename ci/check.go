package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"dagger.io/dagger"
	"github.com/aquasecurity/trivy/pkg/types"
	"golang.org/x/sync/errgroup"

	"github.com/example/goship/ci/report"
)

// check vets and tests the code, builds the image and scans it, scans the
// Terraform and the Dockerfile for misconfigurations, and validates the
// Terraform, all at once.
// With --cache-dir it then saves the Go caches there, pass or fail: a
// failed test run still compiled what the next run needs.
func check(ctx context.Context, p *pipeline) error {
	_, err := checkAll(ctx, p)
	if p.cfg.cacheDir == "" {
		return err
	}
	return errors.Join(err, p.steps.run("save the Go caches to --cache-dir", func() error { return saveGoCaches(ctx, p) }))
}

// checked is what a passing check hands deploy: the image that was scanned,
// which is the image that is published, and the SBOM made from it.
type checked struct {
	image *dagger.Container
	sbom  []byte
}

// checkAll runs every check concurrently, lets each finish so one run
// reports every failure, and returns the built image and its SBOM.
func checkAll(ctx context.Context, p *pipeline) (checked, error) {
	image := build(p)
	var sbom []byte
	var g errgroup.Group
	errs := make([]error, 4)
	g.Go(func() error {
		errs[0] = p.steps.run("test: go vet, go test -race", func() error { return test(ctx, p) })
		return nil
	})
	g.Go(func() error {
		errs[1] = p.steps.run("build and scan the image", func() error {
			var cdx []byte
			err := p.buildAndScan(
				func() error { _, err := image.Sync(ctx); return err },
				func() (types.Report, error) {
					found, c, err := scan(ctx, p, image)
					cdx = c
					return found, err
				})
			if cdx != nil {
				// Kept even when the gate blocks: it describes what was scanned.
				if sbomErr := keepSBOM(ctx, p, cdx); sbomErr != nil {
					return errors.Join(err, sbomErr)
				}
				sbom = cdx
			}
			return err
		})
		return nil
	})
	g.Go(func() error {
		errs[2] = p.steps.run("scan infra/ and the Dockerfile for misconfigurations", func() error {
			found, err := scanConfig(ctx, p)
			if err != nil {
				p.result.Misconfigurations = report.Scan{NotDone: "the scan failed"}
				return err
			}
			// Trivy logs this at ERROR level whenever it is told not to
			// download checks and has none cached: here it is the plan.
			p.steps.printf("  (Trivy's \"Falling back to embedded checks\" in the engine log is expected: the config scan uses the checks built into the pinned Trivy, offline)\n")
			gate := report.MisconfigurationGate(found, p.cfg.severities)
			p.result.Misconfigurations = report.Scan{Completed: true, Total: gate.Total, Blocking: len(gate.Blocking)}
			return p.gateError("misconfigurations", gate, report.WriteMisconfigurations)
		})
		return nil
	})
	g.Go(func() error {
		errs[3] = p.steps.run("terraform fmt and validate", func() error { return validateTerraform(ctx, p) })
		return nil
	})
	_ = g.Wait() // every goroutine reports through errs
	if err := errors.Join(errs...); err != nil {
		return checked{}, err
	}
	return checked{image: image, sbom: sbom}, nil
}

// buildAndScan builds the image, scans it and applies the gate, and
// records in the summary what the scan found, or why there was no scan:
// a build or scan that failed must never read as zero findings.
func (p *pipeline) buildAndScan(build func() error, scan func() (types.Report, error)) error {
	if err := build(); err != nil {
		p.result.Vulnerabilities = report.Scan{NotDone: "the image build failed"}
		return err
	}
	found, err := scan()
	if err != nil {
		p.result.Vulnerabilities = report.Scan{NotDone: "the scan failed"}
		return err
	}
	gate := report.VulnerabilityGate(found, p.cfg.severities)
	p.result.Vulnerabilities = report.Scan{Completed: true, Total: gate.Total, Blocking: len(gate.Blocking)}
	return p.gateError("vulnerabilities", gate, report.WriteVulnerabilities)
}

// gateError prints the blocking findings as a table and fails when there
// are any.
func (p *pipeline) gateError(kind string, g report.Gate, table func(io.Writer, []report.Finding) error) error {
	if len(g.Blocking) == 0 {
		p.steps.printf("  %d %s found, none blocking\n", g.Total, kind)
		return nil
	}
	var b bytes.Buffer
	if err := table(&b, g.Blocking); err != nil {
		return err
	}
	p.steps.printf("%s", b.String())
	return fmt.Errorf("%d blocking %s of %d (severities %v): fix them, or accept each in %s with a reason",
		len(g.Blocking), kind, g.Total, p.cfg.severities, ignoreFilePath(p.cfg))
}
