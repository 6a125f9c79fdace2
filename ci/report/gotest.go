package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// TestFailure is one failed test, or one package that failed to build or
// failed outside any test, with the output that explains it.
type TestFailure struct {
	Package string
	Test    string // empty for a build failure or a package-level failure
	Output  string
}

// goTestEvent is one line of `go test -json` (cmd/test2json), including the
// build events the go command adds since Go 1.24.
type goTestEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output and build-fail
	FailedBuild string // a package's fail event when its build failed
}

// GoTestFailures reads the stdout of `go test -json` and returns what
// failed, in the order it failed. Lines that are not JSON (a go command
// that predates -json build events) are kept as one package-less failure
// when nothing else explains the run.
func GoTestFailures(stream []byte) []TestFailure {
	type key struct{ pkg, test string }
	outputs := make(map[key]*strings.Builder)
	failedChild := make(map[key]bool)
	var failures []TestFailure
	var loose strings.Builder
	buildFailed := make(map[string]bool)
	testFailed := make(map[string]bool)

	scanner := bufio.NewScanner(bytes.NewReader(stream))
	scanner.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		line := scanner.Bytes()
		var ev goTestEvent
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			loose.Write(line)
			loose.WriteByte('\n')
			continue
		}
		k := key{ev.Package, ev.Test}
		if ev.Action == "build-output" || ev.Action == "build-fail" {
			k = key{pkg: "build " + ev.ImportPath}
		}
		switch ev.Action {
		case "output", "build-output":
			b := outputs[k]
			if b == nil {
				b = &strings.Builder{}
				outputs[k] = b
			}
			b.WriteString(ev.Output)
		case "build-fail":
			buildFailed[ev.ImportPath] = true
			failures = append(failures, TestFailure{Package: ev.ImportPath, Output: text(outputs[k])})
		case "fail":
			switch {
			case ev.Test != "":
				testFailed[ev.Package] = true
				if parent, _, ok := cutLast(ev.Test, "/"); ok {
					failedChild[key{ev.Package, parent}] = true
				}
				out := testOutput(text(outputs[k]))
				if failedChild[k] && onlyVerdicts(out) {
					continue // its failed subtests already say why
				}
				failures = append(failures, TestFailure{Package: ev.Package, Test: ev.Test, Output: out})
			case ev.FailedBuild != "" && buildFailed[ev.FailedBuild]:
				// reported with its build output
			case !testFailed[ev.Package]:
				// Failed outside any test: TestMain, init, a timeout, or a
				// build failure the go command did not report as events.
				failures = append(failures, TestFailure{Package: ev.Package, Output: testOutput(text(outputs[k]))})
			}
		}
	}
	if len(failures) == 0 && strings.TrimSpace(loose.String()) != "" {
		failures = append(failures, TestFailure{Output: loose.String()})
	}
	return failures
}

// DescribeTestFailures tells the failures as one message: each failed
// test with the end of its own output.
func DescribeTestFailures(failures []TestFailure) string {
	const maxShown, maxLines = 20, 40
	var b strings.Builder
	switch len(failures) {
	case 0:
		return "no failed test found in the output"
	case 1:
		b.WriteString("1 failure:")
	default:
		fmt.Fprintf(&b, "%d failures:", len(failures))
	}
	for i, f := range failures {
		if i == maxShown {
			fmt.Fprintf(&b, "\n… and %d more", len(failures)-maxShown)
			break
		}
		switch {
		case f.Test != "":
			fmt.Fprintf(&b, "\n--- FAIL: %s (%s)", f.Test, f.Package)
		case f.Package != "":
			fmt.Fprintf(&b, "\n--- FAIL: package %s", f.Package)
		default:
			b.WriteString("\n--- FAIL:")
		}
		// The start of a failure explains it: the first t.Error, the panic
		// line, the data race's first stack.
		if out := strings.TrimRight(firstLines(f.Output, maxLines), "\n "); strings.TrimSpace(out) != "" {
			b.WriteString("\n    " + strings.ReplaceAll(out, "\n", "\n    "))
		}
	}
	return b.String()
}

// testOutput drops the framing lines that go test prints for every test,
// which say nothing about why one failed.
func testOutput(out string) string {
	var kept []string
	for line := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "=== RUN") || strings.HasPrefix(trimmed, "=== PAUSE") || strings.HasPrefix(trimmed, "=== CONT") {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

// onlyVerdicts reports whether out holds nothing but --- FAIL lines.
func onlyVerdicts(out string) bool {
	for line := range strings.SplitSeq(out, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--- FAIL") {
			return false
		}
	}
	return true
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… %d more lines", len(lines)-n)
	}
	return strings.Join(lines, "\n")
}

func text(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	return b.String()
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
