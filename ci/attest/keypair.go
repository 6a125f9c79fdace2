package attest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// DigestSigner signs a SHA-256 digest with a key that may never leave its
// home: a local file, or a KMS key that only ever sees the digest.
type DigestSigner interface {
	Public() crypto.PublicKey
	// SignDigest returns an ASN.1 DER ECDSA signature of digest.
	SignDigest(ctx context.Context, digest []byte) ([]byte, error)
}

// keypair adapts a DigestSigner to sigstore-go's sign.Keypair. Only ECDSA
// P-256 with SHA-256 is offered: it is what Fulcio issues for, what AWS KMS
// calls ECC_NIST_P256, and what cosign generates, so one algorithm covers
// every signer this pipeline has.
type keypair struct {
	signer DigestSigner
	hint   []byte
}

// NewKeypair checks that signer holds an ECDSA P-256 key and wraps it for
// signing bundles.
func NewKeypair(signer DigestSigner) (sign.Keypair, error) {
	public, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok || public.Curve != elliptic.P256() {
		return nil, fmt.Errorf("signing key is %T, want an ECDSA P-256 key (AWS KMS key spec ECC_NIST_P256, or `cosign generate-key-pair` / `openssl ecparam -name prime256v1 -genkey`)", signer.Public())
	}
	der, err := x509.MarshalPKIXPublicKey(public)
	if err != nil {
		return nil, fmt.Errorf("encode signing public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &keypair{signer: signer, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetKeyAlgorithm() string        { return "ECDSA" }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.signer.Public() }

func (k *keypair) GetPublicKeyPem() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k.signer.Public())
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// SignData hashes data and signs the digest; sigstore-go wants both back.
func (k *keypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	sum := sha256.Sum256(data)
	signature, err := k.signer.SignDigest(ctx, sum[:])
	if err != nil {
		return nil, nil, err
	}
	return signature, sum[:], nil
}

// localKey is a private key held in this process: one read from a key file,
// or the ephemeral key a Fulcio certificate is issued for.
type localKey struct{ key *ecdsa.PrivateKey }

func (l localKey) Public() crypto.PublicKey { return l.key.Public() }

func (l localKey) SignDigest(_ context.Context, digest []byte) ([]byte, error) {
	return ecdsa.SignASN1(rand.Reader, l.key, digest)
}

// NewEphemeralKeypair makes the throwaway key a keyless signature uses: Fulcio
// certifies it for minutes, the transparency log records its use, and it is
// never written anywhere.
func NewEphemeralKeypair() (sign.Keypair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ephemeral signing key: %w", err)
	}
	return NewKeypair(localKey{key: key})
}

// KeypairFromSigner wraps an in-process ECDSA key, such as one a test
// certificate authority issued a certificate for.
func KeypairFromSigner(key *ecdsa.PrivateKey) (sign.Keypair, error) {
	return NewKeypair(localKey{key: key})
}

// LoadKeyFile reads an unencrypted PEM ECDSA P-256 private key (PKCS #8
// "PRIVATE KEY" or SEC 1 "EC PRIVATE KEY").
func LoadKeyFile(path string) (sign.Keypair, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signing key %s is not PEM", path)
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY":
		return nil, fmt.Errorf("signing key %s is a password-protected cosign key, which the pipeline cannot unlock without a prompt; use a KMS key ARN, or export an unencrypted PKCS #8 key kept outside the repository", path)
	default:
		return nil, fmt.Errorf("signing key %s holds a %q PEM block, want \"PRIVATE KEY\" or \"EC PRIVATE KEY\"", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is %T, want an ECDSA P-256 key", path, parsed)
	}
	return NewKeypair(localKey{key: key})
}

// LoadPublicKey parses a PEM "PUBLIC KEY" block, the format `cosign
// generate-key-pair` writes to cosign.pub and AWS KMS GetPublicKey returns
// in DER.
func LoadPublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("verification key is not a PEM \"PUBLIC KEY\" block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse verification key: %w", err)
	}
	if public, ok := key.(*ecdsa.PublicKey); !ok || public.Curve != elliptic.P256() {
		return nil, fmt.Errorf("verification key is %T, want an ECDSA P-256 key", key)
	}
	return key, nil
}
