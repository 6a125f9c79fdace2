// Package report decides what a run's findings mean and tells it: the
// Trivy gates and their tables, and the summary at the end of a run. It
// imports neither Dagger nor the AWS SDK.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/aquasecurity/trivy/pkg/types"
)

// Finding is one row of a findings table.
type Finding struct {
	Target    string
	ID        string
	Severity  string
	Package   string // vulnerabilities only
	Installed string
	Fixed     string
	Title     string // misconfigurations only
}

// Gate is the outcome of applying the gate to a report.
type Gate struct {
	Total    int       // every finding in the report
	Blocking []Finding // the findings that fail the run
}

// DecodeReport reads a Trivy JSON report.
func DecodeReport(data []byte) (types.Report, error) {
	var report types.Report
	if err := json.Unmarshal(data, &report); err != nil {
		return types.Report{}, fmt.Errorf("reading the Trivy report: %w", err)
	}
	return report, nil
}

// VulnerabilityGate fails on vulnerabilities at the gated severities that
// have a fix: those are the ones a rebuild or an upgrade can remove. Ones
// without a fix are counted, not blocking; accept or track them in the
// ignore file.
func VulnerabilityGate(report types.Report, severities []string) Gate {
	var g Gate
	for _, result := range report.Results {
		for _, v := range result.Vulnerabilities {
			g.Total++
			// Severity is deprecated in favour of per-source VendorSeverity,
			// but it is the one Trivy itself filters and prints by, so the
			// gate agrees with `trivy --severity`.
			if v.FixedVersion == "" || !slices.Contains(severities, v.Severity) { //nolint:staticcheck // see above
				continue
			}
			g.Blocking = append(g.Blocking, Finding{
				Target: result.Target, ID: v.VulnerabilityID, Severity: v.Severity, //nolint:staticcheck // see above
				Package: v.PkgName, Installed: v.InstalledVersion, Fixed: v.FixedVersion,
			})
		}
	}
	return g
}

// MisconfigurationGate fails on failed checks at the gated severities.
func MisconfigurationGate(report types.Report, severities []string) Gate {
	var g Gate
	for _, result := range report.Results {
		for _, m := range result.Misconfigurations {
			if m.Status != types.MisconfStatusFailure {
				continue
			}
			g.Total++
			if !slices.Contains(severities, m.Severity) {
				continue
			}
			g.Blocking = append(g.Blocking, Finding{
				Target: result.Target, ID: m.ID, Severity: m.Severity, Title: m.Title,
			})
		}
	}
	return g
}

// WriteVulnerabilities prints the blocking vulnerabilities as a table.
func WriteVulnerabilities(w io.Writer, findings []Finding) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tINSTALLED\tFIXED\tSEVERITY\tID")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Package, f.Installed, f.Fixed, f.Severity, f.ID)
	}
	return tw.Flush()
}

// WriteMisconfigurations prints the blocking misconfigurations as a table.
func WriteMisconfigurations(w io.Writer, findings []Finding) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSEVERITY\tID\tTITLE")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Target, f.Severity, f.ID, f.Title)
	}
	return tw.Flush()
}
