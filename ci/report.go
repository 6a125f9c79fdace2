package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/aquasecurity/trivy/pkg/types"
)

// finding is one row of a findings table.
type finding struct {
	target    string
	id        string
	severity  string
	pkg       string // vulnerabilities only
	installed string
	fixed     string
	title     string // misconfigurations only
}

// gate is the outcome of applying the gate to a report.
type gate struct {
	total    int       // every finding in the report
	blocking []finding // the findings that fail the run
}

func decodeReport(data []byte) (types.Report, error) {
	var report types.Report
	if err := json.Unmarshal(data, &report); err != nil {
		return types.Report{}, fmt.Errorf("reading the Trivy report: %w", err)
	}
	return report, nil
}

// vulnerabilityGate fails on vulnerabilities at the gated severities that
// have a fix: those are the ones a rebuild or an upgrade can remove. Ones
// without a fix are counted, not blocking; accept or track them in the
// ignore file.
func vulnerabilityGate(report types.Report, severities []string) gate {
	var g gate
	for _, result := range report.Results {
		for _, v := range result.Vulnerabilities {
			g.total++
			// Severity is deprecated in favour of per-source VendorSeverity,
			// but it is the one Trivy itself filters and prints by, so the
			// gate agrees with `trivy --severity`.
			if v.FixedVersion == "" || !slices.Contains(severities, v.Severity) { //nolint:staticcheck // see above
				continue
			}
			g.blocking = append(g.blocking, finding{
				target: result.Target, id: v.VulnerabilityID, severity: v.Severity, //nolint:staticcheck // see above
				pkg: v.PkgName, installed: v.InstalledVersion, fixed: v.FixedVersion,
			})
		}
	}
	return g
}

// misconfigurationGate fails on failed checks at the gated severities.
func misconfigurationGate(report types.Report, severities []string) gate {
	var g gate
	for _, result := range report.Results {
		for _, m := range result.Misconfigurations {
			if m.Status != types.MisconfStatusFailure {
				continue
			}
			g.total++
			if !slices.Contains(severities, m.Severity) {
				continue
			}
			g.blocking = append(g.blocking, finding{
				target: result.Target, id: m.ID, severity: m.Severity, title: m.Title,
			})
		}
	}
	return g
}

// writeVulnerabilities prints the blocking vulnerabilities as a table.
func writeVulnerabilities(w io.Writer, findings []finding) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tINSTALLED\tFIXED\tSEVERITY\tID")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.pkg, f.installed, f.fixed, f.severity, f.id)
	}
	return tw.Flush()
}

// writeMisconfigurations prints the blocking misconfigurations as a table.
func writeMisconfigurations(w io.Writer, findings []finding) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSEVERITY\tID\tTITLE")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.target, f.severity, f.id, f.title)
	}
	return tw.Flush()
}
