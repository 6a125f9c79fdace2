package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Diagnosis is why a deployment failed or a service is unhealthy, in the
// words of ECS, the load balancer and the tasks' own logs.
type Diagnosis struct {
	StoppedTasks []StoppedTask `json:"stopped_tasks"`
	Events       []Event       `json:"events"`
	Targets      []Target      `json:"targets"`
	// AlarmHistory is what the environment's alarms did over the failed
	// deploy's window (status: the last hour), oldest first; when it could
	// not be read, AlarmHistoryError says why.
	AlarmHistory      []AlarmEvent `json:"alarm_history,omitempty"`
	AlarmHistoryError string       `json:"alarm_history_error,omitempty"`
}

// StoppedTask is a task that ECS stopped, with the last lines it logged.
type StoppedTask struct {
	ID             string             `json:"id"`
	TaskDefinition string             `json:"task_definition"`
	StoppedAt      time.Time          `json:"stopped_at"`
	StopCode       string             `json:"stop_code,omitempty"`
	StoppedReason  string             `json:"stopped_reason"`
	Containers     []StoppedContainer `json:"containers"`
	LogGroup       string             `json:"log_group,omitempty"`
	LogStream      string             `json:"log_stream,omitempty"`
	LogLines       []string           `json:"log_lines,omitempty"`
	LogError       string             `json:"log_error,omitempty"` // why the log lines could not be read
}

// StoppedContainer is one container of a stopped task.
type StoppedContainer struct {
	Name     string `json:"name"`
	ExitCode *int32 `json:"exit_code,omitempty"` // none when the container never started
	Reason   string `json:"reason,omitempty"`    // CannotPullContainerError: ...
	Health   string `json:"health,omitempty"`
}

// DiagnosisLogLines is how many log lines of each stopped task are shown.
const DiagnosisLogLines = 20

// DiagnosisText renders the diagnosis for a terminal.
func DiagnosisText(w io.Writer, d Diagnosis, now time.Time) error {
	var b strings.Builder
	writeDiagnosis(&b, d, now)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnosis(b *strings.Builder, d Diagnosis, now time.Time) {
	b.WriteString("Why: stopped tasks\n")
	if len(d.StoppedTasks) == 0 {
		b.WriteString("  (no stopped task: the tasks may still be starting, or the image could not be placed; see the events)\n")
	}
	for _, t := range d.StoppedTasks {
		fmt.Fprintf(b, "  task %s (%s), stopped %s ago", t.ID, lastPart(t.TaskDefinition, "/"), age(now, t.StoppedAt))
		if t.StopCode != "" {
			fmt.Fprintf(b, " [%s]", t.StopCode)
		}
		fmt.Fprintf(b, "\n    reason: %s\n", orNone(t.StoppedReason))
		for _, c := range t.Containers {
			code := "no exit code (never started)"
			if c.ExitCode != nil {
				code = fmt.Sprintf("exit code %d", *c.ExitCode)
			}
			fmt.Fprintf(b, "    container %s: %s", c.Name, code)
			if c.Reason != "" && c.Reason != t.StoppedReason {
				fmt.Fprintf(b, ", %s", c.Reason)
			}
			if c.Health != "" && c.Health != "UNKNOWN" {
				fmt.Fprintf(b, ", health %s", c.Health)
			}
			b.WriteString("\n")
		}
		switch {
		case t.LogError != "":
			fmt.Fprintf(b, "    logs %s %s: %s\n", t.LogGroup, t.LogStream, t.LogError)
		case len(t.LogLines) == 0:
			fmt.Fprintf(b, "    logs %s %s: (empty)\n", t.LogGroup, t.LogStream)
		default:
			fmt.Fprintf(b, "    last %d log lines (%s %s):\n", len(t.LogLines), t.LogGroup, t.LogStream)
			for _, line := range t.LogLines {
				fmt.Fprintf(b, "      %s\n", line)
			}
		}
	}
	b.WriteString("Why: latest service events\n")
	writeEvents(b, d.Events, now)
	b.WriteString("Why: load balancer target health\n")
	writeTargets(b, d.Targets)
	writeAlarmHistory(b, d)
}

// writeAlarmHistory is the alarms' part of a diagnosis, only when it was
// asked for: a diagnosis of tasks that never started has none.
func writeAlarmHistory(b *strings.Builder, d Diagnosis) {
	if d.AlarmHistory == nil && d.AlarmHistoryError == "" {
		return
	}
	b.WriteString("Why: alarm history\n")
	switch {
	case d.AlarmHistoryError != "":
		fmt.Fprintf(b, "  (cannot read: %s)\n", d.AlarmHistoryError)
	case len(d.AlarmHistory) == 0:
		b.WriteString("  (no alarm changed state)\n")
	}
	for _, e := range d.AlarmHistory {
		fmt.Fprintf(b, "  %s  %s  %s\n", clock(e.At), e.Alarm, e.Summary)
	}
}

// AlarmHistoryText is the alarm history alone, as a failed bake prints it.
func AlarmHistoryText(events []AlarmEvent, readErr error) string {
	var b strings.Builder
	d := Diagnosis{AlarmHistory: nonNilEvents(events)}
	if readErr != nil {
		d.AlarmHistoryError = FirstLine(readErr.Error())
	}
	writeAlarmHistory(&b, d)
	return b.String()
}

func nonNilEvents(events []AlarmEvent) []AlarmEvent {
	if events == nil {
		return []AlarmEvent{}
	}
	return events
}

// DiagnosisMarkdown is the diagnosis for the GitHub step summary: the
// terminal text in a code block, so columns and log lines keep their shape.
func DiagnosisMarkdown(d Diagnosis, now time.Time) string {
	var b strings.Builder
	writeDiagnosis(&b, d, now)
	return "```text\n" + strings.ReplaceAll(b.String(), "```", "'''") + "```\n"
}

// SmokeFailureText is what a failed smoke test shows: its last answer
// (in the error), and the targets as the load balancer sees them.
func SmokeFailureText(lastAnswer string, targets []Target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Why: the last answer\n  %s\nWhy: load balancer target health\n", lastAnswer)
	writeTargets(&b, targets)
	return b.String()
}
