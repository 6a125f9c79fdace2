package attest

import (
	"context"
	"errors"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
)

// Signer turns statements into Sigstore bundles. The zero value of each
// optional field means "not used": a Signer with only a Keypair makes a keyed
// bundle with no certificate and no log entry, which is what a laptop with a
// key file or a KMS key produces.
type Signer struct {
	// Keypair holds the signing key: the ephemeral key of a keyless
	// signature, or a key file or KMS key.
	Keypair sign.Keypair
	// Certificates issues the certificate that binds Keypair to an OIDC
	// identity (Fulcio, for a keyless signature).
	Certificates sign.CertificateProvider
	// IDToken is the OIDC token Certificates exchanges for a certificate.
	// It is handed to sigstore-go and never formatted into a message.
	IDToken string
	// Logs record the signature in transparency logs (Rekor).
	Logs []sign.Transparency
}

// Format never prints the OIDC token or the key: a Signer that ends up in
// a log line shows only what kind it is.
func (s Signer) Format(f fmt.State, _ rune) {
	kind := "keyed"
	if s.Certificates != nil {
		kind = "keyless"
	}
	fmt.Fprintf(f, "{%s signer, %d transparency logs}", kind, len(s.Logs))
}

// SignDigest signs the statement `cosign sign --new-bundle-format` signs for
// digest, so `cosign verify --new-bundle-format` accepts the result.
func (s Signer) SignDigest(ctx context.Context, digest Digest) ([]byte, error) {
	st, err := SignatureStatement(digest)
	if err != nil {
		return nil, err
	}
	return s.signStatement(ctx, st)
}

// AttestSBOM signs the statement that sbom describes digest.
func (s Signer) AttestSBOM(ctx context.Context, digest Digest, sbom []byte) ([]byte, error) {
	st, err := SBOMStatement(digest, sbom)
	if err != nil {
		return nil, err
	}
	return s.signStatement(ctx, st)
}

// signStatement wraps statement in a DSSE envelope, signs it and returns the
// bundle as JSON, the form a referrer layer or a file carries.
func (s Signer) signStatement(ctx context.Context, statement []byte) ([]byte, error) {
	if s.Keypair == nil {
		return nil, errors.New("no signing key: name --signing-key, or sign keylessly in GitHub Actions")
	}
	options := sign.BundleOptions{
		Context:          ctx,
		TransparencyLogs: s.Logs,
	}
	if s.Certificates != nil {
		options.CertificateProvider = s.Certificates
		options.CertificateProviderOptions = &sign.CertificateProviderOptions{IDToken: s.IDToken}
	}
	bundle, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: PayloadType}, s.Keypair, options)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	out, err := protojson.Marshal(bundle)
	if err != nil {
		return nil, fmt.Errorf("encode signed bundle: %w", err)
	}
	return out, nil
}
