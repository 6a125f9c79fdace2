package infra_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

// repoRoot is the repository root, where .trivyignore and the Dockerfile live.
const repoRoot = ".."

// TestTrivy scans the stacks, and the repository's Dockerfile when there is
// one, with Trivy's embedded checks and no network: no HIGH or CRITICAL
// misconfiguration may remain beyond the reasoned entries in .trivyignore.
func TestTrivy(t *testing.T) {
	t.Parallel()
	trivy := tooltest.Path(t, "trivy")
	targets := []string{"."}
	if _, err := os.Stat(filepath.Join(repoRoot, "Dockerfile")); err == nil {
		targets = append(targets, filepath.Join(repoRoot, "Dockerfile"))
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), trivy, "config",
				"--severity", "HIGH,CRITICAL",
				"--exit-code", "1",
				"--skip-check-update",
				"--skip-version-check",
				"--disable-telemetry",
				"--ignorefile", filepath.Join(repoRoot, ".trivyignore"),
				"--cache-dir", t.TempDir(),
				target,
			)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("trivy config %s: %v\n%s", target, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// TestTFLint runs TFLint's bundled terraform ruleset with every rule on
// over each stack.
func TestTFLint(t *testing.T) {
	t.Parallel()
	tflint := tooltest.Path(t, "tflint")
	config, err := filepath.Abs(".tflint.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), tflint, "--recursive", "--config", config, "--format", "compact")
	// No plugin downloads: the terraform ruleset is built into tflint.
	cmd.Env = append(os.Environ(), "TFLINT_PLUGIN_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tflint --recursive: %v\n%s", err, out)
	}
}
