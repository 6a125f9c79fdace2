package cloud

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// expiringCredentials hands out keys that expire lifetime after each
// retrieval, and counts the retrievals; it refreshes like the SDK's
// CredentialsCache only when invalidated.
type expiringCredentials struct {
	lifetime    time.Duration
	refreshed   time.Duration // lifetime after Invalidate
	invalidated bool
	calls       int
}

func (e *expiringCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	e.calls++
	lifetime := e.lifetime
	if e.invalidated {
		lifetime = e.refreshed
	}
	return aws.Credentials{AccessKeyID: "AKIA" + canary, SecretAccessKey: "secret-" + canary, SessionToken: "token-" + canary,
		Source: "SSOProvider", CanExpire: true, Expires: time.Now().Add(lifetime)}, nil
}

func (e *expiringCredentials) Invalidate() { e.invalidated = true }

// TestFreshKeys checks that each Terraform container gets keys that last
// long enough for an apply: a run that outlives its first keys must not
// hand Terraform keys that expire halfway and leave the state locked.
func TestFreshKeys(t *testing.T) {
	t.Parallel()
	t.Run("static keys", func(t *testing.T) {
		t.Parallel()
		keys, err := FreshKeys(context.Background(), fakeCredentials{}, time.Now())
		if err != nil || keys.AccessKeyID.Reveal() != "AKIA"+canary || len(keys.Variables()) != 3 {
			t.Errorf("FreshKeys = %v, %v", keys, err)
		}
	})
	t.Run("long-lived keys are used as they are", func(t *testing.T) {
		t.Parallel()
		source := &expiringCredentials{lifetime: time.Hour}
		if _, err := FreshKeys(context.Background(), source, time.Now()); err != nil || source.invalidated || source.calls != 1 {
			t.Errorf("FreshKeys = %v, invalidated %v, %d calls", err, source.invalidated, source.calls)
		}
	})
	t.Run("keys about to expire are refreshed", func(t *testing.T) {
		t.Parallel()
		source := &expiringCredentials{lifetime: 2 * time.Minute, refreshed: time.Hour}
		if _, err := FreshKeys(context.Background(), source, time.Now()); err != nil || !source.invalidated || source.calls != 2 {
			t.Errorf("FreshKeys = %v, invalidated %v, %d calls", err, source.invalidated, source.calls)
		}
	})
	t.Run("keys that cannot be refreshed stop the run", func(t *testing.T) {
		t.Parallel()
		source := &expiringCredentials{lifetime: 2 * time.Minute, refreshed: 2 * time.Minute}
		_, err := FreshKeys(context.Background(), source, time.Now())
		if err == nil || !strings.Contains(err.Error(), "aws sso login") || strings.Contains(err.Error(), canary) {
			t.Errorf("FreshKeys = %v, want an actionable error without the keys", err)
		}
	})
}
