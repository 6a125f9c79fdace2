package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/example/goship/ci/cloud"
)

// deploy runs every check, then makes sure the ECR repository exists,
// publishes the scanned image to it, applies the service stack with that
// image's digest, waits for ECS to settle and smoke-tests the live URL.
// With --image it skips the checks and the publish and deploys that
// digest: that is how to roll back.
func deploy(ctx context.Context, p *pipeline) error {
	image := p.cfg.image
	wantCommit := p.cfg.commit
	var registry map[string]string
	var err error
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
		if err := p.steps.run("publish the image to ECR", func() error {
			image, err = publish(ctx, p, built, registry["repository_url"])
			return err
		}); err != nil {
			return err
		}
	} else if !p.cfg.commitGiven {
		// A rolled-back image reports its own commit, not the checkout's.
		wantCommit = ""
	}
	p.result.Image = image

	var service map[string]string
	if err := p.steps.run("apply the service stack", func() error {
		service, err = apply(ctx, p, serviceStack, image)
		if err != nil {
			return err
		}
		return requireOutputs(service, "service_url", "cluster_name", "service_name")
	}); err != nil {
		return err
	}
	if err := p.steps.run("wait for the ECS service to become stable", func() error {
		return cloud.WaitStable(ctx, ecs.NewFromConfig(p.aws.Config), service["cluster_name"], service["service_name"],
			image, p.cfg.waitTimeout, cloud.WaitInterval, p.stdout)
	}); err != nil {
		return fmt.Errorf("%w (logs: CloudWatch group %s)", err, service["log_group_name"])
	}
	if err := p.steps.run("smoke-test "+service["service_url"], func() error {
		client := &http.Client{Timeout: 10 * time.Second}
		info, err := cloud.Smoke(ctx, client, service["service_url"], wantCommit, cloud.DefaultRetryPolicy(p.cfg.smokeTimeout), p.stdout)
		if err == nil {
			fmt.Fprintf(p.stdout, "  %s %s (commit %s) is live\n", info.Service, info.Version, info.Commit)
		}
		return err
	}); err != nil {
		return err
	}
	p.result.URL = service["service_url"]
	fmt.Fprintf(p.stdout, "\nLive at %s\n", p.result.URL)
	return nil
}
