package cloud

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/example/goship/internal/moto"
)

// TestConnectAgainstTheEmulator runs Connect as a run does, through the
// SDK's default configuration chain, with AWS_ENDPOINT_URL at moto: the
// environment, region and credential resolution a user rehearses with.
// (Not parallel: it sets the process environment.)
func TestConnectAgainstTheEmulator(t *testing.T) {
	server := moto.Start(t, moto.Options{})
	// No shared config or credentials file of the developer's may take part.
	isolate := func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
		t.Setenv("AWS_PROFILE", "")
		t.Setenv("AWS_SESSION_TOKEN", "")
		t.Setenv("AWS_ROLE_ARN", "")
		t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
		for _, kv := range server.Environ(nil) {
			name, value, _ := strings.Cut(kv, "=")
			t.Setenv(name, value)
		}
	}

	t.Run("the credentials' account and the region", func(t *testing.T) {
		isolate(t)
		session, err := connect(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		if session.Account != moto.AccountID || !strings.HasPrefix(session.ARN, "arn:aws:") || session.Config.Region != moto.Region {
			t.Errorf("session = account %q, ARN %q, region %q; want %s, an ARN, %s", session.Account, session.ARN, session.Config.Region, moto.AccountID, moto.Region)
		}
	})

	t.Run("the flag's region wins over the environment's", func(t *testing.T) {
		isolate(t)
		session, err := connect(t.Context(), "eu-west-1")
		if err != nil {
			t.Fatal(err)
		}
		if session.Config.Region != "eu-west-1" {
			t.Errorf("region = %q, want eu-west-1", session.Config.Region)
		}
	})

	t.Run("no region", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_REGION", "")
		t.Setenv("AWS_DEFAULT_REGION", "")
		_, err := connect(t.Context(), "")
		var configErr ConfigError
		if !errors.As(err, &configErr) || !strings.Contains(err.Error(), "no AWS region") {
			t.Errorf("err = %v, want the missing-region ConfigError", err)
		}
	})

	t.Run("an endpoint that refuses is not a credentials problem", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_ENDPOINT_URL", "http://"+closedPort(t))
		_, err := connect(t.Context(), "")
		if err == nil || !strings.Contains(err.Error(), "cannot reach AWS") || strings.Contains(err.Error(), "invalid or expired") {
			t.Errorf("err = %v, want cannot reach AWS, not a verdict on the credentials", err)
		}
	})
}

// TestECRLoginAgainstTheEmulator decodes the token ECR's real
// GetAuthorizationToken answer carries. moto has no registry API, so the
// login is never used for a push here.
func TestECRLoginAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	server := moto.Start(t, moto.Options{})
	repository := moto.AccountID + ".dkr.ecr." + moto.Region + ".amazonaws.com/goship-dev"
	login, err := ECRLogin(t.Context(), ecr.NewFromConfig(server.AWSConfig()), repository)
	if err != nil {
		t.Fatal(err)
	}
	if login.Host != moto.AccountID+".dkr.ecr."+moto.Region+".amazonaws.com" || login.Username != "AWS" || login.Password.Reveal() == "" {
		t.Errorf("login = host %q, user %q, password set %v; want the registry host, AWS, a password", login.Host, login.Username, login.Password.Reveal() != "")
	}
}

// TestWaitStableAgainstTheEmulator runs the ECS wait on DescribeServices
// and DescribeTaskDefinition answers from moto.
//
// moto never marks a deployment FAILED (it has no circuit breaker): the
// rollout that fails while the wait watches is covered by the fakes in
// wait_test.go. What moto can show is the state a finished rollback
// leaves: a stable service whose primary deployment runs the previous
// image.
func TestWaitStableAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	const (
		running  = 2
		deployed = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev@sha256:1111111111111111111111111111111111111111111111111111111111111111"
		previous = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev@sha256:2222222222222222222222222222222222222222222222222222222222222222"
	)
	server := moto.Start(t, moto.Options{ECSServiceRunning: running})
	client := ecs.NewFromConfig(server.AWSConfig())
	if _, err := client.CreateCluster(t.Context(), &ecs.CreateClusterInput{ClusterName: aws.String("goship-dev")}); err != nil {
		t.Fatal(err)
	}
	service := func(t *testing.T, name, image string, desired int32) {
		t.Helper()
		def, err := client.RegisterTaskDefinition(t.Context(), &ecs.RegisterTaskDefinitionInput{
			Family:               aws.String(name),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String(image), Memory: aws.Int32(512)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateService(t.Context(), &ecs.CreateServiceInput{
			Cluster: aws.String("goship-dev"), ServiceName: aws.String(name),
			TaskDefinition: def.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(desired),
		}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("stable on the deployed image", func(t *testing.T) {
		t.Parallel()
		service(t, "stable", deployed, running)
		var progress strings.Builder
		if err := WaitStable(t.Context(), client, "goship-dev", "stable", deployed, time.Minute, time.Millisecond, &progress); err != nil {
			t.Fatalf("%v\nprogress:\n%s", err, progress.String())
		}
		if !strings.Contains(progress.String(), "rollout COMPLETED, 2/2 tasks running") {
			t.Errorf("progress = %q, want the completed rollout", progress.String())
		}
	})

	t.Run("stable on the previous image is a rollback", func(t *testing.T) {
		t.Parallel()
		service(t, "rolledback", previous, running)
		err := WaitStable(t.Context(), client, "goship-dev", "rolledback", deployed, time.Minute, time.Millisecond, io.Discard)
		if !errors.Is(err, ErrRolledBack) || !strings.Contains(err.Error(), previous) {
			t.Errorf("err = %v, want ErrRolledBack naming the image that runs", err)
		}
	})

	t.Run("never stable", func(t *testing.T) {
		t.Parallel()
		service(t, "pending", deployed, running+1)
		err := WaitStable(t.Context(), client, "goship-dev", "pending", deployed, 200*time.Millisecond, 10*time.Millisecond, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not stable after 200ms") {
			t.Errorf("err = %v, want the timeout", err)
		}
	})

	t.Run("a service that does not exist", func(t *testing.T) {
		t.Parallel()
		err := WaitStable(t.Context(), client, "goship-dev", "missing", deployed, time.Minute, time.Millisecond, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "MISSING") {
			t.Errorf("err = %v, want ECS's MISSING failure", err)
		}
	})
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// connect is the preflight's order (ci/checks.go): the configuration, its
// region, then the credentials proven with STS.
func connect(ctx context.Context, region string) (*Session, error) {
	awsCfg, err := LoadConfig(ctx, region)
	if err != nil {
		return nil, err
	}
	if awsCfg.Region == "" {
		return nil, ErrNoRegion
	}
	session, err := VerifyCredentials(ctx, awsCfg.Credentials, sts.NewFromConfig(awsCfg))
	if err != nil {
		return nil, err
	}
	session.Config = awsCfg
	return session, nil
}
