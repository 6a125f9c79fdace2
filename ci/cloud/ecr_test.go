package cloud

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func TestRegistryHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app/nested", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"},
		{"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/goship", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com", ""},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/", ""},
		{"docker.io/library/alpine", ""},
		{"evil.example.com/123456789012.dkr.ecr.eu-west-1.amazonaws.com/x", ""},
	}
	for _, tt := range tests {
		got, err := RegistryHost(tt.url)
		if (tt.want == "") != (err != nil) || got != tt.want {
			t.Errorf("RegistryHost(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
		// Only these are logged in to with the run's AWS credentials.
		if got, want := IsECRRepository(tt.url), tt.want != ""; got != want {
			t.Errorf("IsECRRepository(%q) = %v, want %v", tt.url, got, want)
		}
	}
}

func TestDecodeAuthorizationToken(t *testing.T) {
	t.Parallel()
	encode := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		token, user, password, wantErr string
	}{
		{token: encode("AWS:eyJwYXlsb2FkIjoi:with:colons"), user: "AWS", password: "eyJwYXlsb2FkIjoi:with:colons"},
		{token: "not base64!", wantErr: "not base64"},
		{token: encode("no-colon"), wantErr: "not user:password"},
		{token: encode("AWS:"), wantErr: "not user:password"},
		{token: encode(":password"), wantErr: "not user:password"},
	}
	for _, tt := range tests {
		user, password, err := DecodeAuthorizationToken(tt.token)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("DecodeAuthorizationToken(%q) error = %v, want %q", tt.token, err, tt.wantErr)
			}
			continue
		}
		if err != nil || user != tt.user || password.Reveal() != tt.password {
			t.Errorf("DecodeAuthorizationToken(%q) = %q, %q, %v", tt.token, user, password.Reveal(), err)
		}
	}
}

// fakeECR answers GetAuthorizationToken with a fixed token or error.
type fakeECR struct {
	token *string
	err   error
}

func (f fakeECR) GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.token == nil {
		return &ecr.GetAuthorizationTokenOutput{}, nil
	}
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{AuthorizationToken: f.token}}}, nil
}

func TestECRLogin(t *testing.T) {
	t.Parallel()
	repo := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev"
	login, err := ECRLogin(context.Background(), fakeECR{token: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:pw")))}, repo)
	if err != nil || login.Host != "123456789012.dkr.ecr.eu-west-1.amazonaws.com" || login.Username != "AWS" || login.Password.Reveal() != "pw" {
		t.Errorf("ECRLogin = %+v, %v", login, err)
	}
	if printed := fmt.Sprintf("%v %+v %#v %s %q %x", login, login, login, login.Password, login.Password, login.Password); strings.Contains(printed, "pw") {
		t.Errorf("a registry login prints its password: %+v", login)
	}
	for _, f := range []fakeECR{{err: errors.New("AccessDenied")}, {}} {
		if _, err := ECRLogin(context.Background(), f, repo); err == nil {
			t.Errorf("ECRLogin(%+v) succeeded", f)
		}
	}
	if _, err := ECRLogin(context.Background(), fakeECR{}, "docker.io/x"); err == nil {
		t.Error("ECRLogin accepted a non-ECR repository")
	}
}
