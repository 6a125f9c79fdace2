package attest

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Policy names the one signer whose signature a deploy accepts: a
// certificate identity and issuer (keyless), or a public key.
type Policy struct {
	// Identity is the exact certificate subject alternative name, e.g.
	// https://github.com/OWNER/REPO/.github/workflows/pipeline.yml@refs/heads/main.
	Identity string
	// Issuer is the OIDC issuer recorded in the certificate, e.g.
	// https://token.actions.githubusercontent.com.
	Issuer string
	// PublicKey, when set, replaces Identity and Issuer: the bundle must be
	// signed by this key.
	PublicKey crypto.PublicKey
}

func (p Policy) String() string {
	if p.PublicKey != nil {
		return "a signature by key " + keyHint(p.PublicKey)
	}
	return fmt.Sprintf("a signature by %s (issuer %s)", p.Identity, p.Issuer)
}

// Reason is why a digest was refused, one per kind of failure so the message
// tells an operator what to look at.
type Reason string

// The reasons a digest is refused.
const (
	Unsigned      Reason = "no signature"
	OtherDigest   Reason = "the signature is for another digest"
	OtherIdentity Reason = "signed by another identity"
	OtherIssuer   Reason = "signed under another OIDC issuer"
	OtherKey      Reason = "signed with another key"
	Expired       Reason = "the signing certificate had expired when the signature was logged"
	Tampered      Reason = "the signature bundle does not verify (altered, or not from the trusted root)"
)

// Refusal says that digest carries no acceptable signature, naming what was
// expected and what was found instead.
type Refusal struct {
	Digest   Digest
	Reason   Reason
	Expected string
	Found    string
	// Err is sigstore-go's own account of the failure, when there is one.
	Err error
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("image %s is not trusted: %s: expected %s, found %s", r.Digest, r.Reason, r.Expected, r.Found)
}

func (r *Refusal) Unwrap() error { return r.Err }

// Accepted describes the signature that let a digest through.
type Accepted struct {
	Digest Digest
	// Signer is the certificate identity, or the key hint of a keyed
	// signature.
	Signer string
	Issuer string
}

// Verify accepts digest when one of bundles is a signature statement for it
// by the signer policy names, checked against material (the trusted root).
// It needs no network: a bundle carries its certificate, log entry and
// inclusion promise. Bundles that attest something else (an SBOM) are
// skipped; they prove content, not approval.
func Verify(material root.TrustedMaterial, policy Policy, digest Digest, bundles [][]byte) (Accepted, error) {
	if policy.PublicKey == nil && (policy.Identity == "" || policy.Issuer == "") {
		return Accepted{}, errors.New("verification policy names no signer: set --signer-identity and --signer-issuer, or --verify-key")
	}
	verifier, err := newVerifier(material, policy)
	if err != nil {
		return Accepted{}, err
	}
	raw, err := hex.DecodeString(digest.Hex)
	if err != nil {
		return Accepted{}, fmt.Errorf("image digest %s: %w", digest, err)
	}
	identity, err := identityPolicy(policy)
	if err != nil {
		return Accepted{}, err
	}
	verifyPolicy := verify.NewPolicy(verify.WithArtifactDigest(digest.Algorithm, raw), identity)

	var refusals []*Refusal
	for _, data := range bundles {
		var b bundle.Bundle
		if err := b.UnmarshalJSON(data); err != nil {
			refusals = append(refusals, &Refusal{Digest: digest, Reason: Tampered, Expected: policy.String(), Found: "a bundle that does not parse (" + err.Error() + ")", Err: err})
			continue
		}
		subjects, predicateType := statementOf(&b)
		if predicateType != SignaturePredicate {
			continue
		}
		result, err := verifier.Verify(&b, verifyPolicy)
		if err == nil {
			return accepted(digest, policy, result), nil
		}
		refusals = append(refusals, diagnose(digest, policy, &b, subjects, err))
	}
	switch len(refusals) {
	case 0:
		return Accepted{}, &Refusal{Digest: digest, Reason: Unsigned, Expected: policy.String(), Found: fmt.Sprintf("no signature statement among %d referrer bundles", len(bundles))}
	case 1:
		return Accepted{}, refusals[0]
	default:
		first := *refusals[0]
		first.Found += fmt.Sprintf(" (and %d more signatures, none acceptable)", len(refusals)-1)
		return Accepted{}, &first
	}
}

// newVerifier sets what a bundle must carry. Keyless: a transparency log
// entry and a time from it or a timestamp authority, and an SCT whenever the
// trusted root has CT logs (the public Fulcio embeds one in every
// certificate). Keyed: only the signature; a laptop signs offline.
func newVerifier(material root.TrustedMaterial, policy Policy) (*verify.Verifier, error) {
	if policy.PublicKey != nil {
		v, err := signature.LoadVerifier(policy.PublicKey, crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("load verification key: %w", err)
		}
		trust := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		return verify.NewVerifier(trust, verify.WithNoObserverTimestamps())
	}
	if material == nil {
		return nil, errors.New("keyless verification needs a trusted root")
	}
	options := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	if len(material.CTLogs()) > 0 {
		options = append(options, verify.WithSignedCertificateTimestamps(1))
	}
	return verify.NewVerifier(material, options...)
}

func identityPolicy(policy Policy) (verify.PolicyOption, error) {
	if policy.PublicKey != nil {
		return verify.WithKey(), nil
	}
	identity, err := verify.NewShortCertificateIdentity(policy.Issuer, "", policy.Identity, "")
	if err != nil {
		return nil, fmt.Errorf("signer identity: %w", err)
	}
	return verify.WithCertificateIdentity(identity), nil
}

func accepted(digest Digest, policy Policy, result *verify.VerificationResult) Accepted {
	if policy.PublicKey != nil || result.Signature == nil || result.Signature.Certificate == nil {
		return Accepted{Digest: digest, Signer: "key " + keyHint(policy.PublicKey)}
	}
	return Accepted{Digest: digest, Signer: result.Signature.Certificate.SubjectAlternativeName, Issuer: result.Signature.Certificate.Issuer}
}

// statementOf reads the in-toto statement of a DSSE bundle without trusting
// it: it chooses which bundles to verify and explains failures, and decides
// nothing on its own.
func statementOf(b *bundle.Bundle) (subjects []string, predicateType string) {
	envelope, err := b.Envelope()
	if err != nil {
		return nil, ""
	}
	st, err := envelope.Statement()
	if err != nil {
		return nil, ""
	}
	for _, s := range st.GetSubject() {
		for algorithm, value := range s.GetDigest() {
			subjects = append(subjects, algorithm+":"+value)
		}
	}
	slices.Sort(subjects)
	return subjects, st.GetPredicateType()
}

// diagnose turns a failed verification into the reason an operator can act
// on. It runs only after sigstore-go has refused the bundle, so the unverified
// fields it reads can change the message, never the outcome.
func diagnose(digest Digest, policy Policy, b *bundle.Bundle, subjects []string, err error) *Refusal {
	refuse := func(reason Reason, expected, found string) *Refusal {
		return &Refusal{Digest: digest, Reason: reason, Expected: expected, Found: found, Err: err}
	}
	if !slices.Contains(subjects, digest.String()) {
		return refuse(OtherDigest, digest.String(), strings.Join(subjects, ", "))
	}
	content, contentErr := b.VerificationContent()
	if contentErr != nil {
		return refuse(Tampered, policy.String(), contentErr.Error())
	}
	cert := content.Certificate()
	if policy.PublicKey != nil {
		if cert != nil {
			return refuse(OtherKey, "key "+keyHint(policy.PublicKey), certificateSigner(cert))
		}
		if hint := content.PublicKey(); hint != nil && hint.Hint() != "" && hint.Hint() != keyHint(policy.PublicKey) {
			return refuse(OtherKey, "key "+keyHint(policy.PublicKey), "key "+hint.Hint())
		}
		return refuse(Tampered, policy.String(), err.Error())
	}
	if cert == nil {
		return refuse(OtherIdentity, policy.Identity, "a signature by a key, with no certificate")
	}
	summary, summaryErr := certificate.SummarizeCertificate(cert)
	if summaryErr != nil {
		return refuse(Tampered, policy.String(), summaryErr.Error())
	}
	if summary.SubjectAlternativeName != policy.Identity {
		return refuse(OtherIdentity, policy.Identity, summary.SubjectAlternativeName)
	}
	if summary.Issuer != policy.Issuer {
		return refuse(OtherIssuer, policy.Issuer, summary.Issuer)
	}
	if logged, ok := loggedOutside(b, cert); ok {
		return refuse(Expired, fmt.Sprintf("a signature logged between %s and %s", cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339)),
			"one logged at "+logged.UTC().Format(time.RFC3339))
	}
	return refuse(Tampered, policy.String(), err.Error())
}

// loggedOutside reports a transparency log time outside the certificate's
// validity, the mark of a signature made with a key after its short-lived
// certificate expired.
func loggedOutside(b *bundle.Bundle, cert *x509.Certificate) (time.Time, bool) {
	entries, err := b.TlogEntries()
	if err != nil {
		return time.Time{}, false
	}
	for _, entry := range entries {
		t := entry.IntegratedTime()
		if t.IsZero() {
			continue
		}
		if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
			return t, true
		}
	}
	return time.Time{}, false
}

func certificateSigner(cert *x509.Certificate) string {
	summary, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return "a certificate signature"
	}
	return fmt.Sprintf("a certificate for %s (issuer %s)", summary.SubjectAlternativeName, summary.Issuer)
}

// keyHint is the key identifier sigstore-go writes into a keyed bundle:
// base64 of the SHA-256 of the DER public key.
func keyHint(key crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "(unreadable key)"
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}
