package main

import (
	"context"
	"fmt"

	"dagger.io/dagger"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/example/goship/ci/cloud"
)

// publish pushes the scanned image to the ECR repository under a new,
// immutable tag and returns its digest reference (repo@sha256:...), the
// only form the service stack deploys.
func publish(ctx context.Context, p *pipeline, image *dagger.Container, repositoryURL string) (string, error) {
	login, err := cloud.ECRLogin(ctx, ecr.NewFromConfig(p.aws.Config), repositoryURL)
	if err != nil {
		return "", err
	}
	password := p.dag.SetSecret("goship-ecr-password-"+p.runID, login.Password.Reveal())
	address := repositoryURL + ":" + imageTag(p.cfg.commit, p.now())
	published, err := image.WithRegistryAuth(login.Host, login.Username, password).Publish(ctx, address)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", address, err)
	}
	return digestReference(published)
}
