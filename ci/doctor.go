package main

import (
	"context"
	"fmt"

	"github.com/example/goship/ci/preflight"
)

// doctor prints every check a deploy of the environment needs, passing or
// not, so a person sees in one run what stands between them and a deploy.
// It reads only: the checks ask AWS who the credentials are, whether the
// bucket and bootstrap's parameters exist, and take no lock.
func doctor(_ context.Context, p *pipeline) error {
	if err := preflight.Table(p.stdout, p.checks); err != nil {
		return err
	}
	if n := preflight.Problems(p.checks); n > 0 {
		return usagef("%d of the checks above stand between this machine and a deploy of %s: fix them as the table says", n, p.cfg.environment)
	}
	_, err := fmt.Fprintf(p.stdout, "\nNothing stands between this machine and a deploy of %s.\n", p.cfg.environment)
	return err
}
