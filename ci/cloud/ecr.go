package cloud

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// ECRTokenSource hands out registry passwords: ECR in a run, a fake in
// tests.
type ECRTokenSource interface {
	GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// RegistryLogin is what Container.WithRegistryAuth needs.
type RegistryLogin struct {
	Host     string
	Username string
	Password Secret
}

var ecrHostPattern = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// RegistryHost is the registry part of an ECR repository URL such as
// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev.
func RegistryHost(repositoryURL string) (string, error) {
	host, name, ok := strings.Cut(repositoryURL, "/")
	if !ok || name == "" || !ecrHostPattern.MatchString(host) {
		return "", fmt.Errorf("%q is not an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)", repositoryURL)
	}
	return host, nil
}

// IsECRRepository reports whether repositoryURL is in an ECR registry, the
// only kind the run logs in to with its AWS credentials.
func IsECRRepository(repositoryURL string) bool {
	_, err := RegistryHost(repositoryURL)
	return err == nil
}

// ECRLogin asks ECR for a 12-hour registry password for the repository's
// registry.
func ECRLogin(ctx context.Context, tokens ECRTokenSource, repositoryURL string) (RegistryLogin, error) {
	host, err := RegistryHost(repositoryURL)
	if err != nil {
		return RegistryLogin{}, err
	}
	out, err := tokens.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return RegistryLogin{}, fmt.Errorf("ecr:GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return RegistryLogin{}, errors.New("ecr:GetAuthorizationToken returned no token")
	}
	username, password, err := DecodeAuthorizationToken(*out.AuthorizationData[0].AuthorizationToken)
	if err != nil {
		return RegistryLogin{}, err
	}
	return RegistryLogin{Host: host, Username: username, Password: password}, nil
}

// DecodeAuthorizationToken splits ECR's base64 "AWS:<password>" token. Its
// errors never quote the token.
func DecodeAuthorizationToken(token string) (string, Secret, error) {
	decoded, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", "", errors.New("ECR authorization token is not base64")
	}
	username, password, ok := strings.Cut(string(decoded), ":")
	if !ok || username == "" || password == "" {
		return "", "", errors.New("ECR authorization token is not user:password")
	}
	return username, Secret(password), nil
}
