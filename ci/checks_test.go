package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/example/goship/ci/preflight"
)

// wantResult fails unless r has the state and its line says want.
func wantResult(t *testing.T, what string, r preflight.Result, state preflight.State, want string) {
	t.Helper()
	if r.State != state || !strings.Contains(r.Text(), want) {
		t.Errorf("%s = %s %q, want %s with %q", what, r.State, r.Text(), state, want)
	}
}

// bucketAnswers answers HeadBucket, ListObjectsV2 and GetBucketVersioning
// as S3 would.
type bucketAnswers struct {
	head, list error
	versioning s3types.BucketVersioningStatus
	versionErr error
	listed     *string // the prefix listed
}

func (b bucketAnswers) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return &s3.HeadBucketOutput{}, b.head
}

func (b bucketAnswers) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	*b.listed = aws.ToString(in.Prefix)
	return &s3.ListObjectsV2Output{}, b.list
}

func (b bucketAnswers) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errors.New("the state bucket check reads no object")
}

func (b bucketAnswers) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return &s3.GetBucketVersioningOutput{Status: b.versioning}, b.versionErr
}

func TestCheckStateBucket(t *testing.T) {
	t.Parallel()
	forbidden := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}}}
	enabled := s3types.BucketVersioningStatusEnabled
	tests := []struct {
		name   string
		mode   string
		client bucketAnswers
		state  preflight.State
		want   string
	}{
		{"reachable", "deploy", bucketAnswers{}, preflight.OK, "s3://state/goship/dev/ is reachable"},
		{"versioned", "doctor", bucketAnswers{versioning: enabled}, preflight.OK, "s3://state/goship/dev/ is reachable, and the bucket is versioned"},
		// Terraform works without versions: said, not refused.
		{"not versioned", "doctor", bucketAnswers{}, preflight.OK, "not versioned, so an overwritten state cannot be recovered: aws s3api put-bucket-versioning --bucket state"},
		{"versioning not readable", "doctor", bucketAnswers{versioning: enabled, versionErr: errors.New("AccessDenied")}, preflight.OK, "may not read the bucket's versioning"},
		{"missing", "deploy", bucketAnswers{list: &s3types.NoSuchBucket{}}, preflight.Problem, "no bucket state in account 123456789012: create it with `go run ./ci bootstrap --state-bucket state`"},
		{"not ours", "deploy", bucketAnswers{list: forbidden}, preflight.Problem, "these credentials may not list s3://state/goship/dev/"},
		{"unreachable", "plan", bucketAnswers{list: errors.New("dial tcp: connection refused")}, preflight.Problem, "looking for the state bucket state: dial tcp: connection refused"},
		{"missing before bootstrap", "bootstrap", bucketAnswers{head: &s3types.NotFound{}}, preflight.OK, "does not exist yet: bootstrap creates it"},
		{"another account's, for bootstrap", "bootstrap", bucketAnswers{head: forbidden}, preflight.Problem, "another account may hold it"},
		{"there for bootstrap", "bootstrap", bucketAnswers{}, preflight.OK, "s3://state exists"},
	}
	for _, tt := range tests {
		listed := ""
		tt.client.listed = &listed
		r := checkStateBucket(t.Context(), tt.client, tt.mode, config{app: "goship", environment: "dev", stateBucket: "state"}, "123456789012")
		wantResult(t, tt.name, r, tt.state, tt.want)
		// The roles may list only their own environment's folder.
		if tt.mode != "bootstrap" && listed != "goship/dev/" {
			t.Errorf("%s: listed %q, want goship/dev/", tt.name, listed)
		}
	}
}

// parameters answers GetParameter from the names it holds.
type parameters struct {
	names map[string]bool
	err   error
}

func (p parameters) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if p.err != nil {
		return nil, p.err
	}
	if !p.names[aws.ToString(in.Name)] {
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("{}")}}, nil
}

func TestCheckBootstrapOutputs(t *testing.T) {
	t.Parallel()
	cfg := config{app: "goship", environment: "dev", region: "eu-west-1"}
	both := map[string]bool{"/goship/dev/network": true, "/goship/dev/alarm-topic-key": true}
	tests := []struct {
		name   string
		client parameters
		state  preflight.State
		want   string
	}{
		{"bootstrapped", parameters{names: both}, preflight.OK, "SSM parameters /goship/dev/network, /goship/dev/alarm-topic-key"},
		{"never bootstrapped", parameters{}, preflight.Problem,
			"bootstrap has not set up goship-dev in account 123456789012 (eu-west-1): no SSM parameter /goship/dev/network, /goship/dev/alarm-topic-key: run `go run ./ci bootstrap --app goship` with dev among --environments"},
		{"bootstrapped before the alarm key", parameters{names: map[string]bool{"/goship/dev/network": true}}, preflight.Problem, "no SSM parameter /goship/dev/alarm-topic-key:"},
		{"not readable", parameters{err: errors.New("AccessDeniedException")}, preflight.Problem, "reading the SSM parameter /goship/dev/network: AccessDeniedException"},
	}
	for _, tt := range tests {
		wantResult(t, tt.name, checkBootstrapOutputs(t.Context(), tt.client, cfg, "123456789012"), tt.state, tt.want)
	}
}

func TestCheckRegion(t *testing.T) {
	t.Parallel()
	given := config{region: "eu-west-1"}
	wantResult(t, "given", checkRegion(&given, "eu-west-1"), preflight.OK, "eu-west-1 (from --region or AWS_REGION)")
	var profile config
	wantResult(t, "from the profile", checkRegion(&profile, "eu-central-1"), preflight.OK, "eu-central-1 (from the AWS profile or environment)")
	if profile.region != "eu-central-1" {
		t.Errorf("the profile's region is not settled in the configuration: %q", profile.region)
	}
	wantResult(t, "none", checkRegion(&config{}, ""), preflight.Problem, "no AWS region: set --region or AWS_REGION")
	wantResult(t, "invalid in the profile", checkRegion(&config{}, "mars"), preflight.Problem, `invalid AWS region "mars" from the AWS profile`)
}

func TestCheckGitHub(t *testing.T) {
	t.Parallel()
	withIDs := config{githubRepository: "example/goship", githubRepositoryID: "1296269", githubOwnerID: "9919"}
	wantResult(t, "with IDs", checkGitHub(withIDs, "doctor", ""), preflight.OK, "example/goship (from --github-repository or GITHUB_REPOSITORY), repository ID 1296269, owner ID 9919")
	wantResult(t, "from the remote", checkGitHub(config{}, "doctor", "example/goship"), preflight.OK,
		"example/goship (from the origin remote); bootstrap needs its IDs for the GitHub roles: --github-repository-id and --github-owner-id from `gh api repos/example/goship --jq '.id, .owner.id'`")
	wantResult(t, "none", checkGitHub(config{}, "doctor", ""), preflight.Skipped, "only a workflow deploy needs one")
	// Bootstrap trusts the setting only, never a remote's name.
	wantResult(t, "bootstrap without one", checkGitHub(config{}, "bootstrap", "example/goship"), preflight.OK, "none: bootstrap makes no GitHub deploy roles")
}

func writePublicKey(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckSigner(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "absent.pub")
	notAKey := filepath.Join(t.TempDir(), "not-a-key.pub")
	if err := os.WriteFile(notAKey, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	identity := "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"
	tests := []struct {
		name  string
		cfg   config
		state preflight.State
		want  string
	}{
		{"verify key", config{verifyKey: writePublicKey(t)}, preflight.OK, "signatures by the key in "},
		{"verify key missing", config{verifyKey: missing}, preflight.Problem, "--verify-key " + missing + ": open"},
		{"verify key not a key", config{verifyKey: notAKey}, preflight.Problem, "give --verify-key (VERIFY_KEY) a PEM public key file"},
		{"signing key", config{signingKey: "signing.pem"}, preflight.OK, "signatures by the --signing-key key"},
		{"keyless", config{signerIdentity: identity, signerIssuer: "https://token.actions.githubusercontent.com"}, preflight.OK, "keyless signatures by " + identity},
		{"trusted root missing", config{signerIdentity: identity, trustedRoot: missing}, preflight.Problem, "give --trusted-root (SIGSTORE_TRUSTED_ROOT) a Sigstore trusted_root.json"},
		{"none, on purpose", config{allowUnsigned: true}, preflight.OK, "none: --allow-unsigned"},
	}
	for _, tt := range tests {
		wantResult(t, tt.name, checkSigner(tt.cfg), tt.state, tt.want)
	}
}

func TestCheckSigningKey(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "absent.pem")
	tests := []struct {
		name  string
		cfg   config
		env   map[string]string
		state preflight.State
		want  string
	}{
		{"key file", config{signingKey: writeSigningKey(t)}, nil, preflight.OK, "key file "},
		{"key file missing", config{signingKey: missing}, nil, preflight.Problem, "--signing-key: "},
		{"keyless in Actions", config{}, map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:1/token"}, preflight.OK, "keyless"},
		{"unsigned, on purpose", config{allowUnsigned: true}, nil, preflight.OK, "none: --allow-unsigned"},
	}
	for _, tt := range tests {
		p := testPipeline(tt.cfg, nil)
		p.getenv = envOf(tt.env)
		wantResult(t, tt.name, checkSigningKey(t.Context(), p), tt.state, tt.want)
	}
}

func TestCheckProviderMirror(t *testing.T) {
	t.Parallel()
	wantResult(t, "none", checkProviderMirror(""), preflight.OK, "none: Terraform installs providers from its registry")
	mirror := t.TempDir()
	if err := os.MkdirAll(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "random"), 0o755); err != nil {
		t.Fatal(err)
	}
	wantResult(t, "without aws", checkProviderMirror(mirror), preflight.Problem, "has no hashicorp/aws provider, which every stack needs: run `terraform providers mirror "+mirror+"` in infra/")
	if err := os.MkdirAll(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	wantResult(t, "with aws", checkProviderMirror(mirror), preflight.OK, "providers from "+mirror+" only")
	wantResult(t, "gone", checkProviderMirror(filepath.Join(mirror, "gone")), preflight.Problem, "cannot read it")
}

// TestPreflightChecks holds the list to the preflight's order, and every
// check a mode needs to checks that mode also makes: a need nobody
// checks would leave the check "not checked" for ever.
func TestPreflightChecks(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"} {
		checks := preflightChecks(testPipeline(config{signingKey: key}, nil), mode{name: "deploy"}, mode{name: "deploy"}, "", engineProbe{})
		if err := preflight.Order(checks); err != nil {
			t.Errorf("signing key %q: %v", key, err)
		}
		for _, m := range modes() {
			pm := preflightMode(m, config{})
			for _, c := range checks {
				if !preflight.Applies(pm, c.Name) {
					continue
				}
				for _, need := range c.Needs {
					if !preflight.Applies(pm, need) {
						t.Errorf("%s needs %s, which %s does not check", c.Name, need, m.name)
					}
				}
			}
		}
	}
}
