package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ObjectReader reads one S3 object: the SDK's client in a run, the
// emulator's in tests.
type ObjectReader interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// StateLock is the lock file that Terraform's S3 backend (use_lockfile)
// writes next to a state, at <key>.tflock, while a command holds it.
type StateLock struct {
	ID        string
	Operation string
	Who       string
	Version   string
	Created   string
	Path      string
}

// lockReadTimeout bounds the read: it runs after an interrupt, when the
// user is waiting for the recovery commands.
const lockReadTimeout = 5 * time.Second

// ReadStateLock returns the lock held on a state, or nil when there is
// none, so that a killed run can say which lock to release.
func ReadStateLock(ctx context.Context, client ObjectReader, bucket, key string) (*StateLock, error) {
	ctx, cancel := context.WithTimeout(ctx, lockReadTimeout)
	defer cancel()
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key + ".tflock")})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the lock file s3://%s/%s.tflock: %w", bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }() // read-only: nothing to lose
	data, err := io.ReadAll(io.LimitReader(out.Body, 64*1024))
	if err != nil {
		return nil, fmt.Errorf("reading the lock file s3://%s/%s.tflock: %w", bucket, key, err)
	}
	var lock StateLock
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("the lock file s3://%s/%s.tflock is not Terraform's lock info: %w", bucket, key, err)
	}
	return &lock, nil
}
