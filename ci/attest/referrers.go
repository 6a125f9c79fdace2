package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of what the pipeline attaches. The bundle media type is also
// the referrer's artifactType, as cosign writes it, so `cosign verify
// --new-bundle-format` finds our signatures.
const (
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// emptyMediaType and emptyConfig are the OCI 1.1 empty descriptor an
	// artifact manifest uses as its config.
	emptyMediaType = "application/vnd.oci.empty.v1+json"
	// bundleContentAnnotation and predicateAnnotation are the annotations
	// cosign puts on a bundle referrer; cosign and policy controllers use
	// them to tell a signature from an attestation without fetching it.
	bundleContentAnnotation = "dev.sigstore.bundle.content"
	predicateAnnotation     = "dev.sigstore.bundle.predicateType"
	maxArtifactBytes        = 64 << 20
)

var emptyConfig = []byte("{}")

// Registry attaches artifacts to images and reads them back, over the OCI 1.1
// referrers API, or its tag-schema fallback (sha256-<hex>) where a registry
// lacks the API.
type Registry struct {
	// Auth logs in to the registry; ECR's comes from the host's
	// GetAuthorizationToken. Nil means anonymous.
	Auth authn.Authenticator
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

func (r Registry) options(ctx context.Context) []remote.Option {
	options := []remote.Option{remote.WithContext(ctx)}
	if r.Auth != nil {
		options = append(options, remote.WithAuth(r.Auth))
	}
	if r.Transport != nil {
		options = append(options, remote.WithTransport(r.Transport))
	}
	return options
}

// Exists checks that the registry still holds image's manifest.
func (r Registry) Exists(ctx context.Context, image name.Digest) error {
	if _, err := remote.Head(image, r.options(ctx)...); err != nil {
		return fmt.Errorf("%s: %w", image, err)
	}
	return nil
}

// AttachSBOM attaches a CycloneDX SBOM to image.
func (r Registry) AttachSBOM(ctx context.Context, image name.Digest, sbom []byte) (name.Digest, error) {
	return r.attach(ctx, image, SBOMMediaType, sbom, nil)
}

// AttachBundle attaches a Sigstore bundle to image, annotated with the
// statement's predicate type as cosign does.
func (r Registry) AttachBundle(ctx context.Context, image name.Digest, bundle []byte, predicateType string) (name.Digest, error) {
	return r.attach(ctx, image, BundleMediaType, bundle, map[string]string{
		bundleContentAnnotation: "dsse-envelope",
		predicateAnnotation:     predicateType,
	})
}

// attach pushes content as the single layer of an artifact manifest whose
// subject is image, and returns the manifest's digest.
func (r Registry) attach(ctx context.Context, image name.Digest, artifactType string, content []byte, annotations map[string]string) (name.Digest, error) {
	options := r.options(ctx)
	subject, err := remote.Head(image, options...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("find image %s to attach %s to: %w", image, artifactType, err)
	}
	repo := image.Context()
	config := static.NewLayer(emptyConfig, emptyMediaType)
	layer := static.NewLayer(content, types.MediaType(artifactType))
	for _, blob := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(repo, blob, options...); err != nil {
			return name.Digest{}, fmt.Errorf("upload %s for %s: %w", artifactType, image, err)
		}
	}
	configDescriptor, err := descriptorOf(config)
	if err != nil {
		return name.Digest{}, err
	}
	layerDescriptor, err := descriptorOf(layer)
	if err != nil {
		return name.Digest{}, err
	}
	manifest, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        configDescriptor,
		Layers:        []v1.Descriptor{layerDescriptor},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:   annotations,
	})
	if err != nil {
		return name.Digest{}, fmt.Errorf("encode %s referrer manifest: %w", artifactType, err)
	}
	hash, _, err := v1.SHA256(bytes.NewReader(manifest))
	if err != nil {
		return name.Digest{}, err
	}
	ref := repo.Digest(hash.String())
	if err := remote.Put(ref, rawManifest(manifest), options...); err != nil {
		return name.Digest{}, fmt.Errorf("push %s referrer of %s: %w", artifactType, image, err)
	}
	return ref, nil
}

func descriptorOf(layer v1.Layer) (v1.Descriptor, error) {
	digest, err := layer.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	size, err := layer.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mediaType, err := layer.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mediaType, Digest: digest, Size: size}, nil
}

// rawManifest is an OCI manifest already encoded, for remote.Put.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// Referrer is one artifact attached to an image.
type Referrer struct {
	Ref          name.Digest
	ArtifactType string
	Annotations  map[string]string
	// Subject is the digest the manifest says it refers to.
	Subject string
	// Content is the artifact's single layer: the SBOM or the bundle.
	Content []byte
}

// Referrers returns the artifacts of artifactType attached to image, with
// their content. An image nothing refers to yields none, not an error.
//
// The artifact type is read from each manifest, not from the registry's
// listing: registries disagree on how they fill the listing's artifactType
// (some copy the config media type, as OCI 1.1 drafts did), and the
// manifest is what was pushed.
func (r Registry) Referrers(ctx context.Context, image name.Digest, artifactType string) ([]Referrer, error) {
	index, err := remote.Referrers(image, r.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s: %w", image, err)
	}
	listing, err := index.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read referrers of %s: %w", image, err)
	}
	var out []Referrer
	for _, desc := range listing.Manifests {
		ref := image.Context().Digest(desc.Digest.String())
		referrer, ok, err := r.fetch(ctx, ref, artifactType, image.DigestStr())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, referrer)
		}
	}
	return out, nil
}

// Bundles returns the content of every Sigstore bundle attached to image,
// the input Verify expects.
func (r Registry) Bundles(ctx context.Context, image name.Digest) ([][]byte, error) {
	referrers, err := r.Referrers(ctx, image, BundleMediaType)
	if err != nil {
		return nil, err
	}
	bundles := make([][]byte, 0, len(referrers))
	for _, ref := range referrers {
		bundles = append(bundles, ref.Content)
	}
	return bundles, nil
}

// fetch reads one referrer: its manifest and, when it is an artifactType
// for subject, the single layer it carries. Another tool's artifact
// (another type, any shape) is skipped unread, so that what others attach
// to an image cannot stop a deploy from reading its signature.
func (r Registry) fetch(ctx context.Context, ref name.Digest, artifactType, subject string) (Referrer, bool, error) {
	options := r.options(ctx)
	desc, err := remote.Get(ref, options...)
	if err != nil {
		return Referrer{}, false, fmt.Errorf("fetch referrer %s: %w", ref, err)
	}
	manifest, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return Referrer{}, false, fmt.Errorf("read referrer %s: %w", ref, err)
	}
	referrer := Referrer{Ref: ref, ArtifactType: manifest.ArtifactType, Annotations: manifest.Annotations}
	if referrer.ArtifactType == "" {
		referrer.ArtifactType = string(manifest.Config.MediaType)
	}
	if manifest.Subject != nil {
		referrer.Subject = manifest.Subject.Digest.String()
	}
	if referrer.ArtifactType != artifactType || referrer.Subject != subject {
		return Referrer{}, false, nil
	}
	if len(manifest.Layers) != 1 {
		return Referrer{}, false, fmt.Errorf("referrer %s has %d layers, want 1", ref, len(manifest.Layers))
	}
	layer := manifest.Layers[0]
	if layer.Size > maxArtifactBytes {
		return Referrer{}, false, fmt.Errorf("referrer %s is %d bytes, more than the 64 MiB an SBOM or bundle needs", ref, layer.Size)
	}
	blob, err := remote.Layer(ref.Context().Digest(layer.Digest.String()), options...)
	if err != nil {
		return Referrer{}, false, fmt.Errorf("fetch referrer %s content: %w", ref, err)
	}
	// Compressed is the blob as stored, which go-containerregistry checks
	// against the digest in the manifest; an artifact layer is not gzipped.
	rc, err := blob.Compressed()
	if err != nil {
		return Referrer{}, false, fmt.Errorf("fetch referrer %s content: %w", ref, err)
	}
	defer func() { _ = rc.Close() }() // read-only: a close error changes nothing
	referrer.Content, err = io.ReadAll(io.LimitReader(rc, maxArtifactBytes))
	if err != nil {
		return Referrer{}, false, fmt.Errorf("fetch referrer %s content: %w", ref, err)
	}
	return referrer, true, nil
}
