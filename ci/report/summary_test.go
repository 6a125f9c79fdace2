package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/internal/golden"
)

func deploySummary() *Summary {
	return &Summary{
		Mode: "deploy", Environment: "dev",
		Vulnerabilities:   Scan{Completed: true, Total: 12},
		Misconfigurations: Scan{Completed: true, Total: 3},
		SBOMPath:          "out/sbom.cdx.json", SBOMPackages: 57, SBOMDigest: "sha256:" + strings.Repeat("cd", 32),
		Published: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("ab", 32),
		Image:     "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("ab", 32),
		Signature: "verified: https://github.com/example/goship/.github/workflows/pipeline.yml@refs/heads/main (issuer https://token.actions.githubusercontent.com)",
		URL:       "http://goship-dev-123.eu-west-1.elb.amazonaws.com",
		Bake: &Bake{Length: "10m0s", Watched: "10m0s", Polls: 21, Outcome: BakePassed,
			Traffic: ptr(MeasuredTraffic(time.Date(2026, 11, 29, 10, 40, 0, 0, time.UTC), time.Date(2026, 11, 29, 10, 50, 0, 0, time.UTC), 1250, 3, ptr(91.5)))},
	}
}

func TestSummaryText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := deploySummary().Text(&out); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "summary.txt.golden", out.Bytes())
}

func TestSummaryMarkdown(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := deploySummary().Markdown(&out); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "summary.md.golden", out.Bytes())
}

// TestSummaryWrite appends to GITHUB_STEP_SUMMARY as GitHub expects, after
// whatever earlier steps wrote.
func TestSummaryWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "step-summary.md")
	if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := &Summary{Mode: "check", Environment: "dev", Failed: true, Vulnerabilities: Scan{Completed: true, Total: 4, Blocking: 1}}
	var out bytes.Buffer
	if err := failed.Write(&out, path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "earlier step\n### ❌ `check` failed") || !strings.Contains(string(got), "| Vulnerabilities | `4 (1 blocking)` |") {
		t.Errorf("step summary =\n%s", got)
	}
	if !strings.Contains(out.String(), "check failed") {
		t.Errorf("terminal summary =\n%s", out.String())
	}
}

// TestSummaryOfAFailure checks that a failed run says where and why it
// failed, never reports a scan that did not complete as clean, never
// names an image that was not deployed as the one running, and names no
// environment for a mode that has none.
func TestSummaryOfAFailure(t *testing.T) {
	t.Parallel()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		summary Summary
		want    []string
		unwant  []string
	}{
		{"the image build failed", Summary{Mode: "check", Environment: "dev", Failed: true,
			FailedSteps:       []FailedStep{{Name: "build and scan the image", Reason: "`go build` exited 1"}},
			Vulnerabilities:   Scan{NotDone: "the image build or the scan failed"},
			Misconfigurations: Scan{Completed: true, Total: 2}},
			[]string{"Failed step", "build and scan the image: `go build` exited 1", "Vulnerabilities: not scanned (the image build or the scan failed)", "Misconfigurations: 2 (0 blocking)"},
			[]string{"Vulnerabilities: 0"}},
		{"the service plan failed its precondition", Summary{Mode: "deploy", Environment: "dev", Failed: true,
			FailedSteps: []FailedStep{{Name: "apply the service stack", Reason: "Error: Resource precondition failed"}},
			Published:   image},
			[]string{"Image: " + image + " (built, not deployed)"},
			nil},
		{"bootstrap", Summary{Mode: "bootstrap"},
			[]string{"bootstrap succeeded"},
			[]string{"Environment"}},
	}
	for _, tt := range tests {
		var text, md bytes.Buffer
		if err := tt.summary.Text(&text); err != nil {
			t.Fatal(err)
		}
		if err := tt.summary.Markdown(&md); err != nil {
			t.Fatal(err)
		}
		plain := strings.Join(strings.Fields(text.String()), " ")
		for _, w := range tt.want {
			if !strings.Contains(plain, w) {
				t.Errorf("%s: text lacks %q:\n%s", tt.name, w, text.String())
			}
		}
		for _, u := range tt.unwant {
			if strings.Contains(plain, u) || strings.Contains(md.String(), u) {
				t.Errorf("%s: summary shows %q:\n%s\n%s", tt.name, u, text.String(), md.String())
			}
		}
		if len(tt.summary.FailedSteps) > 0 && !strings.Contains(md.String(), "| Failed step | "+tt.summary.FailedSteps[0].Name) {
			t.Errorf("%s: the step summary lacks the failed step:\n%s", tt.name, md.String())
		}
	}
}

// TestSummarySections: a failed deploy's diagnosis follows the table in
// the step summary, and stays off the terminal, which printed it already.
func TestSummarySections(t *testing.T) {
	t.Parallel()
	s := deploySummary()
	s.Failed = true
	s.Sections = []Section{{Title: "Why the deployment failed", Markdown: "```text\nWhy: stopped tasks\n```"}}
	var md, text bytes.Buffer
	if err := s.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := s.Text(&text); err != nil {
		t.Fatal(err)
	}
	table := strings.Index(md.String(), "| URL |")
	section := strings.Index(md.String(), "#### Why the deployment failed\n\n```text\nWhy: stopped tasks\n```\n")
	if table < 0 || section < table {
		t.Errorf("step summary:\n%s\nwant the section after the table", md.String())
	}
	if strings.Contains(text.String(), "Why:") {
		t.Errorf("terminal summary repeats the section:\n%s", text.String())
	}
}

// TestSummaryOutcome: a plan that found drift ended well but is news; a
// failure still wins.
func TestSummaryOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failed  bool
		outcome string
		want    string
	}{
		{false, "", "### ✅ `plan` succeeded"},
		{false, "found changes", "### ⚠️ `plan` found changes"},
		{true, "found changes", "### ❌ `plan` failed"},
	}
	for _, tt := range tests {
		s := &Summary{Mode: "plan", Environment: "prod", Failed: tt.failed, Outcome: tt.outcome}
		var md bytes.Buffer
		if err := s.Markdown(&md); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(md.String(), tt.want) {
			t.Errorf("failed=%v outcome=%q: %q, want %q", tt.failed, tt.outcome, md.String(), tt.want)
		}
	}
}
