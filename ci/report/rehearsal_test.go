package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRehearsalPhases(t *testing.T) {
	t.Parallel()
	all := []string{PhaseStart, PhaseBootstrap, PhaseDeploy, PhaseRedeploy, PhaseStatus, PhaseHistory, PhaseRollback, PhaseDestroy}
	tests := []struct {
		name     string
		keep     bool
		outcomes map[string]string // by phase; the rest pass
		passed   bool
	}{
		{name: "every phase passes", passed: true},
		{name: "status noted: the emulator has no healthy target", outcomes: map[string]string{PhaseStatus: PhaseNoted}, passed: true},
		{name: "keep skips destroy", keep: true, passed: true},
		{name: "a failed phase fails the rehearsal", outcomes: map[string]string{PhaseRollback: PhaseFailed, PhaseDestroy: PhaseNotRun}},
		{name: "a phase never reached fails the rehearsal", outcomes: map[string]string{PhaseDestroy: PhaseNotRun}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewRehearsal(tt.keep)
			var names []string
			for _, p := range r.Phases {
				names = append(names, p.Name)
			}
			if strings.Join(names, "|") != strings.Join(all, "|") {
				t.Fatalf("phases %q, want %q", names, all)
			}
			if r.Passed() {
				t.Fatal("a rehearsal that ran nothing passed")
			}
			if got := r.Runs(PhaseDestroy); got == tt.keep {
				t.Errorf("Runs(destroy) = %v with keep %v", got, tt.keep)
			}
			for i, name := range all {
				if !r.Runs(name) {
					continue
				}
				outcome := PhasePassed
				if o, ok := tt.outcomes[name]; ok {
					outcome = o
				}
				if outcome == PhaseNotRun {
					continue
				}
				r.Record(Phase{Name: name, Took: time.Duration(i+1) * time.Minute, Outcome: outcome, Detail: "detail of " + name})
			}
			if got := r.Passed(); got != tt.passed {
				t.Errorf("Passed() = %v, want %v", got, tt.passed)
			}
			var out bytes.Buffer
			if err := RehearsalText(&out, r); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			verdict := map[bool]string{true: "rehearsal passed", false: "rehearsal failed"}[tt.passed]
			if !strings.Contains(text, verdict) {
				t.Errorf("the table does not say %q:\n%s", verdict, text)
			}
			for i, name := range all {
				line := lineWith(text, "  "+name+" ")
				switch {
				case line == "":
					t.Errorf("the table has no row for %q:\n%s", name, text)
				case tt.keep && name == PhaseDestroy:
					if !strings.Contains(line, PhaseSkipped) || !strings.Contains(line, "--keep") {
						t.Errorf("destroy with --keep: %q, want skipped, naming --keep", line)
					}
				case tt.outcomes[name] == PhaseNotRun:
					if !strings.Contains(line, " - ") || !strings.Contains(line, PhaseNotRun) {
						t.Errorf("a phase never reached: %q, want no time and %q", line, PhaseNotRun)
					}
				default:
					if took := (time.Duration(i+1) * time.Minute).String(); !strings.Contains(line, took) {
						t.Errorf("row %q lacks its time %s", line, took)
					}
				}
			}
		})
	}
}

func TestRehearsalTotal(t *testing.T) {
	t.Parallel()
	r := NewRehearsal(false)
	r.Record(Phase{Name: PhaseStart, Took: 90 * time.Second, Outcome: PhasePassed})
	r.Record(Phase{Name: PhaseDeploy, Took: 4 * time.Minute, Outcome: PhasePassed})
	if got, want := r.Total(), 5*time.Minute+30*time.Second; got != want {
		t.Errorf("Total() = %s, want %s", got, want)
	}
	var out bytes.Buffer
	if err := RehearsalText(&out, r); err != nil {
		t.Fatal(err)
	}
	if line := lineWith(out.String(), "  total "); !strings.Contains(line, "5m30s") {
		t.Errorf("total row %q, want 5m30s", line)
	}
}

// TestRehearsalRecordsAnUnplannedPhase: a phase name the plan lacks is a
// mistake in the caller, shown rather than lost.
func TestRehearsalRecordsAnUnplannedPhase(t *testing.T) {
	t.Parallel()
	r := NewRehearsal(false)
	r.Record(Phase{Name: "made up", Outcome: PhasePassed})
	if last := r.Phases[len(r.Phases)-1]; last.Name != "made up" || !strings.Contains(last.Detail, "not a planned phase") {
		t.Errorf("last phase %+v, want the unplanned one, marked", last)
	}
}

func TestEmulatorEnviron(t *testing.T) {
	t.Parallel()
	got := EmulatorEnviron("http://127.0.0.1:41234", "test", "test", "us-east-1")
	for _, want := range []string{"export AWS_ENDPOINT_URL=http://127.0.0.1:41234", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=us-east-1", "unset AWS_PROFILE AWS_SESSION_TOKEN\n", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"} {
		if !strings.Contains(got, want) {
			t.Errorf("the settings lack %q (a real profile could answer instead of the emulator):\n%s", want, got)
		}
	}
}

func lineWith(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
