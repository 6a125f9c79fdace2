package terraform

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/example/goship/internal/terraformtest"
)

// Two versions of a configuration of terraform_data resources (built into
// Terraform, so no provider download): the second deletes one, replaces
// one, replaces one under create_before_destroy, updates one in place and
// adds one.
const (
	planBefore = `
resource "terraform_data" "deleted" {}
resource "terraform_data" "replaced" { triggers_replace = "1" }
resource "terraform_data" "revision" {
  triggers_replace = "1"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "updated" { input = "1" }
`
	planAfter = `
resource "terraform_data" "replaced" { triggers_replace = "2" }
resource "terraform_data" "revision" {
  triggers_replace = "2"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "updated" { input = "2" }
resource "terraform_data" "added" {}
`
)

// realPlanJSON applies planBefore, then plans planAfter with the real
// terraform binary and returns `terraform show -json` of the saved plan.
func realPlanJSON(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) []byte {
		t.Helper()
		return terraformtest.Output(t, dir, args...)
	}
	write := func(config string) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(planBefore)
	run("init", "-input=false", "-no-color")
	run("apply", "-input=false", "-no-color", "-auto-approve")
	write(planAfter)
	run("plan", "-input=false", "-no-color", "-out=tfplan")
	return run("show", "-json", "tfplan")
}

// TestPlannedRemovals reads a real plan: deletions and both kinds of
// replacement are removals; updates, creations, data sources and the
// routine replacements named by the caller are not.
func TestPlannedRemovals(t *testing.T) {
	t.Parallel()
	plan := realPlanJSON(t)
	got, err := PlannedRemovals(plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Removal{
		{Address: "terraform_data.deleted"},
		{Address: "terraform_data.replaced", Replace: true},
		{Address: "terraform_data.revision", Replace: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("PlannedRemovals =\n%v\nwant\n%v", got, want)
	}
	got, err = PlannedRemovals(plan, []string{"terraform_data.revision"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want[:2]) {
		t.Errorf("PlannedRemovals with a routine replacement = %v, want %v", got, want[:2])
	}
	if _, err := PlannedRemovals([]byte(`{"resource_changes": []}`), nil); err == nil {
		t.Error("PlannedRemovals accepted JSON that is not a plan")
	}
}

func TestDecideRemovals(t *testing.T) {
	t.Parallel()
	some := []Removal{{Address: "aws_iam_role.deploy"}}
	tests := []struct {
		name                  string
		removals              []Removal
		allow, inCI, terminal bool
		want                  RemovalVerdict
	}{
		{"nothing to destroy", nil, false, true, false, Proceed},
		{"--allow-destroy in CI", some, true, true, false, Proceed},
		{"terminal", some, false, false, true, Ask},
		{"CI with a terminal still refuses", some, false, true, true, Refuse},
		{"no terminal", some, false, false, false, Refuse},
	}
	for _, tt := range tests {
		if got := DecideRemovals(tt.removals, tt.allow, tt.inCI, tt.terminal); got != tt.want {
			t.Errorf("%s: DecideRemovals = %v, want %v", tt.name, got, tt.want)
		}
	}
}
