package cloud

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/example/goship/ci/report"
)

// TestAlarmsByExactName: the four alarms come back in the contract's
// order, asked for by their exact names (a prefix would also match the
// alarms of app goship-dev), and one CloudWatch lacks is missing, not
// skipped.
func TestAlarmsByExactName(t *testing.T) {
	t.Parallel()
	cw := failedRollout().cloudWatch
	cw.alarms = slices.Delete(cw.alarms, 1, 2) // latency-p99 deleted by hand
	names := report.AlarmNames("goship", "dev")
	alarms, err := Alarms(t.Context(), cw, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(cw.askedAlarms) != 1 || !slices.Equal(cw.askedAlarms[0], names) {
		t.Errorf("asked for %v, want exactly %v", cw.askedAlarms, names)
	}
	var got []string
	for _, a := range alarms {
		got = append(got, a.Name+"="+a.State)
	}
	want := []string{"goship-dev-target-5xx=ALARM", "goship-dev-latency-p99=", "goship-dev-unhealthy-hosts=ALARM", "goship-dev-running-tasks=INSUFFICIENT_DATA"}
	if !slices.Equal(got, want) {
		t.Errorf("alarms = %v, want %v", got, want)
	}
	if !alarms[1].Missing() || !alarms[0].Since.Equal(now.Add(-9*time.Minute)) {
		t.Errorf("latency-p99 missing = %v; target-5xx since %s, want its state transition (9m ago), not its last update", alarms[1].Missing(), alarms[0].Since)
	}
}

// TestTraffic reads the target group's figures over the window as one
// period aligned to CloudWatch's minutes, with the load balancer and
// target group dimensions taken from their ARNs.
func TestTraffic(t *testing.T) {
	t.Parallel()
	a := healthy()
	c := a.clients()
	src, err := FindTrafficSource(t.Context(), c.ELB, a.service)
	if err != nil || src != (TrafficSource{LoadBalancer: "app/goship-dev/50dc6c495c0c9188", TargetGroup: "targetgroup/goship-dev/6d0ecf831eec9f09"}) {
		t.Fatalf("traffic source = %+v, %v", src, err)
	}
	from := now.Add(-2*time.Minute - 20*time.Second) // 10:27:40
	traffic, err := Traffic(t.Context(), c.CloudWatch, src, from, now)
	if err != nil {
		t.Fatal(err)
	}
	in := a.cloudWatch.metricInputs[0]
	if !aws.ToTime(in.StartTime).Equal(now.Add(-3*time.Minute)) || !aws.ToTime(in.EndTime).Equal(now.Add(time.Minute)) {
		t.Errorf("window %s to %s, want whole minutes around %s to %s", aws.ToTime(in.StartTime), aws.ToTime(in.EndTime), from, now)
	}
	for _, q := range in.MetricDataQueries {
		if aws.ToInt32(q.MetricStat.Period) != 240 {
			t.Errorf("%s: period %d s, want the whole window (240 s) as one", aws.ToString(q.Id), aws.ToInt32(q.MetricStat.Period))
		}
	}
	if got, want := traffic.Text(), "620 req/min, 5xx 0.1 % (2 of 1860), p99 84 ms"; got != want {
		t.Errorf("traffic = %q, want %q", got, want)
	}

	// moto has no percentiles, and a quiet minute has no datapoint: no p99.
	delete(a.cloudWatch.metrics, "TargetResponseTime")
	traffic, err = Traffic(t.Context(), c.CloudWatch, src, from, now)
	if err != nil || traffic.P99Ms != nil || strings.Contains(traffic.Text(), "p99") {
		t.Errorf("without a p99: %q, %v; want the figures without one", traffic.Text(), err)
	}
	a.cloudWatch.metrics = nil
	traffic, err = Traffic(t.Context(), c.CloudWatch, src, from, now)
	if err != nil || traffic.Text() != "no requests" {
		t.Errorf("without datapoints: %q, %v; want no requests", traffic.Text(), err)
	}
}

// TestAlarmHistoryCannotBeRead: a diagnosis says it cannot read the alarm
// history (moto lacks DescribeAlarmHistory; a role may lack the right)
// and keeps the rest.
func TestAlarmHistoryCannotBeRead(t *testing.T) {
	t.Parallel()
	a := failedRollout()
	a.cloudWatch.historyErr = errors.New("api error NotImplemented: DescribeAlarmHistory is not yet implemented")
	d, err := Diagnose(t.Context(), a.clients(), "goship-dev", "goship-dev", badImage, lastHour())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.StoppedTasks) != 3 || !strings.Contains(d.AlarmHistoryError, "DescribeAlarmHistory") {
		t.Errorf("diagnosis: %d stopped tasks, alarm history error %q; want the tasks and why the history is missing", len(d.StoppedTasks), d.AlarmHistoryError)
	}
	var out strings.Builder
	if err := report.DiagnosisText(&out, d, now); err != nil || !strings.Contains(out.String(), "(cannot read: cloudwatch:DescribeAlarmHistory goship-dev-target-5xx:") {
		t.Errorf("diagnosis text:\n%s\nwant it to say the alarm history cannot be read", out.String())
	}
}

// TestWatchLook is one poll of a bake: the alarms, the traffic since the
// bake began and ECS's own rollback of the watched task definition.
func TestWatchLook(t *testing.T) {
	t.Parallel()
	a := failedRollout()
	c := a.clients()
	w, err := StartWatch(t.Context(), c, "goship-dev", "goship-dev", report.AlarmNames("goship", "dev"))
	if err != nil {
		t.Fatal(err)
	}
	// The bake watched revision 8, which the circuit breaker failed.
	w.TaskDefinition = taskDefinitionARN(8)
	look, err := w.Look(t.Context(), c, now.Add(-5*time.Minute), now)
	if err != nil {
		t.Fatal(err)
	}
	if !look.ECS.RolledBack || len(look.Alarms) != 4 || look.Traffic.Requests != 1230 {
		t.Errorf("look = %+v; want ECS's rollback, four alarms and the requests", look)
	}
	if _, err := StartWatch(t.Context(), Clients{ECS: a, ELB: a}, "goship-dev", "goship-dev", nil); err == nil {
		t.Error("a watch without a CloudWatch client started")
	}
}
