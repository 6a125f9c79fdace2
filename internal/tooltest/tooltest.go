// Package tooltest finds the external command-line tools that some tests
// drive (trivy, tflint, actionlint, terraform).
//
// A test that needs a tool skips with a message when the tool is missing,
// unless the tool is named in REQUIRE_TOOLS: .ci/run names the tools it
// installs there, so CI can never pass by skipping.
package tooltest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Path returns the absolute path of the named tool on PATH. When the tool is
// missing it skips the test, or fails it if REQUIRE_TOOLS lists the tool.
func Path(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if Required(os.Getenv("REQUIRE_TOOLS"), name) {
		t.Fatalf("%s is required (REQUIRE_TOOLS=%q) but not on PATH: %v", name, os.Getenv("REQUIRE_TOOLS"), err)
	}
	t.Skipf("skipping: %s is not on PATH (install it, or see .ci/run for the pinned version)", name)
	return ""
}

// Required reports whether list, a comma- or space-separated list of tool
// names such as the value of REQUIRE_TOOLS, names tool.
func Required(list, tool string) bool {
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' })
	return slices.Contains(fields, tool)
}
