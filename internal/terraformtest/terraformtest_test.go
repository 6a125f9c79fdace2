package terraformtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputRunsInDirWithoutPromptsOrUpdateCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`output "where" { value = path.cwd }`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := Command(t, dir, "version")
	for _, want := range []string{"TF_INPUT=0", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="} {
		if !strings.Contains(strings.Join(cmd.Env[len(os.Environ()):], "\n"), want) {
			t.Errorf("Command env lacks %s", want)
		}
	}
	Output(t, dir, "init", "-no-color")
	Output(t, dir, "apply", "-no-color", "-auto-approve")
	got := strings.TrimSpace(string(Output(t, dir, "output", "-raw", "where")))
	if want, _ := filepath.EvalSymlinks(dir); got != dir && got != want {
		t.Errorf("terraform ran in %q, want %q", got, dir)
	}
}
