package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/example/goship/ci/attest"
)

// sbomFile is where check and deploy leave the image's CycloneDX SBOM on the
// host, relative to the repository; out/ is ignored by git, and a workflow
// can upload it as an artifact.
const sbomFile = "out/sbom.cdx.json"

// keepSBOM checks the SBOM Trivy made of the image (CycloneDX, naming the
// api's Go modules), writes it to the host and records it in the summary.
func keepSBOM(ctx context.Context, p *pipeline, data []byte) error {
	sbom, err := attest.ParseSBOM(data)
	if err != nil {
		return err
	}
	modules, err := apiModules(ctx, p.root)
	if err != nil {
		return err
	}
	if err := sbom.RequireModules(modules); err != nil {
		return err
	}
	path := filepath.Join(p.root, filepath.FromSlash(sbomFile))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing the SBOM: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing the SBOM: %w", err)
	}
	p.result.SBOMPath, p.result.SBOMPackages, p.result.SBOMDigest = sbomFile, sbom.Packages, sbom.Digest.String()
	p.steps.printf("  SBOM: %d packages (%d Go modules), %s, in %s\n", sbom.Packages, len(sbom.GoModules), sbom.Digest, sbomFile)
	return nil
}

// apiModules lists the Go modules the api binary is built from, as the go
// command resolves them on the host from the same go.mod and go.sum the
// image build uses.
func apiModules(ctx context.Context, root string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}", "./api")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the api's Go modules (go list -deps ./api): %w", err)
	}
	return moduleList(string(out)), nil
}

// moduleList turns go list's one-module-per-package output into a sorted
// set; the standard library's packages print nothing.
func moduleList(out string) []string {
	var modules []string
	for _, line := range strings.Fields(out) {
		if !slices.Contains(modules, line) {
			modules = append(modules, line)
		}
	}
	slices.Sort(modules)
	return modules
}
