package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dagger.io/dagger"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/terraform"
)

// lockedBuffer is an output that the interrupt watcher and the steps may
// write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor fails the test when ch does not close in time; nothing here
// sleeps to synchronise.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// settled returns once the watcher has printed what every earlier signal
// said: the channel is unbuffered, so it takes this one only when it is
// back at its loop. Once no command runs, one more interrupt only stops
// the run, which has stopped already.
func settled(signals chan<- os.Signal) { signals <- syscall.SIGINT }

// watchFakeSignals gives p the interrupts main gives it and starts main's
// watcher on a signal channel the test sends to. It returns the run's
// context, which the first interrupt cancels.
func watchFakeSignals(t *testing.T, p *pipeline, out io.Writer) (context.Context, chan<- os.Signal) {
	t.Helper()
	runCtx, cancelRun := context.WithCancel(t.Context())
	t.Cleanup(cancelRun)
	p.interrupts = terraform.NewInterrupts(cancelRun)
	signals := make(chan os.Signal)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go watchInterrupts(signals, stop, p.interrupts, out)
	return runCtx, signals
}

// TestInterruptDuringApply drives a protected Terraform apply with fake
// signals through the same watcher main uses: the first interrupt stops
// the run but lets the apply finish; a second aborts it and prints how to
// release the lock it leaves, with the lock's own ID.
func TestInterruptDuringApply(t *testing.T) {
	t.Parallel()
	for _, second := range []bool{false, true} {
		name := "one interrupt: the apply finishes"
		if second {
			name = "two interrupts: the apply is aborted"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out lockedBuffer
			p := &pipeline{
				cfg:   config{app: "goship", environment: "dev", region: "eu-west-1", stateBucket: "goship-state-1"},
				steps: newSteps(&out, time.Now),
				readLock: func(_ context.Context, bucket, key string) (*cloud.StateLock, error) {
					if bucket != "goship-state-1" || key != "goship/dev/service.tfstate" {
						t.Errorf("read the lock of %s/%s", bucket, key)
					}
					return &cloud.StateLock{ID: "lock-id-42", Who: "goship deploy dev by alice@laptop@dagger", Operation: "OperationTypeApply"}, nil
				},
			}
			runCtx, signals := watchFakeSignals(t, p, &out)

			started, finish, result := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				result <- p.protected(runCtx, serviceStack, "apply", func(ctx context.Context) error {
					close(started)
					select {
					case <-finish:
						return nil
					case <-ctx.Done():
						return ctx.Err() // the engine SIGKILLs Terraform
					}
				})
			}()
			waitFor(t, started, "the apply to start")
			signals <- syscall.SIGINT
			waitFor(t, runCtx.Done(), "the first interrupt to stop the run")
			if !second {
				close(finish)
				err := <-result
				settled(signals)
				if err == nil || !strings.Contains(err.Error(), "terraform apply of the service stack finished after the interrupt") {
					t.Errorf("protected = %v", err)
				}
				if !strings.Contains(out.String(), "finishing terraform apply of service; interrupt again to abort, which leaves the state locked") {
					t.Errorf("output lacks the finishing message:\n%s", out.String())
				}
				if strings.Contains(out.String(), "force-unlock") {
					t.Errorf("a finished apply printed lock recovery:\n%s", out.String())
				}
				return
			}
			signals <- syscall.SIGTERM
			err := <-result
			settled(signals)
			if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cut short after an interrupt") {
				t.Errorf("protected = %v, want the abort", err)
			}
			for _, want := range []string{
				"aborting terraform apply of service: its state stays locked",
				"lock ID lock-id-42, held by goship deploy dev by alice@laptop@dagger",
				"terraform -chdir=infra init -input=false -reconfigure -backend-config=bucket=goship-state-1 -backend-config=key=goship/dev/service.tfstate -backend-config=region=eu-west-1",
				"terraform -chdir=infra force-unlock -force lock-id-42",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestInterruptBeforeApply checks that an interrupt outside a protected
// command stops the run at once and that no apply starts after it.
func TestInterruptBeforeApply(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	p := &pipeline{steps: newSteps(&out, time.Now)}
	runCtx, signals := watchFakeSignals(t, p, &out)
	signals <- syscall.SIGINT
	waitFor(t, runCtx.Done(), "the interrupt to stop the run")
	err := p.protected(runCtx, registryStack, "apply", func(context.Context) error {
		t.Error("an apply started after the interrupt")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "interrupted before terraform apply of the registry stack started") {
		t.Errorf("protected = %v", err)
	}
}

// TestLockHeldByAnotherRun checks that a run that finds the lock held,
// after --lock-timeout, prints how to release it with the values filled
// in, taking the lock ID from Terraform's own message when the lock file
// cannot be read.
func TestLockHeldByAnotherRun(t *testing.T) {
	t.Parallel()
	stderr := "\nError: Error acquiring the state lock\n\nError message: operation error S3: PutObject, https response error StatusCode: 412\n" +
		"Lock Info:\n  ID:        6f1c2d3e-0000-4000-8000-000000000001\n  Path:      goship-state-1/goship/dev/registry.tfstate\n" +
		"  Operation: OperationTypePlan\n  Who:       goship deploy dev by bob@ci@buildkitsandbox\n  Version:   1.15.8\n  Created:   2026-11-29 16:00:00 +0000 UTC\n  Info:\n\n" +
		"Terraform acquires a state lock to protect the state from being written\nby multiple users at the same time.\n"
	var out lockedBuffer
	p := &pipeline{
		cfg:   config{app: "goship", environment: "dev", region: "eu-west-1", stateBucket: "goship-state-1"},
		steps: newSteps(&out, time.Now),
		readLock: func(context.Context, string, string) (*cloud.StateLock, error) {
			return nil, errors.New("AccessDenied")
		},
	}
	err := p.terraformFailure(t.Context(), registryStack, &dagger.ExecError{Cmd: []string{"terraform", "plan"}, ExitCode: 1, Stderr: stderr})
	for _, want := range []string{
		"`terraform plan` in the registry stack (infra/registry) exited 1",
		"Error: Error acquiring the state lock",
		"held by goship deploy dev by bob@ci@buildkitsandbox",
		"terraform -chdir=infra/registry init -input=false -reconfigure -backend-config=bucket=goship-state-1 -backend-config=key=goship/dev/registry.tfstate -backend-config=region=eu-west-1",
		"terraform -chdir=infra/registry force-unlock -force 6f1c2d3e-0000-4000-8000-000000000001",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(out.String(), "could not read the lock: AccessDenied") {
		t.Errorf("the failed lock read is not mentioned:\n%s", out.String())
	}
}
