package report

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/example/goship/internal/golden"
)

func readPlan(t *testing.T, stack, name string) StackPlan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan(stack, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParsePlan reads plans the real Terraform wrote and counts them as
// Terraform's own "Plan: N to add, N to change, N to destroy" line does.
func TestParsePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file                 string
		add, change, destroy int
		resources            []ResourceChange
		outputs              []string
		changed              bool
	}{
		{file: "plan-create.json", add: 2, changed: true, outputs: []string{"image"},
			resources: []ResourceChange{
				{Address: "terraform_data.replaced", Action: "create"},
				{Address: "terraform_data.task_definition", Action: "create"},
			}},
		{file: "plan-nochange.json"},
		{file: "plan-change.json", add: 1, change: 1, destroy: 1, changed: true, outputs: []string{"image"},
			resources: []ResourceChange{
				{Address: "terraform_data.replaced", Action: "replace", Attributes: []string{"id", "output", "triggers_replace"}},
				{Address: "terraform_data.task_definition", Action: "update", Attributes: []string{"input", "output"}},
			}},
	}
	for _, tt := range tests {
		p := readPlan(t, "service", tt.file)
		if p.Add != tt.add || p.Change != tt.change || p.Destroy != tt.destroy {
			t.Errorf("%s: %d/%d/%d, want %d/%d/%d", tt.file, p.Add, p.Change, p.Destroy, tt.add, tt.change, tt.destroy)
		}
		if !reflect.DeepEqual(p.Resources, tt.resources) || !reflect.DeepEqual(p.Outputs, tt.outputs) {
			t.Errorf("%s: resources %+v outputs %v, want %+v %v", tt.file, p.Resources, p.Outputs, tt.resources, tt.outputs)
		}
		if p.Changed() != tt.changed || PlanChanged([]StackPlan{p}) != tt.changed {
			t.Errorf("%s: Changed() = %v, want %v", tt.file, p.Changed(), tt.changed)
		}
	}
}

func TestParsePlanRejectsNonJSON(t *testing.T) {
	t.Parallel()
	if _, err := ParsePlan("registry", []byte("Error: no plan")); err == nil {
		t.Error("ParsePlan accepted text that is not a plan")
	}
}

func TestPlanTextAndMarkdown(t *testing.T) {
	t.Parallel()
	plans := []StackPlan{readPlan(t, "registry", "plan-nochange.json"), readPlan(t, "service", "plan-change.json")}
	plans[1].Text = "  ~ resource \"terraform_data\" \"task_definition\" {...}\n"
	var out bytes.Buffer
	if err := PlanText(&out, plans); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "plan.txt.golden", out.Bytes())
	golden.Equal(t, "plan.md.golden", []byte(PlanMarkdown(plans)))
}
