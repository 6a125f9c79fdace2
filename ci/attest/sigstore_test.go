package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// testSigstore is sigstore-go's in-process Fulcio and Rekor, so keyless
// signatures are made and verified exactly as in a workflow, without network.
type testSigstore struct {
	*ca.VirtualSigstore
}

// CTLogs hides the virtual CT log: VirtualSigstore issues certificates
// without embedded SCTs, which the public-good Fulcio always adds.
func (testSigstore) CTLogs() map[string]*root.TransparencyLog { return nil }

func newTestSigstore(t *testing.T) testSigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	return testSigstore{vs}
}

// keylessSigner returns a Signer whose certificate vs issues to identity
// under issuer, and whose log entry vs records at loggedAt.
func (vs testSigstore) keylessSigner(t *testing.T, identity, issuer string, loggedAt time.Time) Signer {
	t.Helper()
	cert, key, err := vs.GenerateLeafCert(identity, issuer)
	if err != nil {
		t.Fatal(err)
	}
	keypair, err := KeypairFromSigner(key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return Signer{
		Keypair:      keypair,
		Certificates: issuedCertificate(cert.Raw),
		IDToken:      "test-oidc-token",
		Logs:         []sign.Transparency{virtualRekor{vs: vs.VirtualSigstore, loggedAt: loggedAt}},
	}
}

// issuedCertificate plays Fulcio: it hands back the certificate the test CA
// already issued for the signing key.
type issuedCertificate []byte

func (c issuedCertificate) GetCertificate(_ context.Context, _ sign.Keypair, opts *sign.CertificateProviderOptions) ([]byte, error) {
	if opts == nil || opts.IDToken == "" {
		return nil, errors.New("fulcio: no OIDC token")
	}
	return c, nil
}

// virtualRekor plays Rekor: it logs the bundle's DSSE envelope with the
// virtual log's key at loggedAt.
type virtualRekor struct {
	vs       *ca.VirtualSigstore
	loggedAt time.Time
}

func (r virtualRekor) GetTransparencyLogEntry(_ context.Context, certPEM []byte, b *protobundle.Bundle) error {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return errors.New("rekor: no certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	envelope := b.GetDsseEnvelope()
	sig := envelope.GetSignatures()[0].GetSig()
	entry, err := r.vs.GenerateTlogEntry(cert, &dsse.Envelope{
		PayloadType: envelope.GetPayloadType(),
		Payload:     base64.StdEncoding.EncodeToString(envelope.GetPayload()),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	}, sig, r.loggedAt.Unix(), true)
	if err != nil {
		return err
	}
	// GenerateTlogEntry keeps the signed entry timestamp and kind beside the
	// protobuf entry; a bundle carries them inside it, as Rekor returns them.
	tle := entry.TransparencyLogEntry()
	logID, err := r.vs.RekorLogID()
	if err != nil {
		return err
	}
	set, err := r.vs.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
		IntegratedTime: tle.GetIntegratedTime(),
		LogIndex:       tle.GetLogIndex(),
		LogID:          logID,
	})
	if err != nil {
		return err
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}
