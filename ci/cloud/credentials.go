// Package cloud is the pipeline's host-side work with AWS and the live
// service: credentials, the ECR login, the ECS wait and the smoke test. It
// imports the AWS SDK and never Dagger: everything here runs on the host,
// behind small interfaces that fakes and the emulator both satisfy.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/example/goship/ci/report"
)

// CredentialSource is the part of aws.CredentialsProvider the pipeline
// uses: the SDK's default chain in a run, a fake in tests.
type CredentialSource interface {
	Retrieve(ctx context.Context) (aws.Credentials, error)
}

// IdentitySource proves that credentials work.
type IdentitySource interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Session is what the host knows about AWS for one run. The credential
// values are secrets: they reach the engine only through dagger.SetSecret.
type Session struct {
	Config      aws.Config
	Credentials CredentialSource // asked again before each Terraform run
	Account     string
	ARN         string
}

// Keys are short-lived credentials resolved on the host.
type Keys struct {
	AccessKeyID     Secret
	SecretAccessKey Secret
	SessionToken    Secret
}

// SecretVariable is one environment variable a container gets as a
// *dagger.Secret.
type SecretVariable struct {
	Env   string
	Value Secret
}

// Variables lists the environment variables that carry the keys into a
// container, the session token only when there is one.
func (k Keys) Variables() []SecretVariable {
	vars := []SecretVariable{
		{Env: "AWS_ACCESS_KEY_ID", Value: k.AccessKeyID},
		{Env: "AWS_SECRET_ACCESS_KEY", Value: k.SecretAccessKey},
	}
	if k.SessionToken != "" {
		vars = append(vars, SecretVariable{Env: "AWS_SESSION_TOKEN", Value: k.SessionToken})
	}
	return vars
}

// credentialTimeout bounds each AWS preflight call. Without it, a machine
// with no credentials waits on the EC2 instance metadata endpoint, which
// only answers on EC2.
const credentialTimeout = 4 * time.Second

// ErrNoCredentials says how to get credentials, wherever the run is.
var ErrNoCredentials = errors.New("no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in GitHub Actions: aws-actions/configure-aws-credentials with role-to-assume)")

// ConfigError is a mistake in the AWS configuration the user can fix
// before anything runs, such as a missing region.
type ConfigError struct{ msg string }

func (e ConfigError) Error() string { return e.msg }

// ErrNoRegion says where a region comes from.
var ErrNoRegion = ConfigError{"no AWS region: set --region or AWS_REGION, or a region in your AWS profile"}

// LoadConfig reads the SDK's default configuration without asking AWS
// anything: the region (the given one wins over the profile's, and may be
// missing) and where credentials would come from.
func LoadConfig(ctx context.Context, region string) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		// The SDK's own warnings (such as the IMDSv1 fallback on a
		// machine that is not EC2) would bury the one message that matters.
		awsconfig.WithLogger(logging.Nop{}),
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	loadCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	awsCfg, err := awsconfig.LoadDefaultConfig(loadCtx, opts...)
	if err != nil {
		return aws.Config{}, ConfigError{fmt.Sprintf("loading the AWS configuration: %v (check AWS_PROFILE and ~/.aws/config)", report.FirstLine(err.Error()))}
	}
	return awsCfg, nil
}

// VerifyCredentials resolves credentials and asks STS who they belong to,
// so that a run fails in seconds, not at the first Terraform call.
func VerifyCredentials(ctx context.Context, source CredentialSource, identities IdentitySource) (*Session, error) {
	creds, err := ResolveCredentials(ctx, source)
	if err != nil {
		return nil, err
	}
	identityCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	who, err := identities.GetCallerIdentity(identityCtx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, identityError(err, creds.Source)
	}
	return &Session{
		Credentials: source,
		Account:     aws.ToString(who.Account),
		ARN:         aws.ToString(who.Arn),
	}, nil
}

// ResolveCredentials finds credentials on this machine without asking AWS
// whether they work: what can be known with no region and no network.
func ResolveCredentials(ctx context.Context, source CredentialSource) (aws.Credentials, error) {
	if source == nil {
		return aws.Credentials{}, ErrNoCredentials
	}
	retrieveCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	creds, err := source.Retrieve(retrieveCtx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("%w [%s]", ErrNoCredentials, report.FirstLine(err.Error()))
	}
	if !creds.HasKeys() {
		return aws.Credentials{}, ErrNoCredentials
	}
	return creds, nil
}

// identityError tells apart the two reasons STS can fail to say who the
// credentials belong to: the network (nothing to do with credentials, and
// refreshing them would not help) and AWS's own answer.
func identityError(err error, source string) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("AWS said the credentials from %s are invalid or expired (%s: %s): refresh them (aws sso login, or a new session) and retry",
			source, apiErr.ErrorCode(), report.FirstLine(apiErr.ErrorMessage()))
	}
	host, cause := "AWS STS", err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, parseErr := url.Parse(urlErr.URL); parseErr == nil {
			host = u.Host
		}
		cause = urlErr.Err
	}
	var sendErr *smithyhttp.RequestSendError
	var netErr net.Error
	switch {
	case errors.As(err, &sendErr), errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		reason := networkReason(cause)
		return fmt.Errorf("cannot reach AWS (%s: %s): check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL; the credentials were not checked", host, reason)
	}
	return fmt.Errorf("asking AWS STS who the credentials from %s belong to: %s", source, report.FirstLine(err.Error()))
}

// networkReason names a network failure the way a person would look for
// it: a name that does not resolve, a port that refuses, no answer.
func networkReason(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the name %s does not resolve (%s)", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("no answer within %s", credentialTimeout)
	}
	return report.FirstLine(err.Error())
}

// minCredentialValidity is how long the credentials handed to a Terraform
// container must stay valid: an apply of the service stack waits for ECS
// to settle. Keys that expire mid-apply leave resources half-made and the
// S3 state lock held, since Terraform can no longer delete it.
const minCredentialValidity = 10 * time.Minute

// FreshKeys resolves the credentials again for one container: a run can
// last longer than the session it started with (SSO and assumed-role keys
// last an hour). Keys that expire too soon are refreshed through the SDK's
// cache; when they cannot be, the run stops before Terraform starts.
func FreshKeys(ctx context.Context, source CredentialSource, now time.Time) (Keys, error) {
	retrieveCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	creds, err := source.Retrieve(retrieveCtx)
	if err == nil && expiresWithin(creds, now, minCredentialValidity) {
		if cache, ok := source.(interface{ Invalidate() }); ok {
			cache.Invalidate()
			creds, err = source.Retrieve(retrieveCtx)
		}
	}
	if err != nil {
		return Keys{}, fmt.Errorf("%w [%s]", ErrNoCredentials, report.FirstLine(err.Error()))
	}
	if !creds.HasKeys() {
		return Keys{}, ErrNoCredentials
	}
	if expiresWithin(creds, now, minCredentialValidity) {
		return Keys{}, fmt.Errorf("the AWS credentials from %s expire at %s, in less than %s, and could not be refreshed: "+
			"Terraform could lose them halfway and leave the state locked; refresh them (aws sso login, or a longer role session) and retry",
			creds.Source, creds.Expires.UTC().Format(time.RFC3339), minCredentialValidity)
	}
	return Keys{
		AccessKeyID:     Secret(creds.AccessKeyID),
		SecretAccessKey: Secret(creds.SecretAccessKey),
		SessionToken:    Secret(creds.SessionToken),
	}, nil
}

func expiresWithin(creds aws.Credentials, now time.Time, d time.Duration) bool {
	return creds.CanExpire && creds.Expires.Before(now.Add(d))
}
