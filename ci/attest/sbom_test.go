package attest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/example/goship/internal/tooltest"
)

func goldenSBOM(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/api.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// apiModules is what the go command says the api binary is built from, the
// list the pipeline requires the SBOM to name.
func apiModules(t *testing.T) []string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}", "../../api")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./api: %v", err)
	}
	seen := map[string]bool{}
	var modules []string
	for _, m := range strings.Fields(string(out)) {
		if !seen[m] {
			seen[m] = true
			modules = append(modules, m)
		}
	}
	if len(modules) == 0 {
		t.Fatal("go list found no modules for the api")
	}
	return modules
}

func TestParseTrivySBOM(t *testing.T) {
	t.Parallel()
	data := goldenSBOM(t)
	sbom, err := ParseSBOM(data)
	if err != nil {
		t.Fatal(err)
	}
	// 10 modules, the api's own module and the Go standard library: every
	// component with a package URL, not the binary that holds them.
	if sbom.Packages != 12 {
		t.Errorf("packages = %d, want 12", sbom.Packages)
	}
	if sbom.GoModules["github.com/go-chi/chi/v5"] != "v5.5.0" {
		t.Errorf("chi version = %q, want v5.5.0", sbom.GoModules["github.com/go-chi/chi/v5"])
	}
	if err := sbom.RequireModules(apiModules(t)); err != nil {
		t.Errorf("the golden SBOM does not name the api's modules: %v (refresh testdata/api.cdx.json as testdata/README.md says)", err)
	}
	again, err := ParseSBOM(data)
	if err != nil || again.Digest != sbom.Digest || !strings.HasPrefix(sbom.Digest.String(), "sha256:") {
		t.Errorf("digest %s is not a stable sha256 of the document (second parse: %s, %v)", sbom.Digest, again.Digest, err)
	}
}

func TestSBOMRefusals(t *testing.T) {
	t.Parallel()
	sbom, err := ParseSBOM(goldenSBOM(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := sbom.RequireModules([]string{"github.com/go-chi/chi/v5", "github.com/example/not-linked"}); err == nil || !strings.Contains(err.Error(), "github.com/example/not-linked") {
		t.Errorf("RequireModules(missing) = %v, want an error naming the missing module", err)
	}
	empty, err := ParseSBOM([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.RequireModules([]string{"github.com/go-chi/chi/v5"}); err == nil || !strings.Contains(err.Error(), "no Go modules") {
		t.Errorf("RequireModules on an SBOM without Go modules = %v, want \"no Go modules\"", err)
	}
	for _, bad := range []string{`not json`, `{"bomFormat":"SPDX"}`} {
		if _, err := ParseSBOM([]byte(bad)); err == nil {
			t.Errorf("ParseSBOM(%q) accepted it", bad)
		}
	}
	if _, err := SBOMStatement(testDigest(t, "image"), []byte("not json")); err == nil {
		t.Error("SBOMStatement accepted an SBOM that is not JSON")
	}
}

// TestTrivySBOMNamesTheAPIModules makes an SBOM the way the pipeline does:
// the api binary alone in an image tarball, listed by the pinned Trivy with
// --format cyclonedx and no vulnerability database.
func TestTrivySBOMNamesTheAPIModules(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: builds the api and runs Trivy")
	}
	trivy := tooltest.Path(t, "trivy")
	dir := t.TempDir()
	binary := filepath.Join(dir, "api")
	build := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "../../api")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./api: %v\n%s", err, out)
	}
	imageTar := filepath.Join(dir, "image.tar")
	writeImageTarball(t, binary, imageTar)
	out := filepath.Join(dir, "sbom.cdx.json")
	cmd := exec.CommandContext(t.Context(), trivy, "image", "--input", imageTar, "--format", "cyclonedx", "--output", out,
		"--cache-dir", filepath.Join(dir, "cache"), "--skip-version-check", "--disable-telemetry")
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("trivy: %v\n%s", err, output)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sbom, err := ParseSBOM(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := sbom.RequireModules(apiModules(t)); err != nil {
		t.Error(err)
	}
}

// writeImageTarball writes a one-layer linux/amd64 image holding binary as
// /api, in the docker save format `trivy image --input` reads.
func writeImageTarball(t *testing.T, binary, path string) {
	t.Helper()
	content, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	if err := tw.WriteHeader(&tar.Header{Name: "api", Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	layerBytes := layerTar.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	base, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("goship/api:test")
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
}
