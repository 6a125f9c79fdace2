package report

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Summary is what a run tells at its end, on the terminal and, in GitHub
// Actions, on the run's page.
type Summary struct {
	Mode        string
	Environment string // empty for a mode that is not about one (bootstrap)
	Failed      bool
	FailedSteps []FailedStep // in the order they failed
	Outcome     string       // says more than "succeeded" when the run ended well but is news: "found changes"

	Vulnerabilities   Scan // of the image, any severity
	Misconfigurations Scan // failed checks of infra/ and the Dockerfile

	SBOMPath     string // the image's CycloneDX SBOM on the host, once written
	SBOMPackages int
	SBOMDigest   string

	Published string // digest reference pushed to the registry
	Image     string // digest reference the service runs, once deployed
	// Signature says who signed the deployed image, as verified before
	// Terraform ran, or why an unsigned image was deployed anyway.
	Signature  string
	Unverified bool   // deployed without an acceptable signature (--allow-unsigned)
	URL        string // the live service, after a deploy
	// Bake is the watch after the smoke test of the deploy that ran (the
	// failed one, when a rollback followed it), and RollbackBake that of
	// the rollback a failed bake started.
	Bake, RollbackBake *Bake

	// Sections are Markdown blocks added below the table in the step
	// summary only: the terminal has printed them already, as they happened.
	Sections []Section
}

// Section is one titled Markdown block of the step summary.
type Section struct {
	Title    string
	Markdown string
}

// FailedStep is a step of the run that failed, and the first line of why.
type FailedStep struct {
	Name   string
	Reason string
}

// Scan is the outcome of one scan: its counts when it completed, or why
// it did not. A zero Scan was never attempted and is not reported.
type Scan struct {
	Completed bool
	Total     int    // findings of any severity
	Blocking  int    // findings at the gated severities (with a fix, for vulnerabilities)
	NotDone   string // why a scan that was attempted did not complete
}

func (s Scan) text() string {
	if s.Completed {
		return fmt.Sprintf("%d (%d blocking)", s.Total, s.Blocking)
	}
	return "not scanned (" + s.NotDone + ")"
}

func (s Scan) attempted() bool { return s.Completed || s.NotDone != "" }

// Write prints the summary and, when GITHUB_STEP_SUMMARY names a file,
// appends it there as Markdown.
func (s *Summary) Write(w io.Writer, stepSummaryPath string) error {
	if err := s.Text(w); err != nil {
		return err
	}
	if stepSummaryPath == "" {
		return nil
	}
	f, err := os.OpenFile(stepSummaryPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("writing the GitHub step summary: %w", err)
	}
	if err := s.Markdown(f); err != nil {
		_ = f.Close() // the write error is the one worth reporting
		return fmt.Errorf("writing the GitHub step summary: %w", err)
	}
	return f.Close()
}

func (s *Summary) outcome() string {
	switch {
	case s.Failed:
		return "failed"
	case s.Outcome != "":
		return s.Outcome
	default:
		return "succeeded"
	}
}

// rows are the facts worth showing, in order, as label and value.
func (s *Summary) rows() [][2]string {
	var rows [][2]string
	if s.Environment != "" {
		rows = append(rows, [2]string{"Environment", s.Environment})
	}
	for _, f := range s.FailedSteps {
		rows = append(rows, [2]string{"Failed step", f.Name + ": " + f.Reason})
	}
	if s.Vulnerabilities.attempted() {
		rows = append(rows, [2]string{"Vulnerabilities", s.Vulnerabilities.text()})
	}
	if s.Misconfigurations.attempted() {
		rows = append(rows, [2]string{"Misconfigurations", s.Misconfigurations.text()})
	}
	if s.SBOMPath != "" {
		rows = append(rows, [2]string{"SBOM", fmt.Sprintf("%s (%d packages, %s)", s.SBOMPath, s.SBOMPackages, s.SBOMDigest)})
	}
	switch {
	case s.Image != "":
		rows = append(rows, [2]string{"Image", s.Image})
	case s.Published != "":
		rows = append(rows, [2]string{"Image", s.Published + " (built, not deployed)"})
	}
	if s.Signature != "" {
		rows = append(rows, [2]string{"Signature", s.Signature})
	}
	if s.Bake != nil {
		rows = append(rows, [2]string{"Bake", s.Bake.Text()})
	}
	if s.RollbackBake != nil {
		rows = append(rows, [2]string{"Rollback's bake", s.RollbackBake.Text()})
	}
	if s.URL != "" {
		rows = append(rows, [2]string{"URL", s.URL})
	}
	return rows
}

func (s *Summary) Text(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s %s\n", s.Mode, s.outcome())
	for _, r := range s.rows() {
		fmt.Fprintf(&b, "  %-18s %s\n", r[0]+":", r[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (s *Summary) Markdown(w io.Writer) error {
	var b strings.Builder
	icon := "✅"
	switch {
	case s.Failed:
		icon = "❌"
	case s.Outcome != "":
		icon = "⚠️"
	}
	fmt.Fprintf(&b, "### %s `%s` %s\n\n| | |\n|---|---|\n", icon, s.Mode, s.outcome())
	for _, r := range s.rows() {
		value := "`" + r[1] + "`"
		switch r[0] {
		case "URL":
			value = r[1]
		case "Failed step", "Bake", "Rollback's bake":
			value = strings.ReplaceAll(r[1], "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], value)
	}
	b.WriteString("\n")
	for _, sec := range s.Sections {
		fmt.Fprintf(&b, "#### %s\n\n%s\n", sec.Title, strings.TrimRight(sec.Markdown, "\n")+"\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
