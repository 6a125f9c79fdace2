package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MirrorMount is where a provider mirror directory appears inside every
// Terraform container of the pipeline, and MirrorCLIConfigPath the CLI
// configuration that points Terraform at it.
const (
	MirrorMount         = "/terraform-provider-mirror"
	MirrorCLIConfigPath = "/terraform-provider-mirror.tfrc"
)

// mirrorHostDir is the folder that a mirror made by `terraform providers
// mirror` holds at its top for providers from the public registry.
const mirrorHostDir = "registry.terraform.io"

// CheckProviderMirror fails unless dir looks like a filesystem mirror made
// by `terraform providers mirror`, so a wrong path fails before any
// container starts instead of as a registry error in every stack.
func CheckProviderMirror(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot read it (%w): give a folder made by `terraform providers mirror DIR`", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("it is not a folder: give a folder made by `terraform providers mirror DIR`")
	}
	if info, err := os.Stat(filepath.Join(dir, mirrorHostDir)); err != nil || !info.IsDir() {
		return fmt.Errorf("it has no %s/ folder, so it is not a provider mirror: make one with `terraform providers mirror DIR` in infra/ where the registry is reachable", mirrorHostDir)
	}
	return nil
}

// MirrorHasProvider reports whether the mirror at dir holds some version of
// a provider from the public registry, such as hashicorp/aws.
func MirrorHasProvider(dir, source string) bool {
	info, err := os.Stat(filepath.Join(dir, mirrorHostDir, filepath.FromSlash(source)))
	return err == nil && info.IsDir()
}

// ProviderMirrorCLIConfig is the Terraform CLI configuration that installs
// every provider from the filesystem mirror at path and from nowhere else:
// with no direct block, Terraform never reaches the registry, so a
// provider missing from the mirror fails instead of being downloaded.
func ProviderMirrorCLIConfig(path string) string {
	return "provider_installation {\n" +
		"  filesystem_mirror {\n" +
		"    path = " + strconv.Quote(path) + "\n" +
		"  }\n" +
		"}\n"
}

// noMatchingRelease is what terraform init prints when neither the
// registry nor a mirror has a provider version the constraints allow.
const noMatchingRelease = "no available releases match the given constraints"

// MissingProviderHint explains a failed terraform init whose provider
// source had no version matching a stack's constraint, which is what a
// user behind a registry mirror or air-gapped meets, or "" for any other
// failure.
func MissingProviderHint(output string, mirror string) string {
	if !strings.Contains(output, noMatchingRelease) {
		return ""
	}
	if mirror == "" {
		return "The provider source (the Terraform registry, or the provider_installation of the image's CLI config) has no release matching the stacks' version constraint. Offline or behind a registry mirror: give --terraform-provider-mirror (TF_PROVIDER_MIRROR) a folder made by `terraform providers mirror DIR` in infra/."
	}
	return fmt.Sprintf("The provider mirror %s has no release matching the stacks' version constraint (see required_providers in infra/): add one to it with `terraform providers mirror %s`, run in infra/ where the registry is reachable. The pipeline installs providers only from the mirror.", mirror, mirror)
}
