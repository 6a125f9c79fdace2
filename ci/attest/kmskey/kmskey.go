// Package kmskey signs with an AWS KMS key: the private key never leaves
// KMS, which only ever sees the SHA-256 digest of what is signed. It is the
// one piece of signing that imports the AWS SDK, and only its KMS client:
// sigstore's own KMS signers would bring every cloud's SDK with them.
package kmskey

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// API is the part of the KMS client a signer calls; *kms.Client satisfies it.
type API interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// Signer is a KMS key that signs digests, an attest.DigestSigner.
type Signer struct {
	client API
	keyID  string
	public crypto.PublicKey
}

// KeyID returns the KMS key named by ref: a key ARN (arn:aws:kms:…), an alias
// ARN, or cosign's awskms:///ARN form. It reports false for anything else,
// such as a file path.
func KeyID(ref string) (string, bool) {
	id := strings.TrimPrefix(ref, "awskms:///")
	if strings.HasPrefix(id, "arn:aws:kms:") || strings.HasPrefix(id, "arn:aws-us-gov:kms:") || strings.HasPrefix(id, "arn:aws-cn:kms:") {
		return id, true
	}
	return "", false
}

// New reads the key's public half once and checks that it can sign what
// Sigstore verifies: an ECC_NIST_P256 key with usage SIGN_VERIFY.
func New(ctx context.Context, client API, keyID string) (*Signer, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("read KMS signing key %s (the caller needs kms:GetPublicKey on it): %w", keyID, err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify || out.KeySpec != types.KeySpecEccNistP256 {
		return nil, fmt.Errorf("KMS key %s is %s for %s, want an ECC_NIST_P256 key for SIGN_VERIFY (aws kms create-key --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY)", keyID, out.KeySpec, out.KeyUsage)
	}
	public, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("parse the public key of KMS key %s: %w", keyID, err)
	}
	return &Signer{client: client, keyID: keyID, public: public}, nil
}

// Public returns the key's public half, read when the signer was made.
func (s *Signer) Public() crypto.PublicKey { return s.public }

// SignDigest asks KMS to sign a SHA-256 digest; KMS returns an ASN.1 DER
// ECDSA signature, the encoding Sigstore bundles carry.
func (s *Signer) SignDigest(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != 32 {
		return nil, errors.New("KMS signer: want a 32-byte SHA-256 digest")
	}
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          digest,
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("sign with KMS key %s (the caller needs kms:Sign on it): %w", s.keyID, err)
	}
	return out.Signature, nil
}
