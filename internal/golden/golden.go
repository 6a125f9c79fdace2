// Package golden compares a test's output with a file under testdata/ and,
// run with -update, rewrites the file instead.
//
// Only test binaries import it, so the -update flag it registers is theirs:
// `go test ./ci/report -update` accepts the new output of that package.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Equal fails the test when got differs from testdata/name, printing got and
// the command that accepts it. With -update it writes got there first.
func Equal(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: %s)", err, acceptCommand(t))
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (%s to accept):\n%s", name, acceptCommand(t), got)
	}
}

// acceptCommand is the go test command that rewrites this test's golden
// files, named from the module root so it can be pasted as it stands.
func acceptCommand(t testing.TB) string {
	pkg := "."
	if dir, err := os.Getwd(); err == nil {
		if root, ok := moduleRoot(dir); ok {
			if rel, err := filepath.Rel(root, dir); err == nil {
				pkg = "./" + filepath.ToSlash(rel)
			}
		}
	}
	// The test's own name without its subtests, whose names -run would
	// need escaped; rerunning the whole test rewrites the same files.
	test, _, _ := strings.Cut(t.Name(), "/")
	return "go test " + pkg + " -run '^" + test + "$' -update"
}

// moduleRoot is the nearest directory at or above dir that holds go.mod.
func moduleRoot(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
