package report

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// StackPlan is what `terraform plan` would do to one stack, read from
// `terraform show -json` of the saved plan.
type StackPlan struct {
	Stack     string           `json:"stack"`
	Add       int              `json:"add"`
	Change    int              `json:"change"`
	Destroy   int              `json:"destroy"`
	Resources []ResourceChange `json:"resources"`
	Outputs   []string         `json:"outputs,omitempty"` // outputs whose value would change
	Text      string           `json:"text,omitempty"`    // the full plan, when asked for
}

// ResourceChange is one resource the plan would touch.
type ResourceChange struct {
	Address    string   `json:"address"`
	Action     string   `json:"action"`               // create, update, replace, delete
	Attributes []string `json:"attributes,omitempty"` // top-level attributes that change
}

// Changed reports whether applying the plan would change anything, the
// same rule as `terraform plan -detailed-exitcode`: a resource or an
// output.
func (p StackPlan) Changed() bool {
	return len(p.Resources) > 0 || len(p.Outputs) > 0
}

type planJSON struct {
	ResourceChanges []struct {
		Address string     `json:"address"`
		Mode    string     `json:"mode"`
		Change  changeJSON `json:"change"`
	} `json:"resource_changes"`
	OutputChanges map[string]changeJSON `json:"output_changes"`
}

type changeJSON struct {
	Actions      []string        `json:"actions"`
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
	AfterUnknown json.RawMessage `json:"after_unknown"`
}

// ParsePlan reads `terraform show -json tfplan`. Counts follow Terraform's
// own "Plan: N to add, N to change, N to destroy": a replacement is one
// add and one destroy; data sources read during the plan count for nothing.
func ParsePlan(stack string, data []byte) (StackPlan, error) {
	var raw planJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return StackPlan{}, fmt.Errorf("reading terraform show -json of the %s stack: %w", stack, err)
	}
	p := StackPlan{Stack: stack}
	for _, rc := range raw.ResourceChanges {
		if rc.Mode == "data" {
			continue
		}
		action := actionName(rc.Change.Actions)
		switch action {
		case "":
			continue
		case "create":
			p.Add++
		case "update":
			p.Change++
		case "delete":
			p.Destroy++
		case "replace":
			p.Add++
			p.Destroy++
		}
		change := ResourceChange{Address: rc.Address, Action: action}
		if action == "update" || action == "replace" {
			change.Attributes = changedAttributes(rc.Change)
		}
		p.Resources = append(p.Resources, change)
	}
	for name, oc := range raw.OutputChanges {
		if actionName(oc.Actions) != "" {
			p.Outputs = append(p.Outputs, name)
		}
	}
	slices.Sort(p.Outputs)
	return p, nil
}

func actionName(actions []string) string {
	switch {
	case slices.Equal(actions, []string{"create"}):
		return "create"
	case slices.Equal(actions, []string{"update"}):
		return "update"
	case slices.Equal(actions, []string{"delete"}):
		return "delete"
	case len(actions) == 2 && slices.Contains(actions, "create") && slices.Contains(actions, "delete"):
		return "replace"
	default: // no-op, read, forget
		return ""
	}
}

// changedAttributes are the top-level attributes whose value differs, or
// will only be known after apply.
func changedAttributes(c changeJSON) []string {
	var before, after, unknown map[string]any
	_ = json.Unmarshal(c.Before, &before) // null or absent: nothing before
	_ = json.Unmarshal(c.After, &after)
	_ = json.Unmarshal(c.AfterUnknown, &unknown)
	var names []string
	for k, v := range after {
		if !reflect.DeepEqual(before[k], v) {
			names = append(names, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			names = append(names, k)
		}
	}
	for k, v := range unknown {
		if v == true && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// PlanChanged reports whether any stack would change.
func PlanChanged(plans []StackPlan) bool {
	return slices.ContainsFunc(plans, StackPlan.Changed)
}

// PlanText renders the plans as a table for a terminal, then the full
// plan text of each stack when it was asked for.
func PlanText(w io.Writer, plans []StackPlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %5s %7s %8s  %s\n", "STACK", "ADD", "CHANGE", "DESTROY", "RESOURCES")
	for _, p := range plans {
		fmt.Fprintf(&b, "%-10s %5d %7d %8d  %s\n", p.Stack, p.Add, p.Change, p.Destroy, planResourcesLine(p))
	}
	for _, p := range plans {
		for _, r := range p.Resources {
			fmt.Fprintf(&b, "  %s: %s %s%s\n", p.Stack, r.Action, r.Address, attributesText(r.Attributes))
		}
		if len(p.Outputs) > 0 {
			fmt.Fprintf(&b, "  %s: outputs change: %s\n", p.Stack, strings.Join(p.Outputs, ", "))
		}
	}
	if PlanChanged(plans) {
		b.WriteString("Drift or pending changes: a deploy would change the above.\n")
	} else {
		b.WriteString("No changes: the infrastructure matches the configuration.\n")
	}
	for _, p := range plans {
		if p.Text != "" {
			fmt.Fprintf(&b, "\n--- %s stack: terraform show ---\n%s\n", p.Stack, strings.TrimRight(p.Text, "\n"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PlanMarkdown renders the plans for the GitHub step summary.
func PlanMarkdown(plans []StackPlan) string {
	var b strings.Builder
	b.WriteString("| Stack | Add | Change | Destroy | Resources (changed attributes) |\n|---|---:|---:|---:|---|\n")
	for _, p := range plans {
		var items []string
		for _, r := range p.Resources {
			items = append(items, fmt.Sprintf("%s `%s`%s", r.Action, r.Address, attributesText(r.Attributes)))
		}
		if len(p.Outputs) > 0 {
			items = append(items, "outputs: "+strings.Join(p.Outputs, ", "))
		}
		if len(items) == 0 {
			items = []string{"no changes"}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", p.Stack, p.Add, p.Change, p.Destroy, strings.ReplaceAll(strings.Join(items, "<br>"), "|", `\|`))
	}
	for _, p := range plans {
		if p.Text != "" {
			fmt.Fprintf(&b, "\n<details><summary>%s stack: full plan</summary>\n\n```text\n%s\n```\n</details>\n", p.Stack, strings.TrimRight(p.Text, "\n"))
		}
	}
	return b.String()
}

func planResourcesLine(p StackPlan) string {
	if !p.Changed() {
		return "no changes"
	}
	n := len(p.Resources)
	s := fmt.Sprintf("%d resources", n)
	if n == 1 {
		s = "1 resource"
	}
	if len(p.Outputs) > 0 {
		s += fmt.Sprintf(", %d outputs", len(p.Outputs))
	}
	return s
}

func attributesText(attrs []string) string {
	if len(attrs) == 0 {
		return ""
	}
	return " (" + strings.Join(attrs, ", ") + ")"
}
