package attest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/sign"
)

const (
	requestToken = "request-token-secret"
	oidcToken    = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.sig"
)

func TestGitHubTokenAsksForTheSigstoreAudience(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			http.Error(w, "bad request token", http.StatusUnauthorized)
			return
		}
		if got := r.URL.Query().Get("audience"); got != "sigstore" {
			http.Error(w, "audience "+got, http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "lost the runtime's own query", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{"count":1,"value":"` + oidcToken + `"}`))
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   srv.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken,
	}
	got, err := GitHubToken(context.Background(), srv.Client(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got != oidcToken {
		t.Errorf("token = %q, want the runtime's value", got)
	}
}

// TestGitHubTokenErrorsCarryNoSecret is the claim that neither token is
// printed: every failure's message is checked for both.
func TestGitHubTokenErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"refused", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, oidcToken, http.StatusForbidden) }, "HTTP 403"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(oidcToken)) }, "not JSON"},
		{"empty value", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"value":""}`)) }, "empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			env := map[string]string{
				"ACTIONS_ID_TOKEN_REQUEST_URL":   srv.URL + "/token?secret=" + requestToken,
				"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken,
			}
			_, err := GitHubToken(context.Background(), srv.Client(), func(k string) string { return env[k] })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("GitHubToken = %v, want an error containing %q", err, tt.want)
			}
			for _, secret := range []string{requestToken, oidcToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q prints a token", err)
				}
			}
		})
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	unreachable := map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   closed.URL + "/token?secret=" + requestToken,
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken,
	}
	_, err := GitHubToken(context.Background(), http.DefaultClient, func(k string) string { return unreachable[k] })
	if err == nil || strings.Contains(err.Error(), requestToken) {
		t.Errorf("GitHubToken against a closed port = %v, want an error without the request URL's query", err)
	}
	_, err = GitHubToken(context.Background(), http.DefaultClient, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("GitHubToken outside Actions = %v, want a hint at id-token: write", err)
	}
	if _, err := KeylessSigner(""); err == nil || !strings.Contains(err.Error(), "--signing-key") {
		t.Errorf("KeylessSigner without a token = %v, want a hint at --signing-key", err)
	}
}

type countingCertificates struct{ calls int }

func (c *countingCertificates) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	c.calls++
	return []byte{byte(c.calls)}, nil
}

func TestOneCertificatePerKeylessSigner(t *testing.T) {
	t.Parallel()
	counting := &countingCertificates{}
	once := &onceCertificate{provider: counting}
	for range 2 {
		der, err := once.GetCertificate(context.Background(), nil, nil)
		if err != nil || len(der) != 1 || der[0] != 1 {
			t.Fatalf("GetCertificate = %v, %v; want the first certificate", der, err)
		}
	}
	if counting.calls != 1 {
		t.Errorf("Fulcio asked %d times, want once", counting.calls)
	}
}

func TestSignerPrintsNoSecret(t *testing.T) {
	t.Parallel()
	signer, err := KeylessSigner(oidcToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, signer)
		if strings.Contains(got, oidcToken) || strings.Contains(got, "PrivateKey") || !strings.Contains(got, "keyless") {
			t.Errorf("Sprintf(%s) = %q, want only the kind of signer", verb, got)
		}
	}
}
