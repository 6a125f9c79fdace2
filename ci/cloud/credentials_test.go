package cloud

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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

// TestVerifyCredentialsTellsNetworkFromRejection makes the real STS call
// of the AWS SDK against loopback endpoints: a port where nothing listens
// must read as "cannot reach AWS", and only an answer from AWS as
// rejected credentials.
func TestVerifyCredentialsTellsNetworkFromRejection(t *testing.T) {
	t.Parallel()
	closed, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
			`<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error>`+
			`<RequestId>1</RequestId></ErrorResponse>`)
	}))
	t.Cleanup(rejecting.Close)

	tests := []struct {
		name     string
		endpoint string
		want     []string
		unwanted string
	}{
		{"refused connection", refused, []string{"cannot reach AWS (" + strings.TrimPrefix(refused, "http://") + ": connection refused)"}, "rejected"},
		{"expired token", rejecting.URL, []string{"AWS said the credentials from FakeProvider are invalid or expired (ExpiredToken: The security token included in the request is expired)", "aws sso login"}, "cannot reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := sts.New(sts.Options{
				Region:       "eu-west-1",
				BaseEndpoint: aws.String(tt.endpoint),
				Credentials:  credentials.NewStaticCredentialsProvider("AKIA"+canary, "secret-"+canary, ""),
			})
			_, err := VerifyCredentials(t.Context(), fakeCredentials{}, client)
			if err == nil {
				t.Fatal("VerifyCredentials succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v\nwant %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.unwanted) || strings.Contains(err.Error(), canary) {
				t.Errorf("error = %v, must not say %q or hold the keys", err, tt.unwanted)
			}
		})
	}
}
