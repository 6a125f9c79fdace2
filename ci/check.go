package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"dagger.io/dagger"
	"golang.org/x/sync/errgroup"
)

// check vets and tests the code, builds the image and scans it, scans the
// Terraform and the Dockerfile for misconfigurations, and validates the
// Terraform, all at once.
func check(ctx context.Context, p *pipeline) error {
	_, err := checkAll(ctx, p)
	return err
}

// checkAll runs every check concurrently, lets each finish so one run
// reports every failure, and returns the built image for deploy to ship:
// the image that was scanned is the image that is published.
func checkAll(ctx context.Context, p *pipeline) (*dagger.Container, error) {
	image := build(p)
	var imageGate, configGate gate
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
			report, err := scan(ctx, p, image)
			if err != nil {
				return err
			}
			imageGate = vulnerabilityGate(report, p.cfg.severities)
			return p.gateError("vulnerabilities", imageGate, writeVulnerabilities)
		})
		return nil
	})
	g.Go(func() error {
		errs[2] = p.steps.run("scan infra/ and the Dockerfile for misconfigurations", func() error {
			report, err := scanConfig(ctx, p)
			if err != nil {
				return err
			}
			configGate = misconfigurationGate(report, p.cfg.severities)
			return p.gateError("misconfigurations", configGate, writeMisconfigurations)
		})
		return nil
	})
	g.Go(func() error {
		errs[3] = p.steps.run("terraform fmt and validate", func() error { return validateTerraform(ctx, p) })
		return nil
	})
	_ = g.Wait() // every goroutine reports through errs
	p.result.Scanned = true
	p.result.Vulnerabilities, p.result.BlockingVulnerabilities = imageGate.total, len(imageGate.blocking)
	p.result.Misconfigurations, p.result.BlockingMisconfigurations = configGate.total, len(configGate.blocking)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return image, nil
}

// gateError prints the blocking findings as a table and fails when there
// are any.
func (p *pipeline) gateError(kind string, g gate, table func(io.Writer, []finding) error) error {
	if len(g.blocking) == 0 {
		p.steps.printf("  %d %s found, none blocking\n", g.total, kind)
		return nil
	}
	var b bytes.Buffer
	if err := table(&b, g.blocking); err != nil {
		return err
	}
	p.steps.printf("%s", b.String())
	return fmt.Errorf("%d blocking %s of %d (severities %v): fix them, or accept each in %s with a reason",
		len(g.blocking), kind, g.total, p.cfg.severities, ignoreFilePath(p.cfg))
}
