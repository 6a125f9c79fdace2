package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// deploy runs every check, then makes sure the ECR repository exists,
// publishes the scanned image to it, attaches its SBOM and signature,
// verifies that signature, applies the service stack with that image's
// digest, waits for ECS to settle and smoke-tests the live URL. With
// --image it skips the checks and the publish and deploys that digest once
// its signature verifies: that is how to roll back. Once the service stack
// has been applied, the deploy is recorded in the history whatever its
// outcome.
func deploy(ctx context.Context, p *pipeline) error {
	return deployAs(ctx, p, report.KindDeploy)
}

// deployAs is deploy, recorded in the history as kind (deploy, rollback).
func deployAs(ctx context.Context, p *pipeline, kind string) error {
	image := p.cfg.image
	wantCommit := p.cfg.commit
	var registry map[string]string
	supply, err := prepareSupplyChain(ctx, p)
	if err != nil {
		return err
	}
	if image == "" {
		built, err := checkAll(ctx, p)
		if err != nil {
			return err
		}
		if err := p.steps.run("apply the registry stack", func() error {
			registry, err = apply(ctx, p, registryStack, "")
			if err != nil {
				return err
			}
			return requireOutputs(registry, "repository_url")
		}); err != nil {
			return err
		}
		repository := registry["repository_url"]
		if p.cfg.imageRepository != "" {
			repository = p.cfg.imageRepository
		}
		if err := p.steps.run("publish the image to "+repository, func() error {
			image, err = publish(ctx, p, built.image, repository)
			p.result.Published = image
			return err
		}); err != nil {
			return err
		}
		if err := p.steps.run("attach the SBOM and the signature to the image", func() error {
			reg, err := imageRegistry(ctx, p, image)
			if err != nil {
				return err
			}
			return signAndAttach(ctx, p, supply, reg, image, built.sbom)
		}); err != nil {
			return fmt.Errorf("%w (the image %s is pushed but not signed: run the deploy again, or deploy it unsigned with --image %s --allow-unsigned)", err, image, image)
		}
	} else if !p.cfg.commitGiven {
		// A rolled-back image reports its own commit, not the checkout's.
		wantCommit = ""
	}
	if err := p.steps.run("verify the image's signature", func() error {
		reg, err := imageRegistry(ctx, p, image)
		if err != nil {
			return err
		}
		return verifyBeforeDeploy(ctx, p, supply, reg, image)
	}); err != nil {
		return err
	}

	var service map[string]string
	var info cloud.VersionInfo
	applyStarted := p.now()
	err = p.steps.run("apply the service stack", func() error {
		service, err = apply(ctx, p, serviceStack, image)
		if err != nil {
			return err
		}
		return requireOutputs(service, "service_url", "cluster_name", "service_name")
	})
	if err == nil {
		p.result.Image = image
		info, err = settle(ctx, p, service, image, wantCommit, applyStarted)
	} else {
		if errors.Is(err, errFinishedAfterInterrupt) {
			// Terraform applied the image: ECS rolls it out, unwatched.
			p.result.Image = image
		}
		explainFailedApply(ctx, p, image, applyStarted)
	}

	// From the apply on, the image may be running: the history hears of
	// it whatever happened, even after Ctrl-C.
	commit, version := p.cfg.commit, p.cfg.version
	if p.cfg.image != "" && !p.cfg.commitGiven {
		commit, version = "", ""
	}
	if info.Commit != "" {
		commit, version = info.Commit, info.Version
	}
	r := release{kind: kind, image: image, commit: commit, version: version, service: service}
	return conclude(ctx, p, r, err, func(ctx context.Context) error { return deployAs(ctx, p, report.KindRollback) })
}

// release is a deploy whose service stack has been applied: what the
// history records of it.
type release struct {
	kind, image, commit, version string
	service                      map[string]string // the service stack's outputs
}

// conclude ends a deploy whose service stack was applied: when the wait
// and the smoke test passed (err nil), the bake watches it; then the
// history records it, whatever happened. When the bake blames the image,
// the previous good one goes back through redeploy (deployAs with kind
// rollback, the path of `rollback`), which a rollback itself never does:
// a rollback's failed bake ends there, with nothing further to go back to
// that a person should not choose.
func conclude(ctx context.Context, p *pipeline, r release, err error, redeploy func(context.Context) error) error {
	clients := p.clients()
	var watched *report.Bake
	if err == nil {
		bakeStarted := p.now()
		watched, err = bake(ctx, p, clients, r.service["cluster_name"], r.service["service_name"])
		if p.result.Bake == nil {
			p.result.Bake = watched
		} else {
			p.result.RollbackBake = watched
		}
		var failed bakeFailure
		if errors.As(err, &failed) {
			explainFailedBake(ctx, p, clients, failed.verdict, watched, bakeStarted)
		}
	}

	// The image to go back to is chosen before the record is written: a
	// deploy with nothing earlier to go back to is recorded as a failed
	// bake, not as rolled back.
	var failed bakeFailure
	var target report.Deploy
	if errors.As(err, &failed) && failed.verdict.RollBack && r.kind != report.KindRollback {
		var targetErr error
		if target, targetErr = rollbackTargetFrom(ctx, clients, p.cfg, r.image); targetErr != nil {
			failed.verdict.RollBack = false
			failed.verdict.Why += fmt.Sprintf("; it cannot be rolled back automatically: %v", targetErr)
			err = failed
		}
	}

	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	d := deployRecord(p, r.kind, r.image, r.commit, r.version, err)
	d.Bake = watched
	if recordErr := recordDeploy(recordCtx, p, d); recordErr != nil {
		return errors.Join(err, recordErr)
	}
	switch {
	case errors.As(err, &failed) && failed.verdict.RollBack && r.kind != report.KindRollback:
		if rollbackErr := rollBackAfterBake(ctx, p, target, redeploy); rollbackErr != nil {
			return errors.Join(err, rollbackErr)
		}
		return fmt.Errorf("%w\nThe previous image %s is back; deploy %s again once the alarm's cause is fixed", err, p.cfg.image, r.image)
	case errors.As(err, &failed):
		return fmt.Errorf("%w\nNothing was rolled back: %s is live (go run ./ci status shows its alarms; go run ./ci rollback --to N puts a chosen image back)", err, r.image)
	case err != nil:
		return err
	}
	p.result.URL = r.service["service_url"]
	fmt.Fprintf(p.stdout, "\nLive at %s\n", p.result.URL)
	return nil
}

// settle waits for ECS to run image and smoke-tests the live URL. When
// either fails, it says why (with what happened since the apply began),
// in the terminal and in the step summary.
func settle(ctx context.Context, p *pipeline, service map[string]string, image, wantCommit string, applyStarted time.Time) (cloud.VersionInfo, error) {
	clients := p.clients()
	cluster, name := service["cluster_name"], service["service_name"]
	if err := p.steps.run("wait for the ECS service to become stable", func() error {
		return cloud.WaitStable(ctx, clients.ECS, cluster, name, image, p.cfg.waitTimeout, cloud.WaitInterval, p.stdout)
	}); err != nil {
		explainFailedRollout(ctx, p, clients, cluster, name, image, applyStarted)
		return cloud.VersionInfo{}, fmt.Errorf("%w (logs: CloudWatch group %s)", err, service["log_group_name"])
	}
	var info cloud.VersionInfo
	target, label := service["service_url"], service["service_url"]
	if p.smokeTarget != nil {
		label = image + ", run as a service (an emulator has no load balancer)"
	}
	err := p.steps.run("smoke-test "+label, func() error {
		if p.smokeTarget != nil {
			url, stop, err := p.smokeTarget(ctx, image)
			if err != nil {
				return smokeFailure{err}
			}
			defer stop()
			target = url
		}
		client := &http.Client{Timeout: 10 * time.Second}
		var err error
		info, err = cloud.Smoke(ctx, client, target, wantCommit, cloud.DefaultRetryPolicy(p.cfg.smokeTimeout), p.stdout)
		if err != nil {
			return smokeFailure{err}
		}
		fmt.Fprintf(p.stdout, "  %s %s (commit %s) is live\n", info.Service, info.Version, info.Commit)
		return nil
	})
	if err != nil {
		explainFailedSmoke(ctx, p, clients, cluster, name, err)
	}
	return info, err
}
