package cloud

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/golden"
)

// TestDiagnoseFailedRollout is what a deploy prints when the circuit
// breaker rolls it back: the stopped tasks of the new image (not the old
// one's), newest first, with exit codes, reasons and the task's own last
// log lines, then the service events and the target health.
func TestDiagnoseFailedRollout(t *testing.T) {
	t.Parallel()
	d, err := Diagnose(t.Context(), failedRollout().clients(), "goship-dev", "goship-dev", badImage, lastHour())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.StoppedTasks) != 3 {
		t.Fatalf("%d stopped tasks, want the 3 of the failed image", len(d.StoppedTasks))
	}
	if got := d.StoppedTasks[1].LogLines; len(got) != report.DiagnosisLogLines {
		t.Errorf("%d log lines of the health-check failure, want the last %d", len(got), report.DiagnosisLogLines)
	}
	if got := d.StoppedTasks[0].LogError; !strings.Contains(got, "does not exist") {
		t.Errorf("a task that never started has no stream; LogError = %q", got)
	}
	var out bytes.Buffer
	if err := report.DiagnosisText(&out, d, now); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, "diagnosis-rollback.txt.golden", out.Bytes())
	golden.Equal(t, "diagnosis-rollback.md.golden", []byte(report.DiagnosisMarkdown(d, now)))
}

// lastHour is the alarm window of the diagnoses: the hour before now.
func lastHour() AlarmWindow {
	return AlarmWindow{Names: report.AlarmNames("goship", "dev"), From: now.Add(-time.Hour), To: now}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		account *fakeAccount
		golden  string
		healthy bool
	}{
		{"healthy", healthy(), "status-healthy.txt.golden", true},
		{"rolling back", failedRollout(), "status-rollback.txt.golden", false},
	}
	for _, tt := range tests {
		c := tt.account.clients()
		st, err := Status(t.Context(), c, "goship-dev", "goship-dev", Signals{Alarms: report.AlarmNames("goship", "dev"), Traffic: report.StatusTrafficWindow, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if st.Image != goodImage || st.URL != "http://goship-dev-1234567890.eu-west-1.elb.amazonaws.com" || st.Scaling == nil || st.Scaling.Max != 6 {
			t.Errorf("%s: image %s, URL %s, scaling %+v", tt.name, st.Image, st.URL, st.Scaling)
		}
		if got := len(st.Problems()) == 0; got != tt.healthy {
			t.Errorf("%s: healthy = %v (%q), want %v", tt.name, got, st.Problems(), tt.healthy)
		}
		if !tt.healthy {
			d, err := Diagnose(t.Context(), c, "goship-dev", "goship-dev", "", lastHour())
			if err != nil {
				t.Fatal(err)
			}
			st.Diagnosis = &d
		}
		st.VersionSource = "GET /version"
		st.Commit, st.Version = "1111111", "v1.2.0"
		var out bytes.Buffer
		if err := report.StatusText(&out, st, now); err != nil {
			t.Fatal(err)
		}
		golden.Equal(t, tt.golden, out.Bytes())
		if _, err := json.Marshal(st); err != nil {
			t.Errorf("%s: --json: %v", tt.name, err)
		}
	}
}

func TestStatusWithoutService(t *testing.T) {
	t.Parallel()
	_, err := Status(t.Context(), healthy().clients(), "goship-dev", "goship-prod", Signals{})
	if err == nil || !strings.Contains(err.Error(), "no ECS service goship-prod") {
		t.Errorf("err = %v, want one naming the missing service", err)
	}
}
