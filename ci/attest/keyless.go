package attest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/sigstore/sigstore-go/pkg/sign"
)

// The public-good Sigstore instance: the Fulcio and Rekor that the embedded
// trusted root (trusted_root.json) trusts, and that cosign uses by default.
const (
	PublicFulcioURL = "https://fulcio.sigstore.dev"
	PublicRekorURL  = "https://rekor.sigstore.dev"
	// GitHubIssuer is the OIDC issuer of GitHub Actions workflow tokens, the
	// issuer Fulcio writes into a keyless certificate made in a workflow.
	GitHubIssuer = "https://token.actions.githubusercontent.com"
	// sigstoreAudience is the audience Fulcio accepts tokens for.
	sigstoreAudience = "sigstore"
)

// KeylessSigner signs with a fresh key certified by the public Fulcio for the
// identity in idToken and logs the signature in the public Rekor, as `cosign
// sign` does in a workflow.
func KeylessSigner(idToken string) (Signer, error) {
	if idToken == "" {
		return Signer{}, errors.New("keyless signing needs an OIDC token: run in GitHub Actions with `permissions: id-token: write`, or name --signing-key")
	}
	keypair, err := NewEphemeralKeypair()
	if err != nil {
		return Signer{}, err
	}
	return Signer{
		Keypair:      keypair,
		Certificates: &onceCertificate{provider: sign.NewFulcio(&sign.FulcioOptions{BaseURL: PublicFulcioURL, Retries: 1})},
		IDToken:      idToken,
		Logs:         []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: PublicRekorURL, Retries: 1})},
	}, nil
}

// onceCertificate asks its provider for one certificate and reuses it: the
// signature and the SBOM attestation share one ephemeral key, so one Fulcio
// certificate (and one use of the OIDC token) covers both.
type onceCertificate struct {
	provider sign.CertificateProvider
	mu       sync.Mutex
	der      []byte
}

func (o *onceCertificate) GetCertificate(ctx context.Context, keypair sign.Keypair, opts *sign.CertificateProviderOptions) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.der != nil {
		return o.der, nil
	}
	der, err := o.provider.GetCertificate(ctx, keypair, opts)
	if err != nil {
		return nil, err
	}
	o.der = der
	return der, nil
}

// GitHubToken asks the GitHub Actions runtime for an OIDC token with the
// sigstore audience. getenv supplies ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, which exist only in a job granted
// `id-token: write`. Neither the request token nor the returned token ever
// appears in an error.
func GitHubToken(ctx context.Context, client *http.Client, getenv func(string) string) (string, error) {
	requestURL := getenv("ACTIONS_ID_TOKEN_REQUEST_URL")
	requestToken := getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if requestURL == "" || requestToken == "" {
		return "", errors.New("no GitHub Actions OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are unset; the deploy job needs `permissions: id-token: write`")
	}
	u, err := url.Parse(requestURL)
	if err != nil {
		return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
	}
	query := u.Query()
	query.Set("audience", sigstoreAudience)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("build OIDC token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+requestToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// url.Error would print the whole request URL; the host says enough.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", fmt.Errorf("request GitHub Actions OIDC token from %s: %w", u.Host, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: a close error changes nothing
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub Actions OIDC token request: HTTP %d", resp.StatusCode)
	}
	var body struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", errors.New("GitHub Actions OIDC token response is not JSON with a value")
	}
	if body.Value == "" {
		return "", errors.New("GitHub Actions OIDC token response has an empty value")
	}
	return body.Value, nil
}
