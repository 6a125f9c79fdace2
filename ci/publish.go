package main

import (
	"context"
	"fmt"

	"dagger.io/dagger"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/example/goship/ci/cloud"
)

// publish pushes the scanned image to repository under a new, immutable
// tag and returns its digest reference (repo@sha256:...), the only form the
// service stack deploys. An ECR repository is logged in to with the run's
// AWS credentials; any other (--image-repository) is pushed to as the
// engine's own registry configuration allows.
func publish(ctx context.Context, p *pipeline, image *dagger.Container, repository string) (string, error) {
	if cloud.IsECRRepository(repository) {
		login, err := cloud.ECRLogin(ctx, ecr.NewFromConfig(p.aws.Config), repository)
		if err != nil {
			return "", err
		}
		password := p.dag.SetSecret("goship-ecr-password-"+p.runID, login.Password.Reveal())
		image = image.WithRegistryAuth(login.Host, login.Username, password)
	}
	address := repository + ":" + imageTag(p.cfg.commit, p.now())
	published, err := image.Publish(ctx, address)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", address, err)
	}
	return digestReference(published)
}
