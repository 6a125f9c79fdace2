package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// pushForeignReferrer attaches to image an artifact of another tool: two
// layers and its own artifact type, as scanners, Notation or a person with
// push access may attach.
func pushForeignReferrer(t *testing.T, image name.Digest) {
	t.Helper()
	subject, err := remote.Head(image)
	if err != nil {
		t.Fatal(err)
	}
	repo := image.Context()
	config := static.NewLayer(emptyConfig, emptyMediaType)
	layers := []v1.Layer{
		static.NewLayer([]byte("first part"), "application/vnd.example.part"),
		static.NewLayer([]byte("second part"), "application/vnd.example.part"),
	}
	var descriptors []v1.Descriptor
	for _, l := range append([]v1.Layer{config}, layers...) {
		if err := remote.WriteLayer(repo, l); err != nil {
			t.Fatal(err)
		}
		d, err := descriptorOf(l)
		if err != nil {
			t.Fatal(err)
		}
		descriptors = append(descriptors, d)
	}
	manifest, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  "application/vnd.example.report",
		Config:        descriptors[0],
		Layers:        descriptors[1:],
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
	})
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := v1.SHA256(bytes.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(repo.Digest(hash.String()), rawManifest(manifest)); err != nil {
		t.Fatal(err)
	}
}

// TestForeignReferrerDoesNotBlockVerify: an artifact another tool attached
// to the image is not ours to read; it must not make every deploy of a
// signed digest fail before verification looks at the signature.
func TestForeignReferrerDoesNotBlockVerify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		referrersAPI bool
	}{{"referrers API", true}, {"tag schema fallback", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			image, digest := pushImage(t, tt.referrersAPI)
			vs := newTestSigstore(t)
			signer := vs.keylessSigner(t, pipelineIdentity, GitHubIssuer, time.Now().Add(time.Minute))
			signature, err := signer.SignDigest(ctx, digest)
			if err != nil {
				t.Fatal(err)
			}
			reg := Registry{}
			if _, err := reg.AttachBundle(ctx, image, signature, SignaturePredicate); err != nil {
				t.Fatal(err)
			}
			pushForeignReferrer(t, image)

			bundles, err := reg.Bundles(ctx, image)
			if err != nil {
				t.Fatalf("Bundles with a foreign referrer attached: %v, want the signature", err)
			}
			policy := Policy{Identity: pipelineIdentity, Issuer: GitHubIssuer}
			if _, err := Verify(vs, policy, digest, bundles); err != nil {
				t.Errorf("Verify = %v, want accepted", err)
			}
		})
	}
}
