package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/example/goship/ci/attest"
	"github.com/example/goship/ci/cloud"
)

// supplyChain is how deploy signs what it publishes and what it requires of
// what it deploys. It is prepared before the build, so a missing key file,
// a KMS key that cannot sign or an unreadable trusted root fails in seconds,
// not after the scan.
type supplyChain struct {
	method  signingMethod
	keypair sign.Keypair // a key file or KMS key; nil for keyless and unsigned
	policy  attest.Policy
	trust   root.TrustedMaterial // for keyless signatures; nil for a key policy
}

func prepareSupplyChain(ctx context.Context, p *pipeline) (supplyChain, error) {
	sc := supplyChain{method: chooseSigning(p.cfg.signingKey, p.getenv("ACTIONS_ID_TOKEN_REQUEST_URL") != "")}
	var err error
	if sc.keypair, err = loadKeypair(ctx, p, sc.method); err != nil {
		return supplyChain{}, err
	}

	switch {
	case p.cfg.verifyKey != "":
		data, err := os.ReadFile(p.cfg.verifyKey)
		if err != nil {
			return supplyChain{}, fmt.Errorf("--verify-key: %w", err)
		}
		key, err := attest.LoadPublicKey(data)
		if err != nil {
			return supplyChain{}, fmt.Errorf("--verify-key %s: %w", p.cfg.verifyKey, err)
		}
		sc.policy = attest.Policy{PublicKey: key}
	case sc.keypair != nil:
		// Signing with a named key and verifying the same: the check then
		// proves the digest Terraform gets is the digest that was signed.
		sc.policy = attest.Policy{PublicKey: sc.keypair.GetPublicKey()}
	default:
		sc.policy = attest.Policy{Identity: p.cfg.signerIdentity, Issuer: p.cfg.signerIssuer}
		trust, source, err := attest.TrustedRoot(p.cfg.trustedRoot)
		if err != nil {
			return supplyChain{}, err
		}
		sc.trust = trust
		p.steps.printf("Signatures are verified against the %s\n", source)
	}
	return sc, nil
}

// signer makes the Signer for this run. A keyless one asks GitHub Actions
// for a fresh OIDC token here, after the build, because the token lives
// only minutes.
func (sc supplyChain) signer(ctx context.Context, p *pipeline) (attest.Signer, error) {
	if sc.method != signKeyless {
		return attest.Signer{Keypair: sc.keypair}, nil
	}
	client := &http.Client{Timeout: 30 * time.Second}
	token, err := attest.GitHubToken(ctx, client, p.getenv)
	if err != nil {
		return attest.Signer{}, err
	}
	return attest.KeylessSigner(token)
}

// signAndAttach attaches the SBOM to the published digest and, unless this
// deploy has no signer, the signature and the SBOM attestation too.
func signAndAttach(ctx context.Context, p *pipeline, sc supplyChain, reg attest.Registry, image string, sbom []byte) error {
	ref, digest, err := parseImage(image)
	if err != nil {
		return err
	}
	sbomRef, err := reg.AttachSBOM(ctx, ref, sbom)
	if err != nil {
		return err
	}
	p.steps.printf("  SBOM attached: %s\n", sbomRef.DigestStr())
	if sc.method == signUnsigned {
		p.steps.printf("  !!! NOT SIGNED: no --signing-key and no GitHub Actions OIDC token, so %s carries no signature (--allow-unsigned)\n", digest)
		return nil
	}
	signer, err := sc.signer(ctx, p)
	if err != nil {
		return err
	}
	signature, err := signer.SignDigest(ctx, digest)
	if err != nil {
		return err
	}
	if _, err := reg.AttachBundle(ctx, ref, signature, attest.SignaturePredicate); err != nil {
		return err
	}
	attestation, err := signer.AttestSBOM(ctx, digest, sbom)
	if err != nil {
		return err
	}
	if _, err := reg.AttachBundle(ctx, ref, attestation, attest.SBOMPredicate); err != nil {
		return err
	}
	p.steps.printf("  signed %s (%s) and attested its SBOM\n", digest, sc.method)
	return nil
}

// verifyBeforeDeploy refuses a digest without an acceptable signature,
// unless --allow-unsigned says to deploy it anyway, which is said loudly and
// recorded in the summary.
func verifyBeforeDeploy(ctx context.Context, p *pipeline, sc supplyChain, reg attest.Registry, image string) error {
	accepted, err := verifyImage(ctx, sc, reg, image)
	if err == nil {
		p.result.Signature = "verified: " + accepted.Signer
		if accepted.Issuer != "" {
			p.result.Signature += " (issuer " + accepted.Issuer + ")"
		}
		p.steps.printf("  %s\n", p.result.Signature)
		return nil
	}
	if !p.cfg.allowUnsigned {
		return fmt.Errorf("%w; refusing to deploy it (deploy an image the pipeline signed, or pass --allow-unsigned to deploy it anyway)", err)
	}
	reason := err.Error()
	var refusal *attest.Refusal
	if errors.As(err, &refusal) {
		reason = string(refusal.Reason)
	}
	p.result.Signature = "NOT VERIFIED (" + reason + "), deployed with --allow-unsigned"
	p.result.Unverified = true
	p.steps.printf("\n  !!! DEPLOYING AN UNVERIFIED IMAGE because of --allow-unsigned:\n  !!! %v\n\n", err)
	return nil
}

func verifyImage(ctx context.Context, sc supplyChain, reg attest.Registry, image string) (attest.Accepted, error) {
	ref, digest, err := parseImage(image)
	if err != nil {
		return attest.Accepted{}, err
	}
	bundles, err := reg.Bundles(ctx, ref)
	if err != nil {
		return attest.Accepted{}, err
	}
	return attest.Verify(sc.trust, sc.policy, digest, bundles)
}

func parseImage(image string) (name.Digest, attest.Digest, error) {
	ref, err := name.NewDigest(image)
	if err != nil {
		return name.Digest{}, attest.Digest{}, fmt.Errorf("image %s: %w", image, err)
	}
	digest, err := attest.ParseDigest(ref.DigestStr())
	return ref, digest, err
}

// imageRegistry is how the host reaches the registry holding image: logged
// in with the run's AWS credentials where it is ECR, anonymously elsewhere
// (--image-repository).
func imageRegistry(ctx context.Context, p *pipeline, image string) (attest.Registry, error) {
	repository, _, _ := strings.Cut(image, "@")
	if !cloud.IsECRRepository(repository) {
		return attest.Registry{}, nil
	}
	login, err := cloud.ECRLogin(ctx, ecr.NewFromConfig(p.aws.Config), repository)
	if err != nil {
		return attest.Registry{}, err
	}
	return attest.Registry{Auth: ecrAuth{login: login}}, nil
}

// ecrAuth hands the ECR password to go-containerregistry only when it builds
// a request; printed, it shows the login's redacted form.
type ecrAuth struct{ login cloud.RegistryLogin }

// Format prints the login's redacted form: fmt cannot reach the
// RegistryLogin's own Format through an unexported field.
func (a ecrAuth) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "%v", a.login) }

func (a ecrAuth) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: a.login.Username, Password: a.login.Password.Reveal()}, nil
}
