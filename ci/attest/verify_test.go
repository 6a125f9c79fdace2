package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	pipelineIdentity = "https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main"
	forkIdentity     = "https://github.com/someone/fork/.github/workflows/pipeline.yml@refs/heads/main"
)

func testDigest(t *testing.T, seed string) Digest {
	t.Helper()
	sum := sha256.Sum256([]byte(seed))
	d, err := ParseDigest("sha256:" + hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestKeylessSignatureVerifies(t *testing.T) {
	t.Parallel()
	vs := newTestSigstore(t)
	digest := testDigest(t, "image")
	signer := vs.keylessSigner(t, pipelineIdentity, GitHubIssuer, time.Now().Add(time.Minute))
	bundle, err := signer.SignDigest(context.Background(), digest)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(vs, Policy{Identity: pipelineIdentity, Issuer: GitHubIssuer}, digest, [][]byte{bundle})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Signer != pipelineIdentity || got.Issuer != GitHubIssuer || got.Digest != digest {
		t.Errorf("Verify accepted %+v, want signer %s issuer %s digest %s", got, pipelineIdentity, GitHubIssuer, digest)
	}
}

// TestRefusals is the claim "deploy refuses what the pipeline did not sign":
// each case breaks one thing a valid signature has, and must be refused for
// that reason, with the expected and found values in the message.
func TestRefusals(t *testing.T) {
	t.Parallel()
	vs := newTestSigstore(t)
	digest := testDigest(t, "image")
	policy := Policy{Identity: pipelineIdentity, Issuer: GitHubIssuer}
	sign := func(t *testing.T, identity, issuer string, loggedAt time.Time, d Digest) []byte {
		t.Helper()
		b, err := vs.keylessSigner(t, identity, issuer, loggedAt).SignDigest(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	soon := time.Now().Add(time.Minute)
	other := testDigest(t, "another image")
	sbomOnly, err := vs.keylessSigner(t, pipelineIdentity, GitHubIssuer, soon).AttestSBOM(context.Background(), digest, []byte(`{"bomFormat":"CycloneDX"}`))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		bundles [][]byte
		reason  Reason
		inError []string
	}{
		{"unsigned", nil, Unsigned, []string{digest.String(), pipelineIdentity, "no signature"}},
		{"only an SBOM attestation", [][]byte{sbomOnly}, Unsigned, []string{"no signature statement among 1"}},
		{"another digest", [][]byte{sign(t, pipelineIdentity, GitHubIssuer, soon, other)}, OtherDigest, []string{"expected " + digest.String(), "found " + other.String()}},
		{"another identity", [][]byte{sign(t, forkIdentity, GitHubIssuer, soon, digest)}, OtherIdentity, []string{"expected " + pipelineIdentity, "found " + forkIdentity}},
		{"another issuer", [][]byte{sign(t, pipelineIdentity, "https://accounts.google.com", soon, digest)}, OtherIssuer, []string{"expected " + GitHubIssuer, "found https://accounts.google.com"}},
		{"expired certificate", [][]byte{sign(t, pipelineIdentity, GitHubIssuer, time.Now().Add(20*time.Minute), digest)}, Expired, []string{"logged at"}},
		{"tampered payload", [][]byte{tamperPayload(t, sign(t, pipelineIdentity, GitHubIssuer, soon, digest))}, Tampered, []string{"does not verify"}},
		{"tampered signature", [][]byte{tamperSignature(t, sign(t, pipelineIdentity, GitHubIssuer, soon, digest))}, Tampered, []string{"does not verify"}},
		{"not a bundle", [][]byte{[]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)}, Tampered, []string{"does not parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(vs, policy, digest, tt.bundles)
			t.Log(err)
			var refusal *Refusal
			if !errors.As(err, &refusal) {
				t.Fatalf("Verify = %v, want a *Refusal", err)
			}
			if refusal.Reason != tt.reason {
				t.Errorf("reason = %q, want %q (error: %v)", refusal.Reason, tt.reason, err)
			}
			for _, want := range append(tt.inError, digest.String()) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// TestVerifyAcceptsOneGoodAmongBad checks that an attacker cannot hide a
// valid signature by attaching bad ones, nor pass by attaching bad ones next
// to nothing.
func TestVerifyAcceptsOneGoodAmongBad(t *testing.T) {
	t.Parallel()
	vs := newTestSigstore(t)
	digest := testDigest(t, "image")
	soon := time.Now().Add(time.Minute)
	bad, err := vs.keylessSigner(t, forkIdentity, GitHubIssuer, soon).SignDigest(context.Background(), digest)
	if err != nil {
		t.Fatal(err)
	}
	good, err := vs.keylessSigner(t, pipelineIdentity, GitHubIssuer, soon).SignDigest(context.Background(), digest)
	if err != nil {
		t.Fatal(err)
	}
	policy := Policy{Identity: pipelineIdentity, Issuer: GitHubIssuer}
	if _, err := Verify(vs, policy, digest, [][]byte{bad, good}); err != nil {
		t.Errorf("Verify(bad, good) = %v, want accepted", err)
	}
	_, err = Verify(vs, policy, digest, [][]byte{bad, bad})
	if err == nil || !strings.Contains(err.Error(), "and 1 more") {
		t.Errorf("Verify(bad, bad) = %v, want a refusal counting both", err)
	}
}

func TestKeyedSignatureVerifies(t *testing.T) {
	t.Parallel()
	digest := testDigest(t, "image")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keypair, err := KeypairFromSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Signer{Keypair: keypair}.SignDigest(context.Background(), digest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(nil, Policy{PublicKey: key.Public()}, digest, [][]byte{b}); err != nil {
		t.Errorf("Verify with the signing key: %v", err)
	}

	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Verify(nil, Policy{PublicKey: otherKey.Public()}, digest, [][]byte{b})
	var refusal *Refusal
	if !errors.As(err, &refusal) || refusal.Reason != OtherKey {
		t.Errorf("Verify with another key = %v, want %q", err, OtherKey)
	}
	_, err = Verify(nil, Policy{PublicKey: key.Public()}, testDigest(t, "other"), [][]byte{b})
	if !errors.As(err, &refusal) || refusal.Reason != OtherDigest {
		t.Errorf("Verify for another digest = %v, want %q", err, OtherDigest)
	}
	_, err = Verify(nil, Policy{PublicKey: key.Public()}, digest, [][]byte{tamperSignature(t, b)})
	if !errors.As(err, &refusal) || refusal.Reason != Tampered {
		t.Errorf("Verify of a tampered keyed bundle = %v, want %q", err, Tampered)
	}
}

func TestVerifyNeedsASigner(t *testing.T) {
	t.Parallel()
	_, err := Verify(nil, Policy{Issuer: GitHubIssuer}, testDigest(t, "image"), nil)
	if err == nil || !strings.Contains(err.Error(), "--signer-identity") {
		t.Errorf("Verify without identity = %v, want an error naming --signer-identity", err)
	}
}

// tamperPayload changes the signed statement without touching its subject:
// the predicate gains a field, so only the signature can notice.
func tamperPayload(t *testing.T, bundle []byte) []byte {
	t.Helper()
	return editEnvelope(t, bundle, func(envelope map[string]any) {
		payload := decodeBase64(t, envelope["payload"].(string))
		changed := strings.Replace(string(payload), `"predicate":{}`, `"predicate":{"approved":true}`, 1)
		if changed == string(payload) {
			t.Fatalf("payload %s has no empty predicate to alter", payload)
		}
		envelope["payload"] = encodeBase64([]byte(changed))
	})
}

// tamperSignature flips one bit of the DSSE signature.
func tamperSignature(t *testing.T, bundle []byte) []byte {
	t.Helper()
	return editEnvelope(t, bundle, func(envelope map[string]any) {
		signatures := envelope["signatures"].([]any)
		first := signatures[0].(map[string]any)
		sig := decodeBase64(t, first["sig"].(string))
		sig[len(sig)/2] ^= 0x01
		first["sig"] = encodeBase64(sig)
	})
}

func editEnvelope(t *testing.T, bundle []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(bundle, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc["dsseEnvelope"].(map[string]any))
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
