package infra_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

// terraformEnv is the environment for terraform commands in tests: no
// credentials that could reach a real account, no metadata service, and
// working data kept out of the source tree.
func terraformEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "TF_VAR_") || name == "TF_DATA_DIR" || name == "TF_CLI_ARGS" || strings.HasPrefix(name, "TF_CLI_ARGS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=mock",
		"AWS_SECRET_ACCESS_KEY=mock",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-east-1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_DATA_DIR="+filepath.Join(t.TempDir(), ".terraform"),
	)
}

// downloadFailure recognises terraform init failing to reach the provider
// registry, as opposed to failing on the configuration.
var downloadFailure = regexp.MustCompile(`(?i)could not connect to|failed to request discovery document|no such host|dial tcp|i/o timeout|connection refused|TLS handshake timeout`)

// TestTerraform runs terraform init (without a backend), validate and the
// mocked plan tests of each stack in a copy of it. Where the hashicorp/aws
// provider cannot be downloaded, it skips: these machines have no registry.
func TestTerraform(t *testing.T) {
	terraform := tooltest.Path(t, "terraform")
	for name, dir := range stackDirs {
		t.Run(name, func(t *testing.T) {
			work := copyStack(t, dir)
			env := terraformEnv(t)
			run := func(args ...string) (string, error) {
				cmd := exec.CommandContext(t.Context(), terraform, args...)
				cmd.Dir = work
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("init", "-backend=false", "-input=false", "-no-color"); err != nil {
				if downloadFailure.MatchString(out) {
					t.Skipf("terraform test needs the hashicorp/aws provider; init could not download it: %v\n%s", err, out)
				}
				t.Fatalf("terraform init -backend=false: %v\n%s", err, out)
			}
			if out, err := run("validate", "-no-color"); err != nil {
				t.Fatalf("terraform validate: %v\n%s", err, out)
			}
			if _, err := os.Stat(filepath.Join(work, "tests")); err != nil {
				return
			}
			if out, err := run("test", "-no-color"); err != nil {
				t.Fatalf("terraform test: %v\n%s", err, out)
			} else {
				t.Logf("%s", out)
			}
		})
	}
}

// copyStack copies a stack's .tf files and tests/ into a temporary
// directory, so that init writes its lock file and state there and never
// next to the sources (and never near a stack's local state).
func copyStack(t *testing.T, dir string) string {
	t.Helper()
	work := t.TempDir()
	sources, err := readSources(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range sources {
		if err := os.WriteFile(filepath.Join(work, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := filepath.Join(dir, "tests")
	err = filepath.WalkDir(tests, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tftest.hcl") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(work, "tests"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(work, "tests", filepath.Base(path)), src, 0o644)
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return work
}
