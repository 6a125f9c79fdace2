package infra_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeDocumentsTheServiceStack keeps the variables table and outputs
// list of docs/infrastructure.md (moved there from the README) in step with
// the service stack: a variable added without a row is a setting nobody
// knows about.
func TestReadmeDocumentsTheServiceStack(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../docs/infrastructure.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	service := loadStacks(t)["service"]
	for _, v := range service.blocks("variable") {
		if !inTableRow(rows, v.Labels[0]) {
			t.Errorf("docs/infrastructure.md has no table row for variable %q of the service stack", v.Labels[0])
		}
	}
	for _, o := range service.blocks("output") {
		if !strings.Contains(string(readme), "`"+o.Labels[0]+"`") {
			t.Errorf("docs/infrastructure.md does not mention output %q of the service stack", o.Labels[0])
		}
	}
}

func inTableRow(rows []string, name string) bool {
	for _, row := range rows {
		first, _, _ := strings.Cut(strings.TrimPrefix(row, "|"), "|")
		if strings.Contains(first, "`"+name+"`") {
			return true
		}
	}
	return false
}
