package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConfigTable keeps the configuration table of docs/pipeline.md
// (moved there from the README) generated from the code. To refresh it
// after changing an option, paste the table this test prints.
func TestReadmeConfigTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../docs/pipeline.md")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := configMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want.String()) {
		t.Errorf("docs/pipeline.md's configuration table is stale; replace it with:\n%s", want.String())
	}
}

func TestConfigMarkdownListsEveryOption(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := configMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if got, want := len(lines), len(options())+2; got != want {
		t.Fatalf("table has %d lines, want %d (header, rule, one per option)", got, want)
	}
	for i, o := range options() {
		if !strings.HasPrefix(lines[i+2], "| `--"+o.flag+"` |") {
			t.Errorf("line %d = %q, want the row of --%s", i+2, lines[i+2], o.flag)
		}
	}
}

// TestQuickstartTestCommandIsCIs: CI runs the README's own test command,
// so a reader's green run and CI's are the same run.
func TestQuickstartTestCommandIsCIs(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var command string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.Contains(line, " go test ") && strings.HasPrefix(line, "GOTOOLCHAIN=auto go test") {
			command, _, _ = strings.Cut(line, "#")
			command = strings.TrimSpace(command)
			break
		}
	}
	if command == "" {
		t.Fatal("README.md's quickstart has no `GOTOOLCHAIN=auto go test` line")
	}
	found := false
	for _, line := range strings.Split(string(script), "\n") {
		found = found || strings.TrimSpace(line) == command
	}
	if !found {
		t.Errorf(".ci/run does not run the quickstart's test command %q on a line of its own", command)
	}
}
