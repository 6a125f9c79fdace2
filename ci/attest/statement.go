// Package attest proves where an image came from: it signs an image digest
// and its SBOM in the Sigstore bundle format, attaches both to the image as
// OCI 1.1 referrers, and refuses a digest whose signature is missing or was
// made by anyone other than the expected signer.
//
// It imports neither Dagger nor the AWS SDK: the pipeline hands it a key, a
// registry authenticator and the bytes it should sign.
package attest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// The predicate types are the ones cosign writes, so `cosign verify
// --new-bundle-format` and `cosign verify-attestation --type cyclonedx`
// accept what this package signs.
const (
	// SignaturePredicate marks a statement that only says "this digest is
	// signed", the statement `cosign sign --new-bundle-format` produces.
	SignaturePredicate = "https://sigstore.dev/cosign/sign/v1"
	// SBOMPredicate marks a statement whose predicate is a CycloneDX SBOM.
	SBOMPredicate = "https://cyclonedx.org/bom"

	statementType = "https://in-toto.io/Statement/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
)

// Digest is an image digest such as sha256:0123…, the only name of an image
// this package signs or verifies: a tag can move, a digest cannot.
type Digest struct {
	Algorithm string
	Hex       string
}

// ParseDigest accepts "sha256:<64 hex digits>", alone or at the end of an
// image reference (repo@sha256:…).
func ParseDigest(s string) (Digest, error) {
	if _, after, ok := strings.Cut(s, "@"); ok {
		s = after
	}
	algorithm, hexPart, ok := strings.Cut(s, ":")
	if !ok || algorithm != "sha256" {
		return Digest{}, fmt.Errorf("image digest %q: want sha256:<64 hex digits>", s)
	}
	raw, err := hex.DecodeString(hexPart)
	if err != nil || len(raw) != 32 || strings.ToLower(hexPart) != hexPart {
		return Digest{}, fmt.Errorf("image digest %q: want sha256:<64 lower-case hex digits>", s)
	}
	return Digest{Algorithm: algorithm, Hex: hexPart}, nil
}

func (d Digest) String() string { return d.Algorithm + ":" + d.Hex }

// statement is an in-toto v1 statement about one image. The subject carries
// no name, as cosign's does not: the digest alone identifies the image, in
// whichever repository it is copied to.
type statement struct {
	Type          string          `json:"_type"`
	Subject       []subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// SignatureStatement is the statement that signs digest itself.
func SignatureStatement(digest Digest) ([]byte, error) {
	return marshalStatement(digest, SignaturePredicate, json.RawMessage(`{}`))
}

// SBOMStatement is the attestation that sbom, a CycloneDX JSON document,
// describes digest.
func SBOMStatement(digest Digest, sbom []byte) ([]byte, error) {
	if !json.Valid(sbom) {
		return nil, fmt.Errorf("SBOM for %s is not JSON", digest)
	}
	return marshalStatement(digest, SBOMPredicate, json.RawMessage(sbom))
}

func marshalStatement(digest Digest, predicateType string, predicate json.RawMessage) ([]byte, error) {
	return json.Marshal(statement{
		Type:          statementType,
		Subject:       []subject{{Digest: map[string]string{digest.Algorithm: digest.Hex}}},
		PredicateType: predicateType,
		Predicate:     predicate,
	})
}
