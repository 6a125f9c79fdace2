package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// The bake is the watch after a deploy's smoke test: for its length the
// pipeline reads the service's alarms and what the load balancer measures,
// and fails the deploy on an alarm. This file decides; ci/cloud reads and
// the pipeline (ci) acts.

// Traffic is what the load balancer measured for the service's target
// group over a window: the figures a bake line, a history entry and
// status show.
type Traffic struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Requests  float64   `json:"requests"`
	Target5xx float64   `json:"target_5xx"` // requests the tasks answered 5xx
	// P99Ms is the 99th percentile of the response time, in milliseconds;
	// none when nothing was measured (no request).
	P99Ms *float64 `json:"p99_ms,omitempty"`
	// Derived from the above, for scripts reading --json.
	RequestsPerMinute float64  `json:"requests_per_minute"`
	Target5xxPercent  *float64 `json:"target_5xx_percent,omitempty"` // none without a request
}

// MeasuredTraffic is the traffic of window [from, to) with its rate and
// 5xx share worked out.
func MeasuredTraffic(from, to time.Time, requests, target5xx float64, p99Ms *float64) Traffic {
	t := Traffic{From: from, To: to, Requests: requests, Target5xx: target5xx, P99Ms: p99Ms}
	if minutes := to.Sub(from).Minutes(); minutes > 0 {
		t.RequestsPerMinute = requests / minutes
	}
	if requests > 0 {
		share := 100 * target5xx / requests
		t.Target5xxPercent = &share
	}
	return t
}

// Text is the figures on one line: "12.5 req/min, 5xx 0.8 % (1 of 125),
// p99 84 ms". The load balancer publishes nothing for a minute without
// a request, so a quiet service reads "no requests", not zeros.
func (t Traffic) Text() string {
	if t.Requests == 0 {
		return "no requests"
	}
	text := fmt.Sprintf("%s req/min, 5xx %s %% (%s of %s)", number(t.RequestsPerMinute), number(*t.Target5xxPercent), number(t.Target5xx), number(t.Requests))
	if t.P99Ms != nil {
		text += fmt.Sprintf(", p99 %s ms", number(*t.P99Ms))
	}
	return text
}

// number prints a figure with as many decimals as it needs to be read:
// none for whole numbers, one otherwise.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// ECSRollback is what ECS says of the deployment being baked.
type ECSRollback struct {
	RolledBack bool
	Reason     string // ECS's rolloutStateReason, or what showed it
}

// ECSAlarmRollback reads from the service's deployments whether ECS has
// given up the deployment of taskDefinition, the one the bake watches:
// with deployment alarms (and the circuit breaker) set to roll back, ECS
// marks that deployment FAILED and starts a new PRIMARY deployment of the
// previous task definition, and once that one is done the FAILED one is
// gone. So either sign is a rollback: our deployment FAILED, or a PRIMARY
// deployment of another task definition.
func ECSAlarmRollback(deployments []Deployment, taskDefinition string) ECSRollback {
	for _, d := range deployments {
		if d.TaskDefinition == taskDefinition && d.RolloutState == "FAILED" {
			return ECSRollback{RolledBack: true, Reason: "ECS marked the deployment FAILED: " + orNone(d.RolloutReason)}
		}
	}
	for _, d := range deployments {
		if d.Status == "PRIMARY" && d.TaskDefinition != taskDefinition {
			reason := fmt.Sprintf("ECS runs %s again instead of %s", lastPart(d.TaskDefinition, "/"), lastPart(taskDefinition, "/"))
			if d.RolloutReason != "" {
				reason += ": " + d.RolloutReason
			}
			return ECSRollback{RolledBack: true, Reason: reason}
		}
	}
	return ECSRollback{}
}

// BakeVerdict is what one poll of a bake decides.
type BakeVerdict struct {
	Fail bool
	// RollBack: the release is to blame, so the previous image goes back.
	// A bake that cannot see (an alarm missing) fails without it.
	RollBack bool
	Alarm    string // the alarm that failed the bake, when one did
	Why      string // one line
}

// JudgeBake decides one poll of a bake of a deploy that started at
// started. An alarm in ALARM fails it, and so does ECS rolling the
// deployment back (by its deployment alarms, or its circuit breaker).
//
// INSUFFICIENT_DATA is not a failure: a quiet service has no datapoints,
// and neither does a new alarm.
//
// An alarm that has been in ALARM since before the deploy started is not
// this release's doing, and does not fail it: a deploy that fixes what
// raised it must be able to go out, and the rollback after a failed bake
// starts with the alarm that failed it still in ALARM (its metrics lag the
// release by minutes). It fails the bake again when it goes back into
// ALARM during it.
//
// An alarm that does not exist fails the bake without a rollback: the
// bake cannot see, and the image is not to blame.
func JudgeBake(alarms []Alarm, started time.Time, ecs ECSRollback) BakeVerdict {
	var missing []string
	for _, a := range alarms {
		if a.Missing() {
			missing = append(missing, a.Name)
		}
	}
	if len(missing) > 0 {
		return BakeVerdict{Fail: true, Why: fmt.Sprintf("CloudWatch has no alarm %s, which the service stack creates: the bake cannot watch the release "+
			"(go run ./ci plan shows what is missing; deploy again to create it, or pass --bake 0 to deploy unwatched)", strings.Join(missing, ", "))}
	}
	for _, a := range alarms {
		if a.State == StateAlarm && !a.Since.Before(started) {
			return BakeVerdict{Fail: true, RollBack: true, Alarm: a.Name,
				Why: fmt.Sprintf("alarm %s went into ALARM at %s: %s", a.Name, clock(a.Since), orNone(a.Reason))}
		}
	}
	if ecs.RolledBack {
		v := BakeVerdict{Fail: true, RollBack: true, Why: "ECS rolled the deployment back: " + ecs.Reason}
		// ECS names no alarm in the deployment: the deployment alarms in
		// ALARM now are the likely cause, whenever they went in.
		for _, a := range alarms {
			if a.State == StateAlarm {
				v.Alarm = a.Name
				v.Why += fmt.Sprintf("; alarm %s is in ALARM: %s", a.Name, orNone(a.Reason))
				break
			}
		}
		return v
	}
	return BakeVerdict{}
}

// clock is a time of day in UTC, enough to line up with the bake's lines.
func clock(t time.Time) string { return t.UTC().Format("15:04:05Z") }

// BakeLine is what the bake prints at each poll: how far it is, the
// traffic since it started, and every alarm's state, with what
// INSUFFICIENT_DATA and an older ALARM mean, so nobody reads them as a
// failure that was overlooked.
func BakeLine(elapsed, length time.Duration, traffic Traffic, alarms []Alarm, started time.Time) string {
	var states []string
	quiet, older := false, false
	for _, a := range alarms {
		state := a.State
		switch {
		case a.Missing():
			state = "MISSING"
		case a.State == StateInsufficientData:
			quiet = true
		case a.State == StateAlarm && a.Since.Before(started):
			state += " (since " + clock(a.Since) + ", before this deploy)"
			older = true
		}
		states = append(states, a.shortName()+" "+state)
	}
	line := fmt.Sprintf("bake %s of %s: %s; alarms: %s", roundDuration(elapsed), roundDuration(length), traffic.Text(), strings.Join(states, ", "))
	if quiet {
		line += " (INSUFFICIENT_DATA: no datapoints yet, as for a quiet service; not a failure)"
	}
	if older {
		line += " (an ALARM from before this deploy is not counted against it)"
	}
	return line
}

func roundDuration(d time.Duration) time.Duration { return d.Round(time.Second) }

// Bake is what a bake saw, kept in the history entry of the deploy and
// shown in the step summary.
type Bake struct {
	Length  string   `json:"length"`  // as asked: "10m0s"
	Watched string   `json:"watched"` // until it ended: the length, or less when it failed
	Polls   int      `json:"polls"`
	Traffic *Traffic `json:"traffic,omitempty"` // over the time watched
	Alarm   string   `json:"alarm,omitempty"`   // the alarm that failed it
	Outcome string   `json:"outcome"`           // passed, or why it failed
}

// The outcomes of a bake besides the reason it failed.
const (
	BakePassed  = "passed"
	BakeSkipped = "skipped (--bake 0)"
)

// Text is the bake in one line, for the run summary.
func (b Bake) Text() string {
	if b.Outcome == BakeSkipped {
		return b.Outcome
	}
	text := fmt.Sprintf("%s of %s watched, %d polls", b.Watched, b.Length, b.Polls)
	if b.Traffic != nil {
		text += ": " + b.Traffic.Text()
	}
	return text + "; " + b.Outcome
}

// shortText is the bake in a history table's cell.
func (b *Bake) shortText() string {
	if b == nil {
		return "-"
	}
	if b.Outcome == BakeSkipped || b.Traffic == nil {
		return b.Watched
	}
	return b.Watched + ", " + b.Traffic.Text()
}

// OutcomeRolledBackByAlarm is the outcome of a deploy whose bake an alarm
// failed and whose previous image went back; alarm is empty when ECS
// rolled back without an alarm in ALARM by the time the bake looked.
func OutcomeRolledBackByAlarm(alarm string) string {
	if alarm == "" {
		return OutcomeRolledBackByECSAlarm
	}
	return OutcomeRolledBackByAlarmPrefix + alarm
}

// The outcomes of a deploy that a bake failed.
const (
	OutcomeRolledBackByAlarmPrefix = "rolled back by alarm "
	OutcomeRolledBackByECSAlarm    = "rolled back by ECS deployment alarms"
	// OutcomeBakeFailed: the bake failed and nothing was rolled back (an
	// alarm the bake could not read, or a rollback's own bake).
	OutcomeBakeFailed = "failed its bake"
)
