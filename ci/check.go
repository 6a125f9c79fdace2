package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"dagger.io/dagger"
	"golang.org/x/sync/errgroup"

	"github.com/example/goship/ci/report"
)

// check vets and tests the code, builds the image and scans it, scans the
// Terraform and the Dockerfile for misconfigurations, and validates the
// Terraform, all at once.
func check(ctx context.Context, p *pipeline) error {
	_, err := checkAll(ctx, p)
	return err
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
	var imageGate, configGate report.Gate
	var g errgroup.Group
	errs := make([]error, 4)
	g.Go(func() error {
		errs[0] = p.steps.run("test: go vet, go test -race", func() error { return test(ctx, p) })
		return nil
	})
	g.Go(func() error {
		errs[1] = p.steps.run("build and scan the image", func() error {
			if _, err := image.Sync(ctx); err != nil {
				return err
			}
			found, cdx, err := scan(ctx, p, image)
			if err != nil {
				return err
			}
			if err := keepSBOM(ctx, p, cdx); err != nil {
				return err
			}
			sbom = cdx
			imageGate = report.VulnerabilityGate(found, p.cfg.severities)
			return p.gateError("vulnerabilities", imageGate, report.WriteVulnerabilities)
		})
		return nil
	})
	g.Go(func() error {
		errs[2] = p.steps.run("scan infra/ and the Dockerfile for misconfigurations", func() error {
			found, err := scanConfig(ctx, p)
			if err != nil {
				return err
			}
			configGate = report.MisconfigurationGate(found, p.cfg.severities)
			return p.gateError("misconfigurations", configGate, report.WriteMisconfigurations)
		})
		return nil
	})
	g.Go(func() error {
		errs[3] = p.steps.run("terraform fmt and validate", func() error { return validateTerraform(ctx, p) })
		return nil
	})
	_ = g.Wait() // every goroutine reports through errs
	p.result.Scanned = true
	p.result.Vulnerabilities, p.result.BlockingVulnerabilities = imageGate.Total, len(imageGate.Blocking)
	p.result.Misconfigurations, p.result.BlockingMisconfigurations = configGate.Total, len(configGate.Blocking)
	if err := errors.Join(errs...); err != nil {
		return checked{}, err
	}
	return checked{image: image, sbom: sbom}, nil
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
