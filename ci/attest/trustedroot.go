package attest

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// publicGoodRoot is Sigstore's public-good trusted root: the Fulcio CAs,
// Rekor logs, CT logs and timestamp authority that keyless signatures chain
// to. It is the genuine targets/trusted_root.json of
// github.com/sigstore/root-signing at commit c9bda74ad2221f938f7d2e0295ca3aad2da710a8
// (2025-09-22, still the current target on 2026-08-21), shipped in the binary
// so that verification needs no network and cannot be steered by whoever
// answers a TUF request. A new Fulcio or Rekor key means a new file here;
// --trusted-root names one without rebuilding.
//
//go:embed trusted_root.json
var publicGoodRoot []byte

// TrustedRoot returns the trusted root in the file at path, or the embedded
// public-good root when path is empty, and says which in source.
func TrustedRoot(path string) (material root.TrustedMaterial, source string, err error) {
	if path == "" {
		tr, err := root.NewTrustedRootFromJSON(publicGoodRoot)
		if err != nil {
			return nil, "", fmt.Errorf("parse embedded Sigstore trusted root: %w", err)
		}
		return tr, "embedded Sigstore public-good trusted root (sigstore/root-signing c9bda74, 2025-09-22)", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read trusted root (--trusted-root): %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, "", fmt.Errorf("parse trusted root %s: %w", path, err)
	}
	return tr, "trusted root " + path, nil
}
