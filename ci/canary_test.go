package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/example/goship/ci/report"
)

const canary = "CANARY-7f3a9c-do-not-print"

// TestSecretCanary checks that what the engine steps print or pass on
// (Terraform and Trivy arguments, the summary) never carries a credential
// given as a canary: the host-side credential paths have their own canary
// test in ci/cloud.
func TestSecretCanary(t *testing.T) {
	t.Parallel()
	var outputs []string
	record := func(what string, v ...any) { outputs = append(outputs, what+": "+fmt.Sprint(v...)) }

	// Everything else a run prints or passes on.
	cfg := terraformConfig()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/goship-dev@sha256:" + strings.Repeat("a", 64)
	for _, st := range stacks() {
		record("init", initArgs(cfg, st, true))
		record("plan", planArgs(cfg, stackVars(cfg, st, image)))
		record("destroy", destroyArgs(cfg, stackVars(cfg, st, destroyPlaceholderImage(cfg, "123456789012"))))
	}
	record("apply", applyArgs(cfg))
	record("trivy", trivyImageArgs(cfg, true), trivyConfigArgs(cfg, true), trivySBOMArgs())
	var summaryText, summaryMarkdown bytes.Buffer
	s := &report.Summary{Mode: "deploy", Environment: "dev", Vulnerabilities: report.Scan{Completed: true}, Image: image, URL: "http://goship-dev-123.eu-west-1.elb.amazonaws.com"}
	if err := s.Text(&summaryText); err != nil {
		t.Fatal(err)
	}
	if err := s.Markdown(&summaryMarkdown); err != nil {
		t.Fatal(err)
	}
	record("summary", summaryText.String(), summaryMarkdown.String())

	for _, out := range outputs {
		if strings.Contains(out, canary) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(canary))) {
			t.Errorf("a secret leaked into %s", out)
		}
	}
}
