package report

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// failingModule is a module whose tests fail in each way go test can
// report: an assertion, a subtest, a panic, a build error, a TestMain exit.
var failingModule = map[string]string{
	"go.mod": "module example.com/failing\n\ngo 1.24\n",
	"assert/assert_test.go": `package assert

import (
	"fmt"
	"testing"
)

func TestPasses(t *testing.T) { fmt.Println("noise from a passing test") }

func TestAssertion(t *testing.T) {
	fmt.Println("about to compare")
	t.Errorf("status = 500, want 200")
}

func TestTable(t *testing.T) {
	t.Run("empty body", func(t *testing.T) { t.Fatal("decode: unexpected EOF") })
	t.Run("fine", func(t *testing.T) {})
}
`,
	"panics/panics_test.go": `package panics

import "testing"

func TestPanics(t *testing.T) { panic("nil map write") }
`,
	"broken/broken_test.go": `package broken

import "testing"

func TestNeverBuilt(t *testing.T) { var n int = "not a number"; _ = n }
`,
	"exits/exits_test.go": `package exits

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	fmt.Println("database unreachable")
	os.Exit(3)
}
`,
}

// runGoTestJSON runs the real go command over a module and returns its
// stdout, the stream the pipeline reads.
func runGoTestJSON(t *testing.T, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", "test", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("go test -json: %v", err)
	}
	return out
}

// TestGoTestFailures checks that a failing go test run is told by its
// failed tests and their own output, from the real go command's -json
// stream, and nothing that passed.
func TestGoTestFailures(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	failures := GoTestFailures(runGoTestJSON(t, failingModule))
	got := make(map[string]string)
	for _, f := range failures {
		got[f.Package+" "+f.Test] = f.Output
	}
	want := map[string][]string{
		"example.com/failing/assert TestAssertion":        {"about to compare", "status = 500, want 200", "--- FAIL: TestAssertion"},
		"example.com/failing/assert TestTable/empty_body": {"decode: unexpected EOF"},
		"example.com/failing/panics TestPanics":           {"panic: nil map write"},
		"example.com/failing/exits ":                      {"database unreachable"},
	}
	for k, lines := range want {
		out, ok := got[k]
		if !ok {
			t.Errorf("failure %q missing; got %v", k, keys(got))
			continue
		}
		for _, line := range lines {
			if !strings.Contains(out, line) {
				t.Errorf("%s: output lacks %q:\n%s", k, line, out)
			}
		}
		if strings.Contains(out, "=== RUN") {
			t.Errorf("%s: output keeps go test's framing lines:\n%s", k, out)
		}
	}
	var build string
	for k, out := range got {
		if strings.HasPrefix(k, "example.com/failing/broken") {
			build = out
		}
	}
	if !strings.Contains(build, `cannot use "not a number"`) {
		t.Errorf("the build failure lacks the compiler's message; got %v", got)
	}
	for k := range got {
		if strings.Contains(k, "TestPasses") || strings.HasSuffix(k, "TestTable/fine") || strings.HasSuffix(k, " TestTable") {
			t.Errorf("reported %q, which says nothing beyond its subtests or passed", k)
		}
	}
	if len(failures) != len(want)+1 {
		t.Errorf("%d failures, want %d: %v", len(failures), len(want)+1, keys(got))
	}

	msg := DescribeTestFailures(failures)
	for _, line := range []string{"5 failures:", "--- FAIL: TestAssertion (example.com/failing/assert)", "status = 500, want 200", "--- FAIL: package example.com/failing/exits"} {
		if !strings.Contains(msg, line) {
			t.Errorf("message lacks %q:\n%s", line, msg)
		}
	}
	if strings.Contains(msg, "noise from a passing test") {
		t.Errorf("message shows a passing test's output:\n%s", msg)
	}
}

func TestGoTestFailuresPassingRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	out := runGoTestJSON(t, map[string]string{
		"go.mod":        "module example.com/passing\n\ngo 1.24\n",
		"ok/ok_test.go": "package ok\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n",
	})
	if f := GoTestFailures(out); len(f) != 0 {
		t.Errorf("GoTestFailures of a passing run = %v", f)
	}
}

func TestGoTestFailuresPlainText(t *testing.T) {
	t.Parallel()
	f := GoTestFailures([]byte("# example.com/x\nx.go:1:1: syntax error\nFAIL\texample.com/x [build failed]\n"))
	if len(f) != 1 || !strings.Contains(f[0].Output, "syntax error") {
		t.Errorf("GoTestFailures of plain text = %v", f)
	}
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}
