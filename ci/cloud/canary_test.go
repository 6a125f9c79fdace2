package cloud

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const canary = "CANARY-7f3a9c-do-not-print"

// fakeCredentials hands out keys made of the canary.
type fakeCredentials struct{ err error }

func (f fakeCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{
		AccessKeyID: "AKIA" + canary, SecretAccessKey: "secret-" + canary, SessionToken: "token-" + canary,
		Source: "FakeProvider",
	}, f.err
}

type fakeSTS struct{ err error }

func (f fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String("123456789012"), Arn: aws.String("arn:aws:sts::123456789012:assumed-role/deploy/ci")}, nil
}

// TestSecretCanary runs every host-side path that handles a credential with
// a canary value and checks the canary reaches no output: not the
// terminal, not an error, not a formatted value. ci's own canary test
// covers what the engine steps print and pass on.
func TestSecretCanary(t *testing.T) {
	t.Parallel()
	var outputs []string
	record := func(what string, v ...any) { outputs = append(outputs, what+": "+fmt.Sprint(v...)) }

	// AWS credentials: resolved, verified, printed the way run prints them.
	session, err := VerifyCredentials(context.Background(), fakeCredentials{}, fakeSTS{})
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	fmt.Fprintf(&stdout, "AWS account %s in %s, as %s\n", session.Account, "eu-west-1", session.ARN)
	record("stdout", stdout.String())
	record("session", fmt.Sprintf("%v %+v %#v %s", session, session, session, session))
	keys, err := FreshKeys(context.Background(), session.Credentials, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	record("keys", fmt.Sprintf("%v %+v %#v", keys, keys, keys))
	for _, v := range keys.Variables() {
		record("variable", fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v.Value, v.Value, v.Value))
	}
	// Rejected credentials and a failing provider produce errors, not leaks.
	_, err = VerifyCredentials(context.Background(), fakeCredentials{}, fakeSTS{err: errors.New("InvalidClientTokenId")})
	record("sts error", err)
	_, err = VerifyCredentials(context.Background(), fakeCredentials{err: errors.New("expired")}, fakeSTS{})
	record("provider error", err)
	_, err = FreshKeys(context.Background(), fakeCredentials{err: errors.New("expired")}, time.Now())
	record("refresh error", err)
	_, err = FreshKeys(context.Background(), &expiringCredentials{lifetime: time.Minute}, time.Now())
	record("expiry error", err)

	// The ECR token: decoded, and failing to decode.
	token := base64.StdEncoding.EncodeToString([]byte("AWS:" + canary))
	login, err := ECRLogin(context.Background(), fakeECR{token: &token}, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev")
	if err != nil {
		t.Fatal(err)
	}
	if login.Password.Reveal() != canary {
		t.Fatal("the canary did not survive decoding: the test proves nothing")
	}
	record("login", fmt.Sprintf("%v %+v %#v %s %q", login, login, login, login.Password, login.Password))
	for _, bad := range []string{canary, base64.StdEncoding.EncodeToString([]byte(canary))} {
		_, _, err := DecodeAuthorizationToken(bad)
		record("decode error", err)
	}

	for _, out := range outputs {
		if strings.Contains(out, canary) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(canary))) {
			t.Errorf("a secret leaked into %s", out)
		}
	}
}
