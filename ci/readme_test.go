package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConfigTable keeps the README's configuration table generated
// from the code. To refresh it after changing an option, paste the table
// this test prints.
func TestReadmeConfigTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := configMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want.String()) {
		t.Errorf("README.md's pipeline configuration table is stale; replace it with:\n%s", want.String())
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
