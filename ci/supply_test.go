package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/registrytest"
)

func writeSigningKey(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testPipeline(cfg config, out io.Writer) *pipeline {
	return &pipeline{cfg: cfg, steps: newSteps(out, time.Now), result: &report.Summary{}, getenv: envOf(nil)}
}

// TestDeploySignsThenVerifies is the deploy path of acceptance 2 with a key
// file: the published digest gets its SBOM and signature as referrers, the
// check before Terraform accepts it, and refuses an unsigned digest in the
// same repository unless --allow-unsigned, which it then says loudly.
func TestDeploySignsThenVerifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := registrytest.Start(t, true, "goship-dev")
	signed, unsigned := registrytest.PushRandomImage(t, repo).String(), registrytest.PushRandomImage(t, repo).String()
	sbom, err := os.ReadFile("attest/testdata/api.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := testPipeline(config{signingKey: writeSigningKey(t)}, &out)
	supply, err := prepareSupplyChain(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	reg := attest.Registry{}
	if err := signAndAttach(ctx, p, supply, reg, signed, sbom); err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewDigest(signed)
	if err != nil {
		t.Fatal(err)
	}
	if sboms, err := reg.Referrers(ctx, ref, attest.SBOMMediaType); err != nil || len(sboms) != 1 {
		t.Errorf("SBOM referrers of the signed image = %d, %v; want 1", len(sboms), err)
	}
	if err := verifyBeforeDeploy(ctx, p, supply, reg, signed); err != nil {
		t.Fatalf("verify the signed image: %v", err)
	}
	if !strings.HasPrefix(p.result.Signature, "verified: key ") {
		t.Errorf("summary signature = %q, want verified by the key", p.result.Signature)
	}

	err = verifyBeforeDeploy(ctx, p, supply, reg, unsigned)
	if err == nil || !strings.Contains(err.Error(), "no signature") || !strings.Contains(err.Error(), "--allow-unsigned") {
		t.Errorf("verify an unsigned image = %v, want a refusal naming --allow-unsigned", err)
	}

	out.Reset()
	p.cfg.allowUnsigned = true
	if err := verifyBeforeDeploy(ctx, p, supply, reg, unsigned); err != nil {
		t.Errorf("verify with --allow-unsigned = %v, want the deploy to go on", err)
	}
	if !strings.Contains(out.String(), "!!! DEPLOYING AN UNVERIFIED IMAGE") || !strings.Contains(p.result.Signature, "NOT VERIFIED (no signature)") {
		t.Errorf("--allow-unsigned was quiet: output %q, summary %q", out.String(), p.result.Signature)
	}
}

// TestUnsignedDeployAttachesOnlyTheSBOM: with --allow-unsigned and no key,
// the SBOM is still attached and the missing signature is said loudly.
func TestUnsignedDeployAttachesOnlyTheSBOM(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := registrytest.Start(t, true, "goship-dev")
	image := registrytest.PushRandomImage(t, repo).String()
	var out bytes.Buffer
	p := testPipeline(config{allowUnsigned: true, signerIdentity: "https://github.com/o/r/.github/workflows/pipeline.yml@refs/heads/main", signerIssuer: attest.GitHubIssuer}, &out)
	supply, err := prepareSupplyChain(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if supply.method != signUnsigned || supply.trust == nil {
		t.Fatalf("supply chain = %v with trust %v, want unsigned with the embedded root", supply.method, supply.trust)
	}
	if err := signAndAttach(ctx, p, supply, attest.Registry{}, image, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "!!! NOT SIGNED") {
		t.Errorf("output %q does not say the image is not signed", out.String())
	}
	ref, err := name.NewDigest(image)
	if err != nil {
		t.Fatal(err)
	}
	if bundles, err := (attest.Registry{}).Bundles(ctx, ref); err != nil || len(bundles) != 0 {
		t.Errorf("bundles = %d, %v; want none", len(bundles), err)
	}
}

func TestPrepareSupplyChainFailsFastOnBadKeys(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "absent.pem")
	tests := []struct {
		name string
		cfg  config
		want string
	}{
		{"missing signing key", config{signingKey: missing}, "--signing-key"},
		{"missing verify key", config{signingKey: writeSigningKey(t), verifyKey: missing}, "--verify-key"},
		{"missing trusted root", config{allowUnsigned: true, signerIdentity: "x", signerIssuer: "y", trustedRoot: missing}, "--trusted-root"},
	}
	for _, tt := range tests {
		_, err := prepareSupplyChain(context.Background(), testPipeline(tt.cfg, io.Discard))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: prepareSupplyChain = %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
}

// TestECRAuthPrintsNoPassword: the authenticator hands the password to
// go-containerregistry, and to nothing that prints it.
func TestECRAuthPrintsNoPassword(t *testing.T) {
	t.Parallel()
	auth := ecrAuth{login: cloud.RegistryLogin{Host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", Username: "AWS", Password: cloud.Secret(canary)}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if got := fmt.Sprintf(verb, auth); strings.Contains(got, canary) {
			t.Errorf("Sprintf(%s) = %q prints the password", verb, got)
		}
	}
	config, err := auth.Authorization()
	if err != nil || config.Password != canary || config.Username != "AWS" {
		t.Errorf("Authorization() = %+v, %v; want the login's user and password", config, err)
	}
}

// TestRequireImageOutsideECR: a rollback to an image published with
// --image-repository asks that registry, not ECR, whether the image is
// still there.
func TestRequireImageOutsideECR(t *testing.T) {
	t.Parallel()
	repo := registrytest.Start(t, true, "goship-dev")
	kept := registrytest.PushRandomImage(t, repo).String()
	// No ECR client: asking ECR would panic.
	if err := requireImage(t.Context(), cloud.Clients{}, kept); err != nil {
		t.Errorf("an image the registry holds: %v", err)
	}
	gone := repo.Name() + "@sha256:" + strings.Repeat("0", 64)
	if err := requireImage(t.Context(), cloud.Clients{}, gone); !errors.Is(err, cloud.ErrImageGone) || !strings.Contains(err.Error(), "--to") {
		t.Errorf("an image the registry does not hold: %v, want ErrImageGone with a way out", err)
	}
}
