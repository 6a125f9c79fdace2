package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePEM(t *testing.T, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKeyFileSignsAndPublicKeyVerifies(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	publicDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	public, err := LoadPublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER}))
	if err != nil {
		t.Fatal(err)
	}
	digest := testDigest(t, "image")
	for _, tt := range []struct {
		blockType string
		der       []byte
	}{{"PRIVATE KEY", pkcs8}, {"EC PRIVATE KEY", sec1}} {
		keypair, err := LoadKeyFile(writePEM(t, tt.blockType, tt.der))
		if err != nil {
			t.Fatalf("LoadKeyFile(%s): %v", tt.blockType, err)
		}
		b, err := Signer{Keypair: keypair}.SignDigest(context.Background(), digest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Verify(nil, Policy{PublicKey: public}, digest, [][]byte{b})
		if err != nil {
			t.Errorf("%s key: Verify: %v", tt.blockType, err)
		}
		if want := "key " + keyHint(public); got.Signer != want {
			t.Errorf("%s key: signer %q, want %q", tt.blockType, got.Signer, want)
		}
	}
}

func TestLoadKeyFileRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "absent.pem"), "read signing key"},
		{"not PEM", notPEM, "is not PEM"},
		{"cosign encrypted", writePEM(t, "ENCRYPTED SIGSTORE PRIVATE KEY", []byte("x")), "password-protected"},
		{"RSA", writePEM(t, "PRIVATE KEY", rsaDER), "want an ECDSA P-256 key"},
		{"P-384", writePEM(t, "PRIVATE KEY", p384DER), "want an ECDSA P-256 key"},
		{"certificate", writePEM(t, "CERTIFICATE", []byte("x")), `"CERTIFICATE" PEM block`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadKeyFile(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadKeyFile = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	t.Parallel()
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"sha256:" + hex64, "sha256:" + hex64, true},
		{"123.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:" + hex64, "sha256:" + hex64, true},
		{"sha256:" + strings.ToUpper(hex64), "", false},
		{"sha512:" + hex64, "", false},
		{"sha256:abc", "", false},
		{"api:latest", "", false},
	}
	for _, tt := range tests {
		got, err := ParseDigest(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got.String() != tt.want) {
			t.Errorf("ParseDigest(%q) = %v, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestEmbeddedTrustedRootIsPublicGood(t *testing.T) {
	t.Parallel()
	material, source, err := TrustedRoot("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(source, "embedded") {
		t.Errorf("source %q does not say the root is embedded", source)
	}
	if len(material.FulcioCertificateAuthorities()) == 0 || len(material.RekorLogs()) == 0 || len(material.CTLogs()) == 0 {
		t.Errorf("embedded root lacks Fulcio CAs, Rekor logs or CT logs")
	}
	if _, _, err := TrustedRoot(filepath.Join(t.TempDir(), "absent.json")); err == nil || !strings.Contains(err.Error(), "--trusted-root") {
		t.Errorf("TrustedRoot(absent) = %v, want an error naming --trusted-root", err)
	}
}
