package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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

// TestWorkflowTrust checks the workflow's side of the trust model on the
// real workflow, and that the check fails on each edit that breaks it.
func TestWorkflowTrust(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := workflowProblems(data); err != nil || len(problems) > 0 {
		t.Fatalf("the workflow breaks its trust model: %v %q", err, problems)
	}
	src := string(data)
	broken := []struct{ name, old, new string }{
		{"check job may mint OIDC tokens", "    permissions:\n      contents: read\n    # Checks", "    permissions:\n      contents: read\n      id-token: write\n    # Checks"},
		{"workflow-wide id-token", "permissions: {}\n", "permissions:\n  contents: read\n  id-token: write\n"},
		{"resolve job may mint OIDC tokens", "    permissions:\n      contents: read\n    outputs:", "    permissions:\n      contents: read\n      id-token: write\n    outputs:"},
		{"check job writes", "    permissions:\n      contents: read\n    # Checks", "    permissions: write-all\n    # Checks"},
		{"AWS job without an environment", "    environment: ${{ needs.resolve.outputs.environment }}\n", ""},
		{"AWS runs cancelled", "      group: ${{ needs.resolve.outputs.queue }}\n      cancel-in-progress: false", "      group: ${{ needs.resolve.outputs.queue }}\n      cancel-in-progress: true"},
		{"AWS runs in a queue resolve did not name", "      group: ${{ needs.resolve.outputs.queue }}\n", "      group: pipeline\n"},
		{"checks queue with AWS runs", "group: check-${{ github.ref }}", "group: aws-${{ needs.resolve.outputs.environment }}"},
		{"checks queue in the AWS job's queue", "group: check-${{ github.ref }}", "group: ${{ needs.resolve.outputs.queue }}"},
		{"the pipeline runs without exec, deaf to GitHub's cancel", "          exec \"$RUNNER_TEMP/ci\" \"$MODE\"\n\n      # Optional", "          \"$RUNNER_TEMP/ci\" \"$MODE\"\n\n      # Optional"},
		{"one workflow-wide queue", "permissions: {}\n", "permissions: {}\nconcurrency:\n  group: aws-dev\n"},
		{"check job runs AWS modes", "if: needs.resolve.outputs.aws == 'false'", "if: always()"},
		{"AWS job runs without AWS", "if: needs.resolve.outputs.aws == 'true'", "if: needs.resolve.outputs.mode != ''"},
		{"two pipeline runs in a job", "      - name: AWS credentials", "      - run: go run ./ci check\n\n      - name: AWS credentials"},
		{"check job may attest provenance", "    permissions:\n      contents: read\n    # Checks", "    permissions:\n      contents: read\n      attestations: write\n    # Checks"},
		{"resolve job may attest provenance", "    permissions:\n      contents: read\n    outputs:", "    permissions:\n      contents: read\n      attestations: write\n    outputs:"},
		{"workflow-wide attestations", "permissions: {}\n", "permissions:\n  attestations: write\n"},
		{"check job gets AWS credentials", "    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n        with:\n          persist-credentials: false\n\n      - uses: actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5 # v5.5.0\n        with:\n          go-version-file: go.mod\n\n      # Every runner's engine", "    steps:\n      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n\n      # Every runner's engine"},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			if strings.Count(src, b.old) != 1 {
				t.Fatalf("the edit no longer applies (did the workflow change shape?): %q occurs %d times", b.old, strings.Count(src, b.old))
			}
			problems, err := workflowProblems([]byte(strings.Replace(src, b.old, b.new, 1)))
			if err == nil && len(problems) == 0 {
				t.Fatal("the check passed on a workflow that breaks it")
			}
			t.Logf("fails as it should: %v %q", err, problems)
		})
	}
}

type workflowJob struct {
	If          string    `yaml:"if"`
	Environment yaml.Node `yaml:"environment"`
	Permissions yaml.Node `yaml:"permissions"`
	Concurrency *struct {
		Group            string `yaml:"group"`
		CancelInProgress *bool  `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Steps []struct {
		Uses string `yaml:"uses"`
		Run  string `yaml:"run"`
	} `yaml:"steps"`
}

// permissions returns a job's (or the workflow's) permissions as a map; a
// shorthand such as write-all is an error.
func permissions(n yaml.Node) (map[string]string, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("permissions %q: list them, no shorthand", n.Value)
	}
	var m map[string]string
	err := n.Decode(&m)
	return m, err
}

const (
	awsJobCondition   = "needs.resolve.outputs.aws == 'true'"
	checkJobCondition = "needs.resolve.outputs.aws == 'false'"
	pipelineRun       = "go build -o \"$RUNNER_TEMP/ci\" ./ci\nexec \"$RUNNER_TEMP/ci\" \"$MODE\""
	awsQueue          = "${{ needs.resolve.outputs.queue }}"
	credentialsAction = "aws-actions/configure-aws-credentials@"
)

// workflowProblems lists how a workflow breaks the trust model: only the
// job that runs AWS modes may mint an OIDC token, and only in a GitHub
// environment; checks have only read access and their own queue; AWS runs
// of an environment share one queue and are never cancelled; and each job
// runs the pipeline once, as the resolve job decided.
func workflowProblems(data []byte) ([]string, error) {
	var wf struct {
		Permissions yaml.Node              `yaml:"permissions"`
		Concurrency yaml.Node              `yaml:"concurrency"`
		Jobs        map[string]workflowJob `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return nil, err
	}
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if top, err := permissions(wf.Permissions); err != nil || wf.Permissions.Kind == 0 || len(top) > 0 {
		report("the workflow must grant nothing by default (permissions: {}), got %v %v", top, err)
	}
	if wf.Concurrency.Kind != 0 {
		report("a workflow-wide concurrency group would queue checks with AWS runs")
	}
	tokenJobs := 0
	for name, job := range wf.Jobs {
		perms, err := permissions(job.Permissions)
		if err != nil || job.Permissions.Kind == 0 {
			report("job %s must list its permissions (%v)", name, err)
		}
		var runs []string
		for _, step := range job.Steps {
			if strings.Contains(step.Run, "./ci") {
				runs = append(runs, strings.TrimSpace(step.Run))
			}
		}
		if len(runs) != 1 {
			report("job %s runs the pipeline %d times, want once: %q", name, len(runs), runs)
		}
		credentials := slices.ContainsFunc(job.Steps, func(s struct {
			Uses string `yaml:"uses"`
			Run  string `yaml:"run"`
		}) bool {
			return strings.HasPrefix(s.Uses, credentialsAction)
		})
		token := perms["id-token"] != "" && perms["id-token"] != "none"
		// Provenance signed by a job is only as good as the code that job
		// runs: only the environment-gated AWS job may attest, and
		// verification names the workflow and the ref (ADR 0006).
		if attests := perms["attestations"] != "" && perms["attestations"] != "none"; attests && (!token || job.If != awsJobCondition) {
			report("job %s may write attestations but is not the environment-gated AWS job", name)
		}
		if !token {
			if credentials {
				report("job %s asks for AWS credentials without an OIDC token", name)
			}
			continue
		}
		tokenJobs++
		if job.Environment.Kind == 0 || job.Environment.Value == "" && job.Environment.Kind == yaml.ScalarNode {
			report("job %s mints OIDC tokens outside a GitHub environment: the deploy roles trust only environment subjects, and only environments carry branch rules and reviewers", name)
		}
		if job.If != awsJobCondition {
			report("job %s mints OIDC tokens but runs on %q, want %q", name, job.If, awsJobCondition)
		}
		// resolve names the queue: aws-<environment> for a run that
		// changes AWS, drift-<environment> for the nightly plan
		// (TestGitHubStepOutputs holds it to that).
		if job.Concurrency == nil || job.Concurrency.Group != awsQueue || job.Concurrency.CancelInProgress == nil || *job.Concurrency.CancelInProgress {
			report("job %s changes AWS: it must queue in the group resolve names (%s) with cancel-in-progress: false", name, awsQueue)
		}
		if !credentials || len(runs) != 1 || runs[0] != pipelineRun {
			report("job %s must get AWS credentials and then run %s", name, pipelineRun)
		}
	}
	if tokenJobs != 1 {
		report("%d jobs may mint OIDC tokens, want exactly the AWS job", tokenJobs)
	}
	check, ok := wf.Jobs["check"]
	if !ok {
		report("no check job")
		return problems, nil
	}
	if perms, _ := permissions(check.Permissions); len(perms) != 1 || perms["contents"] != "read" {
		report("the check job must have contents: read and nothing else, got %v", perms)
	}
	if check.If != checkJobCondition {
		report("the check job runs on %q, want %q", check.If, checkJobCondition)
	}
	if check.Concurrency == nil || strings.HasPrefix(check.Concurrency.Group, "aws-") || check.Concurrency.Group == awsQueue {
		report("the check job must queue in its own group, never an aws-<environment> one")
	}
	return problems, nil
}
