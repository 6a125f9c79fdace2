package terraform

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/goship/internal/terraformtest"
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
func runTerraform(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := terraformtest.Command(t, dir, args...)
	cmd.Env = append(cmd.Env, "TF_DATA_DIR="+filepath.Join(t.TempDir(), ".terraform"))
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
		stderr := runTerraform(t, dir, args...)
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

// TestLockHeldOutput holds a real state lock with one terraform apply
// (waiting at its approval prompt) and checks what a second run's error
// gives: the whole lock error block, its lock ID and owner.
func TestLockHeldOutput(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`resource "terraform_data" "a" { input = "1" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1")
	command := func(args ...string) *exec.Cmd {
		cmd := exec.CommandContext(t.Context(), terraform, args...)
		cmd.Dir, cmd.Env = dir, env
		return cmd
	}
	if out, err := command("init", "-no-color").CombinedOutput(); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}

	holder := command("apply", "-no-color")
	approve, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	prompt, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = approve.Close() // no answer: the apply gives up and releases the lock
		_ = holder.Wait()
	})
	// The apply holds the lock while it waits for its approval.
	waitForPrompt(t, prompt, "Enter a value:")

	stderr := runTerraform(t, dir, "plan", "-no-color", "-input=false", "-lock-timeout=0s")
	blocks := ErrorBlocks(stderr)
	if len(blocks) != 1 || !strings.HasPrefix(blocks[0], "Error: Error acquiring the state lock") || !strings.Contains(blocks[0], "Lock Info:") {
		t.Fatalf("ErrorBlocks =\n%s\nof\n%s", strings.Join(blocks, "\n---\n"), stderr)
	}
	id, who, ok := HeldLock(stderr)
	if !ok || len(id) != 36 || !strings.Contains(who, "@") {
		t.Errorf("HeldLock = %q, %q, %v; want the lock's UUID and user@host", id, who, ok)
	}
	if _, _, ok := HeldLock(brokenConfig); ok {
		t.Error("HeldLock found a lock in an unrelated error")
	}
}

// waitForPrompt reads a command's output until it prints want.
func waitForPrompt(t *testing.T, r io.Reader, want string) {
	t.Helper()
	var seen strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(seen.String(), want) {
		n, err := r.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("output ended before %q: %v\n%s", want, err, seen.String())
		}
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
}
