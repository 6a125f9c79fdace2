package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"
	"github.com/aquasecurity/trivy/pkg/types"

	"github.com/example/goship/ci/report"
)

// TestBuildAndScanReportsNoScan checks, through the step runner, that an
// image build or scan that did not complete is reported as "not scanned"
// with the reason and the failed step, never as zero vulnerabilities.
func TestBuildAndScanReportsNoScan(t *testing.T) {
	t.Parallel()
	buildFailed := &dagger.ExecError{Cmd: []string{"go", "build", "./api"}, ExitCode: 1, Stderr: "api/main.go:3:1: syntax error\n"}
	tests := []struct {
		name      string
		build     error
		scan      error
		wantScan  string
		wantStep  string
		wantCount bool
	}{
		{name: "the build fails", build: buildFailed, wantScan: "not scanned (the image build failed)", wantStep: "syntax error"},
		{name: "the scan fails", scan: errors.New("trivy: database download failed"), wantScan: "not scanned (the scan failed)", wantStep: "database download failed"},
		{name: "both complete", wantScan: "0 (0 blocking)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			p := &pipeline{cfg: config{severities: []string{"HIGH", "CRITICAL"}}, steps: newSteps(&out, time.Now),
				result: &report.Summary{Mode: "check", Environment: "dev"}}
			_ = p.steps.run("build and scan the image", func() error {
				return p.buildAndScan(func() error { return tt.build }, func() (types.Report, error) { return types.Report{}, tt.scan })
			})
			p.result.Failed = tt.build != nil || tt.scan != nil
			p.result.FailedSteps = p.steps.failures()
			var text bytes.Buffer
			if err := p.result.Text(&text); err != nil {
				t.Fatal(err)
			}
			plain := strings.Join(strings.Fields(text.String()), " ")
			if !strings.Contains(plain, "Vulnerabilities: "+tt.wantScan) {
				t.Errorf("summary lacks %q:\n%s", tt.wantScan, text.String())
			}
			if tt.wantStep != "" && !strings.Contains(plain, "Failed step: build and scan the image: ") || !strings.Contains(plain, tt.wantStep) {
				t.Errorf("summary does not name the failed step and %q:\n%s", tt.wantStep, text.String())
			}
		})
	}
}
