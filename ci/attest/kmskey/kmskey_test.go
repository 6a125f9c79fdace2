package kmskey

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/example/goship/ci/attest"
)

const keyARN = "arn:aws:kms:eu-west-1:123456789012:key/0b5e1b2c-1111-2222-3333-444455556666"

// fakeKMS holds a key the way KMS does: it signs only digests, with the
// algorithm and key it was asked for, and checks both.
type fakeKMS struct {
	key     *ecdsa.PrivateKey
	keySpec types.KeySpec
	usage   types.KeyUsageType
}

func (f fakeKMS) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	if aws.ToString(in.KeyId) != keyARN {
		return nil, errors.New("NotFoundException")
	}
	der, err := x509.MarshalPKIXPublicKey(f.key.Public())
	if err != nil {
		return nil, err
	}
	return &kms.GetPublicKeyOutput{KeyId: in.KeyId, KeySpec: f.keySpec, KeyUsage: f.usage, PublicKey: der}, nil
}

func (f fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	if aws.ToString(in.KeyId) != keyARN || in.MessageType != types.MessageTypeDigest || in.SigningAlgorithm != types.SigningAlgorithmSpecEcdsaSha256 || len(in.Message) != sha256.Size {
		return nil, errors.New("ValidationException")
	}
	sig, err := ecdsa.SignASN1(rand.Reader, f.key, in.Message)
	return &kms.SignOutput{Signature: sig}, err
}

func newFake(t *testing.T) fakeKMS {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return fakeKMS{key: key, keySpec: types.KeySpecEccNistP256, usage: types.KeyUsageTypeSignVerify}
}

func TestKMSSignatureVerifiesWithItsPublicKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := newFake(t)
	signer, err := New(ctx, fake, keyARN)
	if err != nil {
		t.Fatal(err)
	}
	keypair, err := attest.NewKeypair(signer)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("image"))
	digest, err := attest.ParseDigest("sha256:" + hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := attest.Signer{Keypair: keypair}.SignDigest(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attest.Verify(nil, attest.Policy{PublicKey: fake.key.Public()}, digest, [][]byte{bundle}); err != nil {
		t.Errorf("Verify with the KMS public key: %v", err)
	}
}

func TestNewRefusesKeysThatCannotSignBundles(t *testing.T) {
	t.Parallel()
	wrongSpec := newFake(t)
	wrongSpec.keySpec = types.KeySpecRsa2048
	wrongUsage := newFake(t)
	wrongUsage.usage = types.KeyUsageTypeEncryptDecrypt
	tests := []struct {
		name  string
		fake  fakeKMS
		keyID string
		want  string
	}{
		{"RSA key", wrongSpec, keyARN, "want an ECC_NIST_P256 key for SIGN_VERIFY"},
		{"encryption key", wrongUsage, keyARN, "want an ECC_NIST_P256 key for SIGN_VERIFY"},
		{"unknown key", newFake(t), keyARN + "0", "kms:GetPublicKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(context.Background(), tt.fake, tt.keyID)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref, want string
		ok        bool
	}{
		{keyARN, keyARN, true},
		{"awskms:///" + keyARN, keyARN, true},
		{"arn:aws:kms:eu-west-1:123456789012:alias/goship-signing", "arn:aws:kms:eu-west-1:123456789012:alias/goship-signing", true},
		{"./cosign.key", "", false},
		{"arn:aws:iam::123456789012:role/x", "", false},
	}
	for _, tt := range tests {
		if got, ok := KeyID(tt.ref); got != tt.want || ok != tt.ok {
			t.Errorf("KeyID(%q) = %q, %v; want %q, %v", tt.ref, got, ok, tt.want, tt.ok)
		}
	}
}
