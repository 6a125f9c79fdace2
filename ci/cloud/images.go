package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ErrImageGone says an image is no longer in its repository: the
// repository's lifecycle policy keeps only the newest images.
var ErrImageGone = errors.New("image no longer in its repository")

// RequireImage checks that image (repository-url@sha256:...) is still in
// its ECR repository, so a rollback never applies a task definition whose
// tasks cannot pull their image.
func RequireImage(ctx context.Context, api ImageAPI, image string) error {
	repoURL, digest, ok := strings.Cut(image, "@")
	_, name, hasHost := strings.Cut(repoURL, "/")
	if !ok || !hasHost || name == "" {
		return fmt.Errorf("%q is not a repository@sha256:... reference", image)
	}
	_, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(name),
		ImageIds:       []types.ImageIdentifier{{ImageDigest: aws.String(digest)}},
	})
	var notFound *types.ImageNotFoundException
	if errors.As(err, &notFound) {
		return fmt.Errorf("%w: %s is not in repository %s any more (the registry stack's lifecycle policy keeps only the newest image_retention_count images); pick a newer one with --to (see go run ./ci history)", ErrImageGone, digest, name)
	}
	var noRepo *types.RepositoryNotFoundException
	if errors.As(err, &noRepo) {
		return fmt.Errorf("%w: repository %s does not exist", ErrImageGone, name)
	}
	if err != nil {
		return fmt.Errorf("ecr:DescribeImages %s@%s: %w", name, digest, err)
	}
	return nil
}

// ImageTags are the tags ECR holds for image (repository-url@sha256:...):
// the pipeline pushes each image under <short commit>-<UTC time>.
func ImageTags(ctx context.Context, api ImageAPI, image string) ([]string, error) {
	repoURL, digest, ok := strings.Cut(image, "@")
	_, name, hasHost := strings.Cut(repoURL, "/")
	if !ok || !hasHost || name == "" {
		return nil, fmt.Errorf("%q is not a repository@sha256:... reference", image)
	}
	resp, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(name),
		ImageIds:       []types.ImageIdentifier{{ImageDigest: aws.String(digest)}},
	})
	if err != nil {
		return nil, fmt.Errorf("ecr:DescribeImages %s@%s: %w", name, digest, err)
	}
	var tags []string
	for _, d := range resp.ImageDetails {
		tags = append(tags, d.ImageTags...)
	}
	return tags, nil
}
