package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/example/goship/internal/tooltest"
)

const workflowPath = "../.github/workflows/pipeline.yml"

// TestWorkflowLint runs actionlint over the GitHub Actions workflow: a typo
// in an expression or an unknown input only shows up on GitHub otherwise.
func TestWorkflowLint(t *testing.T) {
	t.Parallel()
	actionlint := tooltest.Path(t, "actionlint")
	path, err := filepath.Abs(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), actionlint, "-no-color", path)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint %s: %v\n%s", path, err, out)
	}
}

// TestWorkflowPinsActionsBySHA guards the supply chain: a tag such as @v4 can
// be moved to other code after review; a full commit SHA cannot.
func TestWorkflowPinsActionsBySHA(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := unpinnedActions(string(data)); len(got) > 0 {
		t.Errorf("actions not pinned by full commit SHA: %q", got)
	}
	if !regexp.MustCompile(`(?m)^\s+run: go run \./ci "\$MODE"$`).Match(data) {
		t.Errorf("workflow must run the pipeline as `go run ./ci \"$MODE\"`")
	}
}

func TestUnpinnedActions(t *testing.T) {
	t.Parallel()
	yaml := `
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: actions/setup-go@v5
      - uses: "aws-actions/configure-aws-credentials@main"
      - uses: ./local-action
      - uses: docker://alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000
`
	got := unpinnedActions(yaml)
	want := []string{"actions/setup-go@v5", "aws-actions/configure-aws-credentials@main"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("unpinnedActions = %q, want %q", got, want)
	}
}

var (
	usesLine     = regexp.MustCompile(`(?m)^\s*-?\s*uses:\s*["']?([^"'\s#]+)`)
	pinnedSHA    = regexp.MustCompile(`^[^@]+@[0-9a-f]{40}$`)
	pinnedDocker = regexp.MustCompile(`^docker://.+@sha256:[0-9a-f]{64}$`)
)

// unpinnedActions lists the `uses:` references that name a remote action by
// anything but a full commit SHA. Local actions and docker:// images pinned
// by digest are not actions from a repository and are left alone.
func unpinnedActions(workflow string) []string {
	var unpinned []string
	for _, m := range usesLine.FindAllStringSubmatch(workflow, -1) {
		ref := m[1]
		switch {
		case ref[0] == '.':
		case pinnedDocker.MatchString(ref):
		case !pinnedSHA.MatchString(ref):
			unpinned = append(unpinned, ref)
		}
	}
	return unpinned
}
