package terraform

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

// brokenConfig has four independent errors, which Terraform reports as
// four blocks in one run.
const brokenConfig = `
output "x" { value = var.missing_one }
output "y" { value = var.missing_two }
output "z" { value = local.nope }
output "w" { value = unknownfn(1) }
`

// runTerraform runs the real terraform binary in dir and returns its
// stderr, failing the test unless it exits non-zero.
func runTerraform(t *testing.T, terraform, dir string, args ...string) string {
	t.Helper()
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"CHECKPOINT_DISABLE=1", "TF_DATA_DIR="+filepath.Join(t.TempDir(), ".terraform"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("terraform %v = %v, want a non-zero exit; stderr:\n%s", args, err, stderr.String())
	}
	return stderr.String()
}

// TestErrorBlocks checks, on the real terraform binary's output for a
// configuration with four errors, that every error block is found whole,
// with or without colour.
func TestErrorBlocks(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(brokenConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	wantHeadlines := []string{
		"Error: Reference to undeclared input variable",
		"Error: Reference to undeclared input variable",
		"Error: Reference to undeclared local value",
		"Error: Call to unknown function",
	}
	wantDetails := []string{`"missing_one" has not been declared`, `"missing_two" has not been declared`, `"nope" has not been declared`, `no function named "unknownfn"`}
	for _, color := range []bool{false, true} {
		args := []string{"validate"}
		if !color {
			args = append(args, "-no-color")
		}
		stderr := runTerraform(t, terraform, dir, args...)
		if color != strings.Contains(stderr, "\x1b[") {
			t.Fatalf("colour %v: unexpected output:\n%q", color, stderr)
		}
		blocks := ErrorBlocks(stderr)
		if len(blocks) != len(wantHeadlines) {
			t.Fatalf("colour %v: %d blocks, want %d:\n%s", color, len(blocks), len(wantHeadlines), strings.Join(blocks, "\n---\n"))
		}
		for i, b := range blocks {
			first, _, _ := strings.Cut(b, "\n")
			if first != wantHeadlines[i] || !strings.Contains(b, wantDetails[i]) {
				t.Errorf("colour %v: block %d =\n%s\nwant %q with %q", color, i, b, wantHeadlines[i], wantDetails[i])
			}
			if strings.Contains(b, "\x1b[") || strings.Contains(b, "│") {
				t.Errorf("colour %v: block %d keeps colour or box drawing: %q", color, i, b)
			}
		}
	}
}

func TestErrorBlocksNone(t *testing.T) {
	t.Parallel()
	if b := ErrorBlocks("Initializing the backend...\nkilled\n"); len(b) != 0 {
		t.Errorf("ErrorBlocks = %q, want none", b)
	}
	got := ErrorBlocks("Warning: Deprecated\n\n  old\n\nError: Boom\n\n  why\n\nReleasing state lock. This may take a few moments...\n")
	if len(got) != 1 || got[0] != "Error: Boom\n\n  why" {
		t.Errorf("ErrorBlocks = %q", got)
	}
}
