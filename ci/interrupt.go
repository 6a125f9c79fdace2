package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/example/goship/ci/terraform"
)

// watchInterrupts hands every interrupt the process receives to the
// run's interrupt rules until stop is closed, and prints what they say.
// It keeps listening after the first interrupt: that is how a second one
// can abort a Terraform command that the first let finish.
func watchInterrupts(signals <-chan os.Signal, stop <-chan struct{}, rules *terraform.Interrupts, out io.Writer) {
	for {
		select {
		case <-stop:
			return
		case <-signals:
			fmt.Fprintln(out, "\n"+rules.Interrupt())
		}
	}
}

// errFinishedAfterInterrupt marks a Terraform command that ran to its end
// after an interrupt: what it applied is in place, and the run stopped
// before the steps that would have followed (the ECS wait, the smoke test).
var errFinishedAfterInterrupt = errors.New("finished after the interrupt; the run stops here")

// protected runs a Terraform apply or destroy of one stack so that an
// interrupt cannot cut it halfway: it runs under a context the run's
// cancellation does not reach, which only a second interrupt cancels.
// Either way the run stops after it; a command cut or failed after an
// interrupt prints how to release the lock it leaves.
func (p *pipeline) protected(ctx context.Context, st stack, verb string, fn func(ctx context.Context) error) error {
	cmdCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	cmd, err := p.interrupts.Begin(verb, st.name, abort)
	if err != nil {
		return err
	}
	err = fn(cmdCtx)
	finishing, aborted := p.interrupts.End(cmd)
	switch {
	case aborted || (finishing && err != nil):
		p.steps.printf("%s\n", p.lockRecovery(ctx, st, ""))
		return fmt.Errorf("terraform %s of the %s stack was cut short after an interrupt (%w)", verb, st.name, err)
	case finishing:
		return fmt.Errorf("terraform %s of the %s stack %w", verb, st.name, errFinishedAfterInterrupt)
	}
	return err
}

// lockRecovery says how to release the lock a killed Terraform left,
// with the lock's own ID and owner: from the lock file when it can be
// read, else from Terraform's lock error in output, if there is one.
func (p *pipeline) lockRecovery(ctx context.Context, st stack, output string) string {
	if st == bootstrapStack && p.bootstrap.Start == terraform.FirstRun {
		return "Bootstrap's first run keeps its state local inside the run's container until the bucket exists: a bootstrap killed during apply leaves no lock, " +
			"but it may have created the state bucket, a network or a role without recording them in " + bootstrapLocalState +
			": import them (terraform -chdir=infra/bootstrap import, with the local backend of docs/adr/0001) or delete them before the next bootstrap."
	}
	lock := terraform.Lock{Stack: st.name, Dir: st.path(), Bucket: p.cfg.stateBucket, Key: stateKey(p.cfg, st), Region: p.cfg.region,
		EndpointEnv: p.hostEndpoints}
	lock.ID, lock.Who, _ = terraform.HeldLock(output)
	if p.readLock != nil {
		// The run's context may be cancelled by now; this read is short
		// and bounded on its own.
		held, err := p.readLock(context.WithoutCancel(ctx), lock.Bucket, lock.Key)
		switch {
		case err != nil:
			p.steps.printf("  (could not read the lock: %v)\n", err)
		case held == nil:
			return fmt.Sprintf("The %s stack's state is not locked (s3://%s/%s.tflock is gone): Terraform released it before it stopped.", st.name, lock.Bucket, lock.Key)
		default:
			lock.ID, lock.Who, lock.Operation, lock.Created = held.ID, held.Who, held.Operation, held.Created
		}
	}
	return terraform.RecoveryCommands(lock)
}
