package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/example/goship/ci/cloud"
)

func TestConfirm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		yes, ci   bool
		terminal  bool
		input     string
		wantErr   string
		wantAsked bool
	}{
		{name: "--yes", yes: true},
		{name: "CI=true", ci: true},
		{name: "not a terminal", wantErr: "standard input is not a terminal; pass --yes"},
		{name: "typed the name", terminal: true, input: "dev\n", wantAsked: true},
		{name: "typed something else", terminal: true, input: "yes\n", wantErr: "does not match", wantAsked: true},
		{name: "closed input", terminal: true, input: "", wantErr: "no answer", wantAsked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			p := &pipeline{
				cfg:    config{environment: "dev", app: "goship", region: "eu-west-1", assumeYes: tt.yes},
				aws:    &cloud.Session{Account: "123456789012"},
				stdin:  strings.NewReader(tt.input),
				stdout: &out,
			}
			err := confirm(p, tt.ci, tt.terminal)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("confirm = %v, want %q", err, tt.wantErr)
			}
			asked := strings.Contains(out.String(), `Type the environment name`)
			if asked != tt.wantAsked || (asked && !strings.Contains(out.String(), "123456789012")) {
				t.Errorf("prompt = %q", out.String())
			}
		})
	}
}

// TestIsTerminal checks that destroy's question is asked only on a
// terminal: /dev/null is a character device, but a prompt there reads EOF
// instead of the documented refusal.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = null.Close() })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	for name, in := range map[string]io.Reader{"/dev/null": null, "a pipe": r, "a string": strings.NewReader("dev\n")} {
		if isTerminal(in) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
}
