package registrytest

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPushedImagesAreReadBackByDigest(t *testing.T) {
	t.Parallel()
	for _, referrersAPI := range []bool{true, false} {
		repo := Start(t, referrersAPI, "goship/api")
		first, second := PushRandomImage(t, repo), PushRandomImage(t, repo)
		if first == second {
			t.Fatalf("two pushes gave one reference %s, want two images", first)
		}
		for _, ref := range []name.Digest{first, second} {
			desc, err := remote.Head(ref)
			if err != nil {
				t.Fatalf("referrers API %v: Head(%s): %v", referrersAPI, ref, err)
			}
			if desc.Digest.String() != ref.DigestStr() {
				t.Errorf("Head(%s) digest = %s, want the pushed one", ref, desc.Digest)
			}
		}
	}
}
