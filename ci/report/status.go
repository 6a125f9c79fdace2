package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// ServiceStatus is one look at a running service, gathered by ci/cloud
// from ECS, the load balancer and Application Auto Scaling. Its JSON form
// is what `status --json` prints.
type ServiceStatus struct {
	Cluster        string       `json:"cluster"`
	Service        string       `json:"service"`
	URL            string       `json:"url,omitempty"`
	Image          string       `json:"image,omitempty"`
	Commit         string       `json:"commit,omitempty"`
	Version        string       `json:"version,omitempty"`
	VersionSource  string       `json:"version_source,omitempty"` // where Commit and Version came from
	TaskDefinition string       `json:"task_definition,omitempty"`
	Desired        int32        `json:"desired"`
	Running        int32        `json:"running"`
	Pending        int32        `json:"pending"`
	Deployments    []Deployment `json:"deployments"`
	Targets        []Target     `json:"targets"`
	Scaling        *Scaling     `json:"scaling,omitempty"`
	Events         []Event      `json:"events"`
	// Alarms are the environment's four alarms (AlarmNames), Traffic what
	// the load balancer measured over the last StatusTrafficWindow, and
	// Dashboard the URL of the environment's CloudWatch dashboard.
	Alarms    []Alarm  `json:"alarms"`
	Traffic   *Traffic `json:"traffic,omitempty"`
	Dashboard string   `json:"dashboard_url,omitempty"`
	// SignalsError says why the alarms or the traffic could not be read.
	SignalsError string     `json:"signals_error,omitempty"`
	Diagnosis    *Diagnosis `json:"diagnosis,omitempty"` // only when the service is not healthy
}

// StatusTrafficWindow is how far back status reads the load balancer's
// figures: long enough for the alarms' evaluation (5 one-minute periods by
// default) and the minute or two CloudWatch lags behind.
const StatusTrafficWindow = 15 * time.Minute

// Deployment is one ECS deployment of the service.
type Deployment struct {
	ID             string    `json:"id"`
	Status         string    `json:"status"` // PRIMARY, ACTIVE
	RolloutState   string    `json:"rollout_state"`
	RolloutReason  string    `json:"rollout_reason,omitempty"`
	TaskDefinition string    `json:"task_definition"`
	Desired        int32     `json:"desired"`
	Running        int32     `json:"running"`
	Pending        int32     `json:"pending"`
	Failed         int32     `json:"failed"`
	Created        time.Time `json:"created"`
}

// Target is one registered target of the service's target group.
type Target struct {
	ID          string `json:"id"`
	Port        int32  `json:"port,omitempty"`
	State       string `json:"state"`            // healthy, unhealthy, draining, initial, unused
	Reason      string `json:"reason,omitempty"` // Target.FailedHealthChecks, ...
	Description string `json:"description,omitempty"`
}

// Scaling is the service's Application Auto Scaling range.
type Scaling struct {
	Min int32 `json:"min"`
	Max int32 `json:"max"`
}

// Event is one ECS service event.
type Event struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

// ProblemNoHealthyTarget is the problem of a service whose load balancer
// has no healthy target: what an emulator, which starts no task, always
// shows.
const ProblemNoHealthyTarget = "no healthy target in the load balancer"

// Problems lists why the service is not stable and healthy; none means it
// is. Stable: one deployment, the PRIMARY one, its rollout completed, as
// many tasks running as desired. Healthy: no target the load balancer
// reports unhealthy, and at least one healthy target when tasks should run.
func (s ServiceStatus) Problems() []string {
	var problems []string
	switch {
	case len(s.Deployments) == 0:
		problems = append(problems, "no deployment")
	case len(s.Deployments) > 1:
		problems = append(problems, fmt.Sprintf("%d deployments in progress", len(s.Deployments)))
	}
	for _, d := range s.Deployments {
		if d.Status == "PRIMARY" && d.RolloutState != "" && d.RolloutState != "COMPLETED" {
			problems = append(problems, "primary deployment rollout "+d.RolloutState)
		}
	}
	if s.Running != s.Desired {
		problems = append(problems, fmt.Sprintf("%d of %d tasks running", s.Running, s.Desired))
	}
	healthy, unhealthy := 0, 0
	for _, t := range s.Targets {
		switch t.State {
		case "healthy":
			healthy++
		case "unhealthy":
			unhealthy++
		}
	}
	if unhealthy > 0 {
		problems = append(problems, fmt.Sprintf("%d unhealthy targets", unhealthy))
	}
	if s.Desired > 0 && healthy == 0 {
		problems = append(problems, ProblemNoHealthyTarget)
	}
	for _, a := range s.Alarms {
		if a.State == StateAlarm {
			problems = append(problems, "alarm "+a.Name+" in ALARM")
		}
	}
	return problems
}

// StatusText renders the one-screen status; now gives the events their
// ages.
func StatusText(w io.Writer, s ServiceStatus, now time.Time) error {
	var b strings.Builder
	problems := s.Problems()
	verdict := "stable and healthy"
	if len(problems) > 0 {
		verdict = "NOT HEALTHY: " + strings.Join(problems, "; ")
	}
	fmt.Fprintf(&b, "Service  %s/%s: %s\n", s.Cluster, s.Service, verdict)
	fmt.Fprintf(&b, "URL      %s\n", orNone(s.URL))
	fmt.Fprintf(&b, "Image    %s\n", orNone(s.Image))
	if s.Commit != "" || s.Version != "" {
		fmt.Fprintf(&b, "Version  %s (commit %s, from %s)\n", orNone(s.Version), orNone(s.Commit), s.VersionSource)
	} else {
		fmt.Fprintf(&b, "Version  unknown (%s)\n", orNone(s.VersionSource))
	}
	fmt.Fprintf(&b, "Tasks    %d desired, %d running, %d pending\n", s.Desired, s.Running, s.Pending)
	if s.Scaling != nil {
		fmt.Fprintf(&b, "Scaling  min %d, desired %d, max %d\n", s.Scaling.Min, s.Desired, s.Scaling.Max)
	}
	b.WriteString("\nDeployments\n")
	for _, d := range s.Deployments {
		fmt.Fprintf(&b, "  %-8s %-12s %d/%d running, %d pending, %d failed  %s (%s ago)\n",
			d.Status, d.RolloutState, d.Running, d.Desired, d.Pending, d.Failed, lastPart(d.TaskDefinition, "/"), age(now, d.Created))
		if d.RolloutReason != "" {
			fmt.Fprintf(&b, "           %s\n", d.RolloutReason)
		}
	}
	b.WriteString("\nTargets\n")
	writeTargets(&b, s.Targets)
	b.WriteString("\nAlarms\n")
	writeAlarms(&b, s.Alarms, now)
	if s.SignalsError != "" {
		fmt.Fprintf(&b, "  (cannot read: %s)\n", s.SignalsError)
	}
	if s.Traffic != nil {
		fmt.Fprintf(&b, "\nTraffic  last %s: %s\n", roundDuration(s.Traffic.To.Sub(s.Traffic.From)), s.Traffic.Text())
	}
	if s.Dashboard != "" {
		fmt.Fprintf(&b, "Dashboard %s\n", s.Dashboard)
	}
	b.WriteString("\nEvents\n")
	writeEvents(&b, s.Events, now)
	if s.Diagnosis != nil {
		b.WriteString("\n")
		writeDiagnosis(&b, *s.Diagnosis, now)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTargets(b *strings.Builder, targets []Target) {
	if len(targets) == 0 {
		b.WriteString("  (none registered)\n")
	}
	for _, t := range targets {
		line := fmt.Sprintf("  %-22s %-10s", fmt.Sprintf("%s:%d", t.ID, t.Port), t.State)
		if t.Reason != "" {
			line += fmt.Sprintf(" %s: %s", t.Reason, t.Description)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

func writeAlarms(b *strings.Builder, alarms []Alarm, now time.Time) {
	if len(alarms) == 0 {
		b.WriteString("  (not read)\n")
	}
	for _, a := range alarms {
		switch {
		case a.Missing():
			fmt.Fprintf(b, "  %-28s MISSING (the service stack creates it: go run ./ci plan)\n", a.Name)
		case a.State == StateOK:
			fmt.Fprintf(b, "  %-28s %s for %s\n", a.Name, a.State, age(now, a.Since))
		case a.State == StateInsufficientData:
			fmt.Fprintf(b, "  %-28s %s for %s (no datapoints: a quiet service has none)\n", a.Name, a.State, age(now, a.Since))
		default:
			fmt.Fprintf(b, "  %-28s %s for %s: %s\n", a.Name, a.State, age(now, a.Since), orNone(a.Reason))
		}
	}
}

func writeEvents(b *strings.Builder, events []Event, now time.Time) {
	if len(events) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, e := range events {
		fmt.Fprintf(b, "  %8s ago  %s\n", age(now, e.At), e.Message)
	}
}

// age is a duration as people read it: the largest unit only.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func lastPart(s, sep string) string {
	return s[strings.LastIndex(s, sep)+1:]
}
