package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readReport(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestVulnerabilityGate reads a real Trivy image report (see
// testdata/README.md): a fixable CRITICAL in libidn2-0 and an unfixed LOW
// in bash.
func TestVulnerabilityGate(t *testing.T) {
	t.Parallel()
	report, err := DecodeReport(readReport(t, "debian-buster.json.golden"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		severities []string
		blocking   []string
	}{
		{[]string{"HIGH", "CRITICAL"}, []string{"CVE-2019-18224"}},
		{[]string{"HIGH"}, nil},
		// bash's CVE has no fix: reported, never blocking.
		{[]string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}, []string{"CVE-2019-18224"}},
	}
	for _, tt := range tests {
		g := VulnerabilityGate(report, tt.severities)
		var ids []string
		for _, f := range g.Blocking {
			ids = append(ids, f.ID)
		}
		if g.Total != 2 || strings.Join(ids, ",") != strings.Join(tt.blocking, ",") {
			t.Errorf("VulnerabilityGate(%v) = total %d, blocking %v; want 2, %v", tt.severities, g.Total, ids, tt.blocking)
		}
	}

	var table bytes.Buffer
	if err := WriteVulnerabilities(&table, VulnerabilityGate(report, []string{"CRITICAL"}).Blocking); err != nil {
		t.Fatal(err)
	}
	want := "PACKAGE    INSTALLED  FIXED            SEVERITY  ID\n" +
		"libidn2-0  2.0.5-1    2.0.5-1+deb10u1  CRITICAL  CVE-2019-18224\n"
	if table.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", table.String(), want)
	}
}

// TestMisconfigurationGate reads a report the real Trivy wrote for the
// deliberately insecure files in testdata/insecure.
func TestMisconfigurationGate(t *testing.T) {
	t.Parallel()
	report, err := DecodeReport(readReport(t, "misconfig-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		severities []string
		blocking   string
	}{
		{[]string{"HIGH", "CRITICAL"}, "DS-0002,AWS-0030,AWS-0031,AWS-0107"},
		{[]string{"CRITICAL"}, ""},
		{[]string{"LOW"}, "DS-0026,AWS-0033"},
	}
	for _, tt := range tests {
		g := MisconfigurationGate(report, tt.severities)
		var ids []string
		for _, f := range g.Blocking {
			ids = append(ids, f.ID)
		}
		if g.Total != 7 || strings.Join(ids, ",") != tt.blocking {
			t.Errorf("MisconfigurationGate(%v) = total %d, blocking %v; want 7, %s", tt.severities, g.Total, ids, tt.blocking)
		}
	}

	var table bytes.Buffer
	if err := WriteMisconfigurations(&table, MisconfigurationGate(report, []string{"HIGH"}).Blocking[:2]); err != nil {
		t.Fatal(err)
	}
	want := "FILE        SEVERITY  ID        TITLE\n" +
		"Dockerfile  HIGH      DS-0002   Image user should not be 'root'\n" +
		"main.tf     HIGH      AWS-0030  ECR repository has image scans disabled.\n"
	if table.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", table.String(), want)
	}
}

func TestDecodeReportRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := DecodeReport([]byte("FATAL: no such image")); err == nil {
		t.Error("DecodeReport accepted text")
	}
}
