package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// SBOMMediaType is the media type of a CycloneDX JSON document, and the
// artifactType of the referrer that carries one.
const SBOMMediaType = "application/vnd.cyclonedx+json"

// SBOM is what the pipeline reports about a CycloneDX SBOM: how many
// packages it lists, its digest (which names it in the summary and the
// registry), and the Go modules it found in the binary.
type SBOM struct {
	Digest   Digest
	Packages int
	// GoModules maps each Go module path to its version.
	GoModules map[string]string
}

// ParseSBOM decodes a CycloneDX JSON document, such as `trivy image --format
// cyclonedx` writes, and counts what it lists. A package is a component with
// a package URL: that excludes the image and binary entries Trivy adds to
// hold them.
func ParseSBOM(data []byte) (SBOM, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return SBOM{}, fmt.Errorf("SBOM is not CycloneDX JSON: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return SBOM{}, fmt.Errorf("SBOM bomFormat is %q, want %q", bom.BOMFormat, cdx.BOMFormat)
	}
	sum := sha256.Sum256(data)
	sbom := SBOM{
		Digest:    Digest{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])},
		GoModules: map[string]string{},
	}
	var walk func([]cdx.Component)
	walk = func(components []cdx.Component) {
		for _, c := range components {
			if c.PackageURL != "" {
				sbom.Packages++
				if path, version, ok := goModule(c.PackageURL); ok {
					sbom.GoModules[path] = version
				}
			}
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	if bom.Components != nil {
		walk(*bom.Components)
	}
	return sbom, nil
}

// goModule reads a pkg:golang package URL: the module path is the
// namespace and name, percent-decoded, and the version follows "@".
func goModule(purl string) (path, version string, ok bool) {
	rest, found := strings.CutPrefix(purl, "pkg:golang/")
	if !found {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "#")
	name, version, _ := strings.Cut(rest, "@")
	path, err := url.PathUnescape(name)
	if err != nil || path == "" {
		return "", "", false
	}
	return path, version, true
}

// RequireModules checks that the SBOM lists every module in want: an SBOM
// that misses the api's own dependencies describes some other binary, or a
// scan that could not read this one.
func (s SBOM) RequireModules(want []string) error {
	var missing []string
	for _, m := range want {
		if _, ok := s.GoModules[m]; !ok {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	if len(s.GoModules) == 0 {
		return errors.New("SBOM lists no Go modules: Trivy found no Go binary in the image, or the binary was built without module information (-buildvcs/-trimpath are fine, stripping buildinfo is not)")
	}
	return fmt.Errorf("SBOM does not list the Go modules %s (it lists %d)", strings.Join(missing, ", "), len(s.GoModules))
}
