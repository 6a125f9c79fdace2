// Package terraformtest runs the real terraform binary in tests, the same
// way in every package: no prompts, none of the developer's CLI
// configuration, and no update check, so the only traffic a test makes is
// to loopback.
package terraformtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

// Command is terraform with args, to run in dir. Without terraform on PATH
// the test skips, or fails where REQUIRE_TOOLS names it (see tooltest).
// Callers may append to its Env (TF_DATA_DIR, say) before running it.
func Command(t testing.TB, dir string, args ...string) *exec.Cmd {
	t.Helper()
	terraform := tooltest.Path(t, "terraform")
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	return cmd
}

// Output runs terraform with args in dir and returns its stdout, failing
// the test with terraform's stdout and stderr when it exits non-zero.
func Output(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	out, err := Command(t, dir, args...).Output()
	if err != nil {
		var stderr []byte
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			stderr = exit.Stderr
		}
		t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}
