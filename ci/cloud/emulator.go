package cloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The keys every call to a rehearsal's emulator carries. moto accepts any;
// fixed, obviously fake ones make plain that no real account is involved.
const (
	EmulatorKeyID  = "test"
	EmulatorSecret = "test"
)

// ConnectEmulator is Connect for an AWS API emulator at endpoint: the fake
// keys, the region given, every service at that endpoint, and nothing read
// from the environment or the shared AWS files, so that a developer's own
// profile or endpoint settings cannot send a rehearsal to a real account.
// It asks STS who the keys belong to until the emulator answers or ready
// passes: a container that has just bound its port may still be loading.
func ConnectEmulator(ctx context.Context, endpoint, region string, ready time.Duration, interval time.Duration) (*Session, error) {
	cfg := aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(EmulatorKeyID, EmulatorSecret, "")),
	}
	identities := sts.NewFromConfig(cfg)
	deadline := time.Now().Add(ready)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		session, err := VerifyCredentials(ctx, cfg.Credentials, identities)
		if err == nil {
			session.Config = cfg
			return session, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the AWS emulator at %s did not answer within %s: %w", endpoint, ready, err)
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), err)
		case <-ticker.C:
		}
	}
}
