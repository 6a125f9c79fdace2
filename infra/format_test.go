package infra_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/example/goship/internal/tooltest"
)

// hclFiles returns every Terraform and Terraform test file under this
// directory, skipping provider caches.
func hclFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".tftest.hcl") || path == ".tflint.hcl" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Terraform files found")
	}
	return files
}

// TestFormat checks that every file is in the canonical form that
// terraform fmt writes, using the formatter it is built on, so it runs
// where terraform is not installed.
func TestFormat(t *testing.T) {
	t.Parallel()
	for _, path := range hclFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if formatted := hclwrite.Format(src); !bytes.Equal(src, formatted) {
			t.Errorf("%s is not formatted: run terraform fmt -recursive infra", path)
		}
	}
}

// TestTerraformFmt runs terraform fmt itself where it is installed; it also
// knows rules (such as tests/ files) that hclwrite alone does not.
func TestTerraformFmt(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	cmd := exec.CommandContext(t.Context(), terraform, "fmt", "-check", "-recursive", "-diff")
	cmd.Env = terraformEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform fmt -check -recursive -diff: %v\n%s", err, out)
	}
}
