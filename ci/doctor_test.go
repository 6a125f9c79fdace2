package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/example/goship/internal/golden"
	"github.com/example/goship/internal/moto"
)

// TestRunDoctorWithNothingConfigured: doctor prints every check as a
// table, golden, and exits 2.
func TestRunDoctorWithNothingConfigured(t *testing.T) {
	nothingConfigured(t)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"doctor"}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "10 of the checks above stand between this machine and a deploy of dev") {
		t.Errorf("doctor = %v (exit %d), want the count of what stands in the way, exit 2", err, exitCode(err))
	}
	golden.Equal(t, "doctor-nothing-configured.txt", stdout.Bytes())
}

// TestDoctorAgainstTheEmulator runs doctor through run against moto: each
// AWS check failing, then every check passing (exit 0), and nothing in the
// account changed by it. Not parallel: the AWS SDK reads the process
// environment.
func TestDoctorAgainstTheEmulator(t *testing.T) {
	server := moto.Start(t, moto.Options{})
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	for _, kv := range server.Environ(nil) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg := server.AWSConfig()
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := t.Context()
	for _, bucket := range []string{"goship-state-versioned", "goship-state-plain"} {
		if _, err := s3Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s3Client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("goship-state-versioned"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	// The engine answers inside `dagger run`; the rest is the machine's.
	getenv := envOf(map[string]string{"DAGGER_SESSION_PORT": "1234", "DAGGER_SESSION_TOKEN": "t"})
	doctor := func(bucket string) (string, error) {
		t.Helper()
		args := []string{"doctor", "--state-bucket", bucket, "--commit", "abc1234", "--signing-key", writeSigningKey(t), "--github-repository", "example/goship"}
		var stdout, stderr bytes.Buffer
		err := run(ctx, args, getenv, strings.NewReader(""), &stdout, &stderr, nil)
		t.Logf("$ go run ./ci %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
		return stdout.String(), err
	}
	row := func(out, check string) string {
		for line := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(line, check+"  ") {
				return strings.Join(strings.Fields(line), " ")
			}
		}
		return ""
	}
	expect := func(out, check, want string) {
		t.Helper()
		if got := row(out, check); !strings.Contains(got, want) {
			t.Errorf("row %q = %q, want %q", check, got, want)
		}
	}

	out, err := doctor("goship-state-missing")
	if exitCode(err) != 2 {
		t.Errorf("doctor with no bucket and no bootstrap = %v, want exit 2", err)
	}
	expect(out, "aws region", "ok us-east-1 (from the AWS profile or environment)")
	expect(out, "aws credentials", "ok from EnvConfigCredentials")
	expect(out, "aws account", "ok "+moto.AccountID+", as arn:aws:")
	expect(out, "state bucket", "problem no bucket goship-state-missing in account "+moto.AccountID)
	expect(out, "bootstrap outputs", "problem bootstrap has not set up goship-dev in account "+moto.AccountID+" (us-east-1): no SSM parameter /goship/dev/network, /goship/dev/alarm-topic-key")
	expect(out, "signing key", "ok key file")

	ssmClient := ssm.NewFromConfig(cfg)
	for _, name := range []string{"/goship/dev/network", "/goship/dev/alarm-topic-key"} {
		if _, err := ssmClient.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Type: ssmtypes.ParameterTypeString, Value: aws.String("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	out, err = doctor("goship-state-plain")
	if err != nil {
		t.Errorf("doctor with everything a deploy needs = %v, want exit 0", err)
	}
	expect(out, "state bucket", "ok s3://goship-state-plain/goship/dev/ is reachable, but the bucket is not versioned")
	expect(out, "bootstrap outputs", "ok SSM parameters /goship/dev/network, /goship/dev/alarm-topic-key")

	out, err = doctor("goship-state-versioned")
	if err != nil || !strings.Contains(out, "Nothing stands between this machine and a deploy of dev.") {
		t.Errorf("doctor = %v, want exit 0 and the all-clear", err)
	}
	expect(out, "state bucket", "ok s3://goship-state-versioned/goship/dev/ is reachable, and the bucket is versioned")
	expect(out, "engine", "ok")

	// Read-only: no lock, no history, no object at all.
	for _, bucket := range []string{"goship-state-versioned", "goship-state-plain"} {
		list, err := s3Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Contents) > 0 {
			t.Errorf("doctor left %d objects in %s, want none", len(list.Contents), bucket)
		}
	}
}
