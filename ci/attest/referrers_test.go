package attest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/example/goship/internal/registrytest"
)

// pushImage pushes a small random image to a fresh in-process registry and
// returns its reference and the digest a signer and Verify take.
func pushImage(t *testing.T, referrersAPI bool) (name.Digest, Digest) {
	t.Helper()
	image := registrytest.PushRandomImage(t, registrytest.Start(t, referrersAPI, "goship/api"))
	digest, err := ParseDigest(image.DigestStr())
	if err != nil {
		t.Fatal(err)
	}
	return image, digest
}

// TestPublishAttachesSBOMAndSignature is acceptance 2 of issue 10: the
// image, its SBOM and its signature are one digest and its referrers; verify
// accepts the digest from what the registry returns, and refuses another.
func TestPublishAttachesSBOMAndSignature(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		referrersAPI bool
	}{{"referrers API", true}, {"tag schema fallback", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			image, digest := pushImage(t, tt.referrersAPI)
			sbom := goldenSBOM(t)
			vs := newTestSigstore(t)
			signer := vs.keylessSigner(t, pipelineIdentity, GitHubIssuer, time.Now().Add(time.Minute))
			signature, err := signer.SignDigest(ctx, digest)
			if err != nil {
				t.Fatal(err)
			}
			attestation, err := signer.AttestSBOM(ctx, digest, sbom)
			if err != nil {
				t.Fatal(err)
			}

			reg := Registry{}
			if _, err := reg.AttachSBOM(ctx, image, sbom); err != nil {
				t.Fatal(err)
			}
			if _, err := reg.AttachBundle(ctx, image, signature, SignaturePredicate); err != nil {
				t.Fatal(err)
			}
			if _, err := reg.AttachBundle(ctx, image, attestation, SBOMPredicate); err != nil {
				t.Fatal(err)
			}

			sboms, err := reg.Referrers(ctx, image, SBOMMediaType)
			if err != nil {
				t.Fatal(err)
			}
			if len(sboms) != 1 || string(sboms[0].Content) != string(sbom) {
				t.Fatalf("SBOM referrers = %d, want the one SBOM pushed", len(sboms))
			}
			bundles, err := reg.Referrers(ctx, image, BundleMediaType)
			if err != nil {
				t.Fatal(err)
			}
			if len(bundles) != 2 {
				t.Fatalf("bundle referrers = %d, want the signature and the SBOM attestation", len(bundles))
			}
			predicates := map[string]bool{}
			for _, b := range bundles {
				predicates[b.Annotations[predicateAnnotation]] = true
			}
			if !predicates[SignaturePredicate] || !predicates[SBOMPredicate] {
				t.Errorf("bundle predicate annotations = %v, want %s and %s", predicates, SignaturePredicate, SBOMPredicate)
			}
			for _, ref := range append(sboms, bundles...) {
				assertReferrerManifest(t, ref, image)
			}

			contents, err := reg.Bundles(ctx, image)
			if err != nil {
				t.Fatal(err)
			}
			policy := Policy{Identity: pipelineIdentity, Issuer: GitHubIssuer}
			if _, err := Verify(vs, policy, digest, contents); err != nil {
				t.Errorf("Verify(pushed digest) = %v, want accepted", err)
			}

			other := registrytest.PushRandomImage(t, image.Context())
			otherDigest, err := ParseDigest(other.DigestStr())
			if err != nil {
				t.Fatal(err)
			}
			otherBundles, err := reg.Bundles(ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			var refusal *Refusal
			if _, err := Verify(vs, policy, otherDigest, otherBundles); !errors.As(err, &refusal) || refusal.Reason != Unsigned {
				t.Errorf("Verify(another digest in the registry) = %v, want %q", err, Unsigned)
			}
			if _, err := Verify(vs, policy, otherDigest, contents); !errors.As(err, &refusal) || refusal.Reason != OtherDigest {
				t.Errorf("Verify(another digest, this digest's bundles) = %v, want %q", err, OtherDigest)
			}
		})
	}
}

// assertReferrerManifest reads the manifest back and checks the fields the
// referrers API and cosign rely on.
func assertReferrerManifest(t *testing.T, ref Referrer, image name.Digest) {
	t.Helper()
	desc, err := remote.Get(ref.Ref)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	if manifest.Subject == nil || manifest.Subject.Digest.String() != image.DigestStr() {
		t.Errorf("%s: subject = %v, want %s", ref.Ref, manifest.Subject, image.DigestStr())
	}
	if manifest.ArtifactType != ref.ArtifactType {
		t.Errorf("%s: artifactType = %q, want %q", ref.Ref, manifest.ArtifactType, ref.ArtifactType)
	}
	if manifest.Config.MediaType != emptyMediaType {
		t.Errorf("%s: config mediaType = %q, want the OCI empty descriptor", ref.Ref, manifest.Config.MediaType)
	}
	if len(manifest.Layers) != 1 || string(manifest.Layers[0].MediaType) != ref.ArtifactType {
		t.Errorf("%s: layers = %v, want one %s layer", ref.Ref, manifest.Layers, ref.ArtifactType)
	}
}
