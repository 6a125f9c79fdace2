package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// chooseRollback picks the image to go back to from the deploy history
// and checks its repository still has it, before the engine starts; rollback then
// deploys it.
func chooseRollback(ctx context.Context, p *pipeline) error {
	target, err := rollbackTarget(ctx, cloud.NewClients(p.aws.Config), p.cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "Rolling back to %s (%s of %s, commit %s, version %s)\n",
		target.Image, target.Kind, target.Time.UTC().Format("2006-01-02 15:04:05Z"), orDash(target.Commit), orDash(target.Version))
	p.cfg.image = target.Image
	p.cfg.commit, p.cfg.version, p.cfg.commitGiven = target.Commit, target.Version, target.Commit != ""
	return nil
}

// rollback redeploys the image chooseRollback picked: by default the last
// live one before the image running now. Underneath it is deploy --image:
// the service stack only, the wait, the smoke test (of the commit the
// history recorded), and a history entry of its own.
func rollback(ctx context.Context, p *pipeline) error {
	if p.cfg.image == "" {
		return errors.New("rollback has no image: chooseRollback did not run")
	}
	return deployAs(ctx, p, report.KindRollback)
}

// rollBackAfterBake puts target back after a bake an alarm failed: the
// image rollback would pick (rollbackTargetFrom the failed one: the last
// live image before it, still in its repository), deployed by redeploy as
// `rollback` does, so that Terraform's state names what ECS runs and the
// next plan finds no drift.
func rollBackAfterBake(ctx context.Context, p *pipeline, target report.Deploy, redeploy func(context.Context) error) error {
	fmt.Fprintf(p.stdout, "\nRolling back automatically to %s (%s of %s, commit %s, version %s)\n",
		target.Image, target.Kind, target.Time.UTC().Format("2006-01-02 15:04:05Z"), orDash(target.Commit), orDash(target.Version))
	p.cfg.image = target.Image
	p.cfg.commit, p.cfg.version, p.cfg.commitGiven = target.Commit, target.Version, target.Commit != ""
	if err := redeploy(ctx); err != nil {
		return fmt.Errorf("the automatic rollback to %s failed: %w (go run ./ci status shows what runs; go run ./ci rollback tries again)", target.Image, err)
	}
	return nil
}

// rollbackTarget picks the history entry to go back to and makes sure its
// image is still in ECR, before anything is applied.
func rollbackTarget(ctx context.Context, clients cloud.Clients, cfg config) (report.Deploy, error) {
	name := serviceName(cfg)
	var running string
	svc, err := cloud.DescribeService(ctx, clients.ECS, name, name)
	switch {
	case err == nil:
		if running, err = cloud.RunningImage(ctx, clients.ECS, svc); err != nil {
			return report.Deploy{}, err
		}
	case errors.Is(err, cloud.ErrNoService):
		// Nothing runs: any live deploy in the history is earlier.
	default:
		return report.Deploy{}, err
	}
	return rollbackTargetFrom(ctx, clients, cfg, running)
}

// rollbackTargetFrom is rollbackTarget away from the image running, as
// the caller knows it: after a failed bake, the image that failed, even
// when ECS's own alarm rollback already runs the one before.
func rollbackTargetFrom(ctx context.Context, clients cloud.Clients, cfg config, running string) (report.Deploy, error) {
	entries, err := cloud.History(ctx, clients.S3, cfg.stateBucket, cfg.app, cfg.environment)
	if err != nil {
		return report.Deploy{}, err
	}
	target, err := report.RollbackTarget(entries, running, cfg.rollbackTo)
	if err != nil {
		return report.Deploy{}, fmt.Errorf("%w (running: %s; see go run ./ci history, or deploy a digest with deploy --image)", err, orDash(running))
	}
	if err := requireImage(ctx, clients, target.Image); err != nil {
		return report.Deploy{}, err
	}
	return target, nil
}

// requireImage checks that image is still in its repository, so a rollback
// never applies a task definition whose tasks cannot pull their image: ECR
// is asked with the run's AWS credentials, another registry
// (--image-repository) over the OCI API.
func requireImage(ctx context.Context, clients cloud.Clients, image string) error {
	repository, _, _ := strings.Cut(image, "@")
	if cloud.IsECRRepository(repository) {
		return cloud.RequireImage(ctx, clients.ECR, image)
	}
	ref, err := name.NewDigest(image)
	if err != nil {
		return fmt.Errorf("%q is not a repository@sha256:... reference: %w", image, err)
	}
	if err := (attest.Registry{}).Exists(ctx, ref); err != nil {
		return fmt.Errorf("%w (%w); pick another with --to (see go run ./ci history)", cloud.ErrImageGone, err)
	}
	return nil
}
