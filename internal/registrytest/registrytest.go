// Package registrytest runs an in-process OCI registry for tests that push,
// sign and read images without a network or a Docker daemon.
package registrytest

import (
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Start serves a registry on loopback for the life of the test and returns
// the named repository in it. Without referrersAPI the registry answers the
// referrers endpoint with 404, so clients fall back to the tag schema as
// they must against registries that lack it.
func Start(t testing.TB, referrersAPI bool, repository string) name.Repository {
	t.Helper()
	srv := httptest.NewServer(registry.New(
		registry.WithReferrersSupport(referrersAPI),
		registry.Logger(log.New(io.Discard, "", 0)),
	))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := name.NewRepository(u.Host+"/"+repository, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// PushRandomImage pushes a small random image to repo and returns its
// digest reference; each call pushes a different image.
func PushRandomImage(t testing.TB, repo name.Repository) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref := repo.Digest(digest.String())
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return ref
}
