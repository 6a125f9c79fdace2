package main

import (
	"os"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestToolchainAgrees keeps one Go release for everything: go.mod's
// toolchain line (what `go test`, govulncheck and actions/setup-go use) and
// the Dockerfile's GO_TOOLCHAIN (what builds the image and what the
// pipeline's test container runs). A release that fixes a standard-library
// vulnerability protects nothing if the shipped binary is built by another.
func TestToolchainAgrees(t *testing.T) {
	t.Parallel()
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", gomod, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod.Toolchain == nil {
		t.Fatal("go.mod has no toolchain line: add `toolchain go1.N.P` naming the release to build with")
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	args := dockerfileArgs(dockerfile)
	if got, want := args["GO_TOOLCHAIN"], mod.Toolchain.Name; got != want {
		t.Errorf("Dockerfile ARG GO_TOOLCHAIN = %q, go.mod toolchain = %q: change both together", got, want)
	}
	if !toolchainPattern.MatchString(args["GO_TOOLCHAIN"]) {
		t.Errorf("Dockerfile ARG GO_TOOLCHAIN = %q is not a single release the pipeline accepts", args["GO_TOOLCHAIN"])
	}
}
