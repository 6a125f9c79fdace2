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
	err = p.steps.run("apply the service stack", func() error {
		service, err = apply(ctx, p, serviceStack, image)
		if err != nil {
			return err
		}
		return requireOutputs(service, "service_url", "cluster_name", "service_name")
	})
	if err == nil {
		p.result.Image = image
		info, err = settle(ctx, p, service, image, wantCommit)
	} else {
		if errors.Is(err, errFinishedAfterInterrupt) {
			// Terraform applied the image: ECS rolls it out, unwatched.
			p.result.Image = image
		}
		explainFailedApply(ctx, p, image)
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
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if recordErr := recordDeploy(recordCtx, p, deployRecord(p, kind, image, commit, version, err)); recordErr != nil {
		return errors.Join(err, recordErr)
	}
	if err != nil {
		return err
	}
	p.result.URL = service["service_url"]
	fmt.Fprintf(p.stdout, "\nLive at %s\n", p.result.URL)
	return nil
}

// settle waits for ECS to run image and smoke-tests the live URL. When
// either fails, it says why, in the terminal and in the step summary.
func settle(ctx context.Context, p *pipeline, service map[string]string, image, wantCommit string) (cloud.VersionInfo, error) {
	clients := cloud.NewClients(p.aws.Config)
	cluster, name := service["cluster_name"], service["service_name"]
	if err := p.steps.run("wait for the ECS service to become stable", func() error {
		return cloud.WaitStable(ctx, clients.ECS, cluster, name, image, p.cfg.waitTimeout, cloud.WaitInterval, p.stdout)
	}); err != nil {
		explainFailedRollout(ctx, p, clients, cluster, name, image)
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
