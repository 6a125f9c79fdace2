package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// StateBucketAPI tells whether the state bucket exists and reads one
// object from it: what bootstrap needs to know before it starts.
type StateBucketAPI interface {
	ObjectReader
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// BucketExists reports whether bucket exists and these credentials may use
// it. A name that another account holds, or that these credentials may
// not use, is an error: bootstrap could neither create nor use it.
func BucketExists(ctx context.Context, client StateBucketAPI, bucket string) (bool, error) {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	var missing *types.NotFound
	var resp *smithyhttp.ResponseError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &missing):
		return false, nil
	case errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusForbidden:
		return false, fmt.Errorf("the bucket %s exists but these credentials may not use it: S3 bucket names are global, and another account may hold it; "+
			"choose another name with --state-bucket (TF_STATE_BUCKET), such as one ending in your account ID", bucket)
	}
	return false, fmt.Errorf("looking for the state bucket %s: %w", bucket, err)
}

// FolderLister lists objects under a prefix.
type FolderLister interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// FolderReachable reports whether bucket exists and these credentials may
// list prefix in it. It lists rather than asks HeadBucket because the
// deploy and plan roles may list the state bucket only under their own
// environment's prefix (an s3:prefix condition), which a HeadBucket,
// carrying no prefix, never meets.
func FolderReachable(ctx context.Context, client FolderLister, bucket, prefix string) (bool, error) {
	_, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1)})
	var missing *types.NoSuchBucket
	var resp *smithyhttp.ResponseError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &missing):
		return false, nil
	case errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusForbidden:
		return false, fmt.Errorf("these credentials may not list s3://%s/%s (%s): use credentials for this environment, or check --state-bucket (TF_STATE_BUCKET): "+
			"S3 bucket names are global, and another account may hold this one", bucket, prefix, errorCode(err))
	}
	return false, fmt.Errorf("looking for the state bucket %s: %w", bucket, err)
}

// errorCode is AWS's short name for a failure, such as AccessDenied.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return "forbidden"
}

// maxStateSize bounds how much of a state object is read: bootstrap's
// state is tens of kilobytes.
const maxStateSize = 64 << 20

// ReadObject returns an object's content, or nil when there is none.
func ReadObject(ctx context.Context, client ObjectReader, bucket, key string) ([]byte, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }() // read-only: nothing to lose
	data, err := io.ReadAll(io.LimitReader(out.Body, maxStateSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("s3://%s/%s is larger than %d MiB: not a bootstrap state", bucket, key, maxStateSize>>20)
	}
	return data, nil
}

// VersioningAPI reads whether a bucket keeps old versions of its objects.
type VersioningAPI interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
}

// BucketVersioned reports whether bucket keeps every version of its
// objects, which is what makes an overwritten or deleted state recoverable.
func BucketVersioned(ctx context.Context, client VersioningAPI, bucket string) (bool, error) {
	out, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return false, fmt.Errorf("reading the versioning of the state bucket %s: %w", bucket, err)
	}
	return out.Status == types.BucketVersioningStatusEnabled, nil
}
