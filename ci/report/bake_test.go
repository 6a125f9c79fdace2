package report

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestAlarmNames: exact names per app and environment, never one that
// another app's environment could share (goship dev vs goship-dev).
func TestAlarmNames(t *testing.T) {
	t.Parallel()
	want := []string{"goship-dev-target-5xx", "goship-dev-latency-p99", "goship-dev-unhealthy-hosts", "goship-dev-running-tasks"}
	if got := AlarmNames("goship", "dev"); !reflect.DeepEqual(got, want) {
		t.Errorf("AlarmNames = %q, want %q", got, want)
	}
	if got := DeploymentAlarmNames("goship", "dev"); !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("DeploymentAlarmNames = %q, want the 5xx and latency alarms", got)
	}
	for _, other := range AlarmNames("goship-dev", "prod") {
		for _, mine := range want {
			if other == mine {
				t.Errorf("app goship-dev env prod shares alarm %s with goship dev", other)
			}
		}
	}
	if got, want := DashboardURL("eu-west-1", "goship", "dev"), "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/goship-dev"; got != want {
		t.Errorf("DashboardURL = %s, want %s", got, want)
	}
}

var deployStart = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

func alarms(states ...string) []Alarm {
	var out []Alarm
	for i, name := range AlarmNames("goship", "dev") {
		a := Alarm{Name: name, State: StateOK, Since: deployStart.Add(-time.Hour)}
		if i < len(states) && states[i] != "" {
			a.State = states[i]
			a.Since = deployStart.Add(2 * time.Minute)
			a.Reason = "Threshold Crossed: 3 out of the last 5 datapoints [8.3 (06/12/26 08:01:00)] were greater than the threshold (2.0)."
		}
		out = append(out, a)
	}
	return out
}

func TestJudgeBake(t *testing.T) {
	t.Parallel()
	older := alarms()
	older[1].State, older[1].Since = StateAlarm, deployStart.Add(-5*time.Minute)
	missing := alarms()
	missing[3].State = ""
	tests := []struct {
		name     string
		alarms   []Alarm
		ecs      ECSRollback
		fail     bool
		rollBack bool
		alarm    string
		why      string
	}{
		{name: "all OK continues", alarms: alarms()},
		{name: "INSUFFICIENT_DATA is a quiet service, not a failure", alarms: alarms(StateInsufficientData, StateInsufficientData, StateInsufficientData, StateInsufficientData)},
		{name: "the 5xx alarm in ALARM fails and rolls back", alarms: alarms(StateAlarm), fail: true, rollBack: true,
			alarm: "goship-dev-target-5xx", why: "alarm goship-dev-target-5xx went into ALARM at 08:02:00Z: Threshold Crossed"},
		{name: "a cause alarm fails too", alarms: alarms("", "", "", StateAlarm), fail: true, rollBack: true, alarm: "goship-dev-running-tasks"},
		{name: "the first alarm in order is named", alarms: alarms("", StateAlarm, StateAlarm), fail: true, rollBack: true, alarm: "goship-dev-latency-p99"},
		{name: "an ALARM from before the deploy is not this release's", alarms: older},
		{name: "ECS rolled back: fails, names the alarm in ALARM", alarms: older, ecs: ECSRollback{RolledBack: true, Reason: "ECS marked the deployment FAILED: alarm detected"},
			fail: true, rollBack: true, alarm: "goship-dev-latency-p99", why: "ECS rolled the deployment back: ECS marked the deployment FAILED: alarm detected; alarm goship-dev-latency-p99 is in ALARM"},
		{name: "ECS rolled back with every alarm OK again", alarms: alarms(), ecs: ECSRollback{RolledBack: true, Reason: "x"}, fail: true, rollBack: true},
		{name: "a missing alarm fails without a rollback", alarms: missing, fail: true, why: "CloudWatch has no alarm goship-dev-running-tasks"},
	}
	for _, tt := range tests {
		v := JudgeBake(tt.alarms, deployStart, tt.ecs)
		if v.Fail != tt.fail || v.RollBack != tt.rollBack || v.Alarm != tt.alarm || !strings.Contains(v.Why, tt.why) {
			t.Errorf("%s: %+v, want fail %v, roll back %v, alarm %q, why containing %q", tt.name, v, tt.fail, tt.rollBack, tt.alarm, tt.why)
		}
	}
}

func TestECSAlarmRollback(t *testing.T) {
	t.Parallel()
	const ours, previous = "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:8", "arn:aws:ecs:eu-west-1:123456789012:task-definition/goship-dev:7"
	tests := []struct {
		name        string
		deployments []Deployment
		want        bool
		reason      string
	}{
		{name: "ours, completed", deployments: []Deployment{{Status: "PRIMARY", RolloutState: "COMPLETED", TaskDefinition: ours}}},
		{name: "ours failed, ECS rolling back", want: true, reason: "FAILED: alarm goship-dev-target-5xx in ALARM",
			deployments: []Deployment{{Status: "PRIMARY", RolloutState: "IN_PROGRESS", TaskDefinition: previous},
				{Status: "ACTIVE", RolloutState: "FAILED", RolloutReason: "alarm goship-dev-target-5xx in ALARM", TaskDefinition: ours}}},
		{name: "rollback done: the previous one is PRIMARY", want: true, reason: "ECS runs goship-dev:7 again instead of goship-dev:8",
			deployments: []Deployment{{Status: "PRIMARY", RolloutState: "COMPLETED", TaskDefinition: previous}}},
	}
	for _, tt := range tests {
		got := ECSAlarmRollback(tt.deployments, ours)
		if got.RolledBack != tt.want || !strings.Contains(got.Reason, tt.reason) {
			t.Errorf("%s: %+v, want rolled back %v, reason containing %q", tt.name, got, tt.want, tt.reason)
		}
	}
}

func p99(ms float64) *float64 { return &ms }

func TestTrafficText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		traffic Traffic
		want    string
	}{
		{name: "quiet", traffic: MeasuredTraffic(deployStart, deployStart.Add(3*time.Minute), 0, 0, nil), want: "no requests"},
		{name: "busy", traffic: MeasuredTraffic(deployStart, deployStart.Add(2*time.Minute), 250, 5, p99(84.2)), want: "125 req/min, 5xx 2 % (5 of 250), p99 84.2 ms"},
		{name: "no latency figure yet", traffic: MeasuredTraffic(deployStart, deployStart.Add(4*time.Minute), 10, 0, nil), want: "2.5 req/min, 5xx 0 % (0 of 10)"},
	}
	for _, tt := range tests {
		if got := tt.traffic.Text(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBakeLine(t *testing.T) {
	t.Parallel()
	traffic := MeasuredTraffic(deployStart, deployStart.Add(2*time.Minute), 250, 5, p99(84))
	quiet := alarms("", "", StateInsufficientData)
	older := alarms()
	older[0].State, older[0].Since = StateAlarm, deployStart.Add(-5*time.Minute)
	tests := []struct {
		name   string
		alarms []Alarm
		want   string
	}{
		{name: "all OK", alarms: alarms(),
			want: "bake 1m30s of 10m0s: 125 req/min, 5xx 2 % (5 of 250), p99 84 ms; alarms: target-5xx OK, latency-p99 OK, unhealthy-hosts OK, running-tasks OK"},
		{name: "INSUFFICIENT_DATA says it is no failure", alarms: quiet,
			want: "unhealthy-hosts INSUFFICIENT_DATA, running-tasks OK (INSUFFICIENT_DATA: no datapoints yet, as for a quiet service; not a failure)"},
		{name: "an older ALARM says it is not counted", alarms: older,
			want: "target-5xx ALARM (since 07:55:00Z, before this deploy)"},
	}
	for _, tt := range tests {
		got := BakeLine(90*time.Second, 10*time.Minute, traffic, tt.alarms, deployStart)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s:\n%s\nwant it to contain\n%s", tt.name, got, tt.want)
		}
	}
}

// TestDeployBakeJSON: entries written before the bake existed still read,
// and a bake's figures survive the round trip through the history.
func TestDeployBakeJSON(t *testing.T) {
	t.Parallel()
	var old Deploy
	if err := json.Unmarshal([]byte(`{"time":"2026-11-29T10:30:00Z","kind":"deploy","image":"`+image('a')+`","caller":"x","outcome":"live"}`), &old); err != nil || old.Bake != nil {
		t.Fatalf("an entry without a bake: %+v, %v", old, err)
	}
	traffic := MeasuredTraffic(deployStart, deployStart.Add(10*time.Minute), 1200, 3, p99(91))
	d := Deploy{Kind: KindDeploy, Image: image('b'), Outcome: OutcomeLive, Bake: &Bake{Length: "10m0s", Watched: "10m0s", Polls: 21, Traffic: &traffic, Outcome: BakePassed}}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Deploy
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back.Bake, d.Bake) {
		t.Errorf("round trip: %+v, %v; want %+v", back.Bake, err, d.Bake)
	}
	if strings.Contains(string(mustMarshal(t, Deploy{Outcome: OutcomeLive})), "bake") {
		t.Error("an entry without a bake writes a bake field")
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRolledBackByAlarmIsNoRollbackTarget: a deploy that its bake rolled
// back is never what rollback goes back to.
func TestRolledBackByAlarmIsNoRollbackTarget(t *testing.T) {
	t.Parallel()
	history := []Deploy{
		{Kind: KindRollback, Image: image('a'), Outcome: OutcomeLive},
		{Kind: KindDeploy, Image: image('b'), Outcome: OutcomeRolledBackByAlarm("goship-dev-target-5xx")},
		{Kind: KindDeploy, Image: image('a'), Outcome: OutcomeLive},
		{Kind: KindDeploy, Image: image('d'), Outcome: OutcomeLive},
	}
	got, err := RollbackTarget(history, image('a'), "")
	if err != nil || got.Image != image('d') {
		t.Errorf("RollbackTarget = %s, %v; want D, never the rolled-back B", got.Image, err)
	}
	if OutcomeRolledBackByAlarm("goship-dev-target-5xx") != "rolled back by alarm goship-dev-target-5xx" || OutcomeRolledBackByAlarm("") != OutcomeRolledBackByECSAlarm {
		t.Errorf("outcomes: %q, %q", OutcomeRolledBackByAlarm("goship-dev-target-5xx"), OutcomeRolledBackByAlarm(""))
	}
}

func TestBakeText(t *testing.T) {
	t.Parallel()
	traffic := MeasuredTraffic(deployStart, deployStart.Add(time.Minute), 60, 6, p99(120))
	tests := []struct {
		bake Bake
		want string
	}{
		{bake: Bake{Outcome: BakeSkipped}, want: "skipped (--bake 0)"},
		{bake: Bake{Length: "10m0s", Watched: "1m0s", Polls: 3, Traffic: &traffic, Alarm: "goship-dev-target-5xx", Outcome: "alarm goship-dev-target-5xx went into ALARM"},
			want: "1m0s of 10m0s watched, 3 polls: 60 req/min, 5xx 10 % (6 of 60), p99 120 ms; alarm goship-dev-target-5xx went into ALARM"},
	}
	for _, tt := range tests {
		if got := tt.bake.Text(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}
