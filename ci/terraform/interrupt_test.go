package terraform

import (
	"strings"
	"testing"
)

// TestInterrupts drives the interrupt rules: outside a protected command
// an interrupt stops the run; during one, the first lets it finish and
// the second aborts it; after an interrupt nothing new starts.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	t.Run("nothing protected running", func(t *testing.T) {
		t.Parallel()
		cancelled := 0
		m := NewInterrupts(func() { cancelled++ })
		if msg := m.Interrupt(); msg != "interrupted: stopping" || cancelled != 1 {
			t.Errorf("Interrupt = %q, run cancelled %d times", msg, cancelled)
		}
		if _, err := m.Begin("apply", "service", func() {}); err == nil || !strings.Contains(err.Error(), "it was not run") {
			t.Errorf("Begin after an interrupt = %v, want a refusal", err)
		}
	})
	t.Run("first interrupt finishes, second aborts", func(t *testing.T) {
		t.Parallel()
		runCancelled, aborted := 0, 0
		m := NewInterrupts(func() { runCancelled++ })
		c, err := m.Begin("apply", "service", func() { aborted++ })
		if err != nil {
			t.Fatal(err)
		}
		msg := m.Interrupt()
		if msg != "finishing terraform apply of service; interrupt again to abort, which leaves the state locked" {
			t.Errorf("first Interrupt = %q", msg)
		}
		if aborted != 0 || runCancelled != 1 {
			t.Errorf("after the first interrupt: aborted %d, run cancelled %d; want 0 and 1", aborted, runCancelled)
		}
		msg = m.Interrupt()
		if !strings.Contains(msg, "aborting terraform apply of service: its state stays locked") || aborted != 1 {
			t.Errorf("second Interrupt = %q, aborted %d", msg, aborted)
		}
		if finishing, wasAborted := m.End(c); !finishing || !wasAborted {
			t.Errorf("End = %v, %v; want finishing and aborted", finishing, wasAborted)
		}
		if msg := m.Interrupt(); msg != "interrupted: stopping" {
			t.Errorf("Interrupt after the command ended = %q", msg)
		}
	})
	t.Run("a command that finishes after one interrupt", func(t *testing.T) {
		t.Parallel()
		m := NewInterrupts(func() {})
		c, _ := m.Begin("destroy", "registry", func() { t.Error("aborted after a single interrupt") })
		m.Interrupt()
		if finishing, aborted := m.End(c); !finishing || aborted {
			t.Errorf("End = %v, %v; want finishing, not aborted", finishing, aborted)
		}
		if !m.Interrupted() {
			t.Error("Interrupted = false")
		}
	})
	t.Run("no interrupt", func(t *testing.T) {
		t.Parallel()
		m := NewInterrupts(func() { t.Error("run cancelled without an interrupt") })
		c, _ := m.Begin("apply", "registry", func() {})
		if finishing, aborted := m.End(c); finishing || aborted || m.Interrupted() {
			t.Error("a command with no interrupt reads as interrupted")
		}
	})
}
