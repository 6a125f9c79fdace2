package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
)

// destroy destroys the environment: the service stack first, then the
// registry stack, whose repository goes even when it holds images. Either
// succeeds when there is nothing left to destroy.
func destroy(ctx context.Context, p *pipeline) error {
	if err := p.steps.run("destroy the service stack", func() error {
		return destroyStack(ctx, p, serviceStack, destroyPlaceholderImage(p.cfg, p.aws.Account))
	}); err != nil {
		return err
	}
	return p.steps.run("destroy the registry stack", func() error {
		return destroyStack(ctx, p, registryStack, "")
	})
}

// confirm asks before a mode that cannot be undone. On a terminal the user
// types the environment's name; --yes or CI=true skips the question; with
// neither, and no terminal to ask on, it refuses.
func confirm(p *pipeline, inCI, terminal bool) error {
	if p.cfg.assumeYes || inCI {
		return nil
	}
	if !terminal {
		return usagef("refusing to destroy %q without confirmation: standard input is not a terminal; pass --yes (or set CI=true) to destroy without asking", p.cfg.environment)
	}
	account := ""
	if p.aws != nil {
		account = " in AWS account " + p.aws.Account
	}
	fmt.Fprintf(p.stdout, "This destroys environment %q of %s%s (%s), its registry and every image in it.\nType the environment name to continue: ",
		p.cfg.environment, p.cfg.app, account, p.cfg.region)
	answer, err := bufio.NewReader(p.stdin).ReadString('\n')
	if err != nil && answer == "" {
		return errors.New("no answer: nothing destroyed")
	}
	if strings.TrimSpace(answer) != p.cfg.environment {
		return errors.New("the answer does not match the environment name: nothing destroyed")
	}
	return nil
}
