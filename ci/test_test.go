package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCheckTestsWhatTheImageShips holds check's test step to the package
// the Dockerfile builds: narrowing the step must never drop the shipped
// code, and it must stay race-enabled.
func TestCheckTestsWhatTheImageShips(t *testing.T) {
	dockerfile, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	built := regexp.MustCompile(`-o /out/\S+ (\./\S+)`).FindSubmatch(dockerfile)
	if built == nil {
		t.Fatal("the Dockerfile has no `go build ... -o /out/NAME ./PACKAGE` line")
	}
	shipped := string(built[1])
	covered := slices.ContainsFunc(checkedPackages(), func(pattern string) bool {
		return pattern == shipped || strings.HasPrefix(shipped+"/", strings.TrimSuffix(pattern, "...")) && strings.HasSuffix(pattern, "/...")
	})
	if !covered {
		t.Fatalf("check tests %v, which misses %s, the package the image ships", checkedPackages(), shipped)
	}
	if !slices.Contains(goTestArgs(), "-race") {
		t.Fatalf("check's tests %v run without the race detector", goTestArgs())
	}
	if vet := goVetArgs(); !slices.Equal(vet[2:], checkedPackages()) {
		t.Fatalf("check vets %v, tests %v: want the same packages", vet[2:], checkedPackages())
	}
}
