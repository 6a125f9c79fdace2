package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// credentialSource is the part of aws.CredentialsProvider the pipeline
// uses: the SDK's default chain in a run, a fake in tests.
type credentialSource interface {
	Retrieve(ctx context.Context) (aws.Credentials, error)
}

// identitySource proves that credentials work.
type identitySource interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// awsSession is what the host knows about AWS for one run. The credential
// values are secrets: they reach the engine only through dagger.SetSecret.
type awsSession struct {
	config      aws.Config
	credentials credentialSource // asked again before each Terraform run
	account     string
	arn         string
}

// awsKeys are short-lived credentials resolved on the host.
type awsKeys struct {
	accessKeyID     secret
	secretAccessKey secret
	sessionToken    secret
}

// secretVariable is one environment variable a container gets as a
// *dagger.Secret.
type secretVariable struct {
	env   string
	value secret
}

// variables lists the environment variables that carry the keys into a
// container, the session token only when there is one.
func (k awsKeys) variables() []secretVariable {
	vars := []secretVariable{
		{env: "AWS_ACCESS_KEY_ID", value: k.accessKeyID},
		{env: "AWS_SECRET_ACCESS_KEY", value: k.secretAccessKey},
	}
	if k.sessionToken != "" {
		vars = append(vars, secretVariable{env: "AWS_SESSION_TOKEN", value: k.sessionToken})
	}
	return vars
}

// credentialTimeout bounds each AWS preflight call. Without it, a machine
// with no credentials waits on the EC2 instance metadata endpoint, which
// only answers on EC2.
const credentialTimeout = 4 * time.Second

var errNoCredentials = errors.New("no AWS credentials: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in GitHub Actions: aws-actions/configure-aws-credentials with role-to-assume)")

// connectAWS loads the SDK's default configuration (environment, profile,
// SSO, web identity), settles the region, and proves the credentials work,
// all before any engine work.
func connectAWS(ctx context.Context, cfg *config) (*awsSession, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		// The SDK's own warnings (such as the IMDSv1 fallback on a
		// machine that is not EC2) would bury the one message that matters.
		awsconfig.WithLogger(logging.Nop{}),
	}
	if cfg.region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.region))
	}
	loadCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	awsCfg, err := awsconfig.LoadDefaultConfig(loadCtx, opts...)
	if err != nil {
		return nil, usagef("loading the AWS configuration: %v (check AWS_PROFILE and ~/.aws/config)", firstLine(err.Error()))
	}
	if awsCfg.Region == "" {
		return nil, usagef("no AWS region: set --region or AWS_REGION, or a region in your AWS profile")
	}
	if err := setMatch(&cfg.region, awsCfg.Region, regionPattern, "an AWS region"); err != nil {
		return nil, usagef("invalid AWS region %q from the AWS profile: %v", awsCfg.Region, err)
	}
	session, err := verifyCredentials(ctx, awsCfg.Credentials, sts.NewFromConfig(awsCfg))
	if err != nil {
		return nil, err
	}
	session.config = awsCfg
	return session, nil
}

// verifyCredentials resolves credentials and asks STS who they belong to,
// so that a run fails in seconds, not at the first Terraform call.
func verifyCredentials(ctx context.Context, source credentialSource, identities identitySource) (*awsSession, error) {
	if source == nil {
		return nil, errNoCredentials
	}
	retrieveCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	creds, err := source.Retrieve(retrieveCtx)
	if err != nil {
		return nil, fmt.Errorf("%w [%s]", errNoCredentials, firstLine(err.Error()))
	}
	if !creds.HasKeys() {
		return nil, errNoCredentials
	}
	identityCtx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	who, err := identities.GetCallerIdentity(identityCtx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("AWS rejected the credentials from %s: %s: refresh them (aws sso login, or a new session) and retry", creds.Source, firstLine(err.Error()))
	}
	return &awsSession{
		credentials: source,
		account:     aws.ToString(who.Account),
		arn:         aws.ToString(who.Arn),
	}, nil
}

// minCredentialValidity is how long the credentials handed to a Terraform
// container must stay valid: an apply of the service stack waits for ECS
// to settle. Keys that expire mid-apply leave resources half-made and the
// S3 state lock held, since Terraform can no longer delete it.
const minCredentialValidity = 10 * time.Minute

// freshKeys resolves the credentials again for one container: a run can
// last longer than the session it started with (SSO and assumed-role keys
// last an hour). Keys that expire too soon are refreshed through the SDK's
// cache; when they cannot be, the run stops before Terraform starts.
func freshKeys(ctx context.Context, source credentialSource, now time.Time) (awsKeys, error) {
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
		return awsKeys{}, fmt.Errorf("%w [%s]", errNoCredentials, firstLine(err.Error()))
	}
	if !creds.HasKeys() {
		return awsKeys{}, errNoCredentials
	}
	if expiresWithin(creds, now, minCredentialValidity) {
		return awsKeys{}, fmt.Errorf("the AWS credentials from %s expire at %s, in less than %s, and could not be refreshed: "+
			"Terraform could lose them halfway and leave the state locked; refresh them (aws sso login, or a longer role session) and retry",
			creds.Source, creds.Expires.UTC().Format(time.RFC3339), minCredentialValidity)
	}
	return awsKeys{
		accessKeyID:     secret(creds.AccessKeyID),
		secretAccessKey: secret(creds.SecretAccessKey),
		sessionToken:    secret(creds.SessionToken),
	}, nil
}

func expiresWithin(creds aws.Credentials, now time.Time, d time.Duration) bool {
	return creds.CanExpire && creds.Expires.Before(now.Add(d))
}
