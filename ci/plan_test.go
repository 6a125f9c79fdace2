package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/terraformtest"
)

// planModule stands in for a stack: it takes the image like the service
// stack does, and needs no provider download (terraform_data is built in).
const planModule = `
variable "image" {
  type        = string
  description = "image"
}

resource "terraform_data" "task_definition" {
  input = { image = var.image, cpu = 256 }
}

resource "terraform_data" "replaced" {
  triggers_replace = [var.image]
  input            = "fixed"
}

output "image" {
  value = var.image
}
`

// TestPlanExitCodes plans with the real Terraform and reads the saved plan
// as the plan mode does (terraform show -json): exit 2 before the first
// apply, 0 right after it, 2 again once a variable changes.
func TestPlanExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(planModule), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := func(args ...string) string {
		t.Helper()
		return string(terraformtest.Output(t, dir, args...))
	}
	planExit := func(image string) int {
		t.Helper()
		tf(lockFreePlanArgs([]string{"-var", "image=" + image})[1:]...)
		sp, err := report.ParsePlan("service", []byte(tf("show", "-json", "tfplan")))
		if err != nil {
			t.Fatal(err)
		}
		if err := planOutcome([]report.StackPlan{{Stack: "registry"}, sp}); err != nil {
			return exitCode(err)
		}
		return 0
	}
	tf("init", "-input=false")
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("1", 64)
	if got := planExit(image); got != 2 {
		t.Errorf("before the first apply: exit %d, want 2", got)
	}
	tf(applyArgs(terraformConfig())[1:]...)
	if got := planExit(image); got != 0 {
		t.Errorf("right after the apply: exit %d, want 0", got)
	}
	if got := planExit(strings.Replace(image, "1111", "2222", 1)); got != 2 {
		t.Errorf("after the image changed: exit %d, want 2", got)
	}
}

func TestPlanChangesMessage(t *testing.T) {
	t.Parallel()
	err := planOutcome([]report.StackPlan{{Stack: "registry"}, {Stack: "service", Outputs: []string{"image"}}})
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "the service stack would change") {
		t.Errorf("planOutcome = %v (exit %d), want the service stack named, exit 2", err, exitCode(err))
	}
	if err := planOutcome([]report.StackPlan{{Stack: "registry"}, {Stack: "service"}}); err != nil {
		t.Errorf("no change: %v", err)
	}
}
