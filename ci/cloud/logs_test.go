package cloud

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/example/goship/ci/report"
)

// ingestingGroup is a log group whose events arrive in batches, one batch
// before each poll, as CloudWatch Logs indexes them: an event may arrive
// after a later one was already returned. It answers FilterLogEvents as
// the service does: every event from StartTime on, two per page. After the
// last batch has been read it ends the follow, as Ctrl-C would.
type ingestingGroup struct {
	batches [][]logstypes.FilteredLogEvent
	events  []logstypes.FilteredLogEvent
	polls   int
	starts  []int64 // StartTime of each poll
	stop    context.CancelFunc
}

func (g *ingestingGroup) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	if in.NextToken == nil {
		if g.polls == len(g.batches) {
			g.stop()
			return nil, context.Canceled
		}
		g.events = append(g.events, g.batches[g.polls]...)
		g.polls++
		g.starts = append(g.starts, aws.ToInt64(in.StartTime))
	}
	var matching []logstypes.FilteredLogEvent
	for _, e := range g.events {
		if aws.ToInt64(e.Timestamp) >= aws.ToInt64(in.StartTime) {
			matching = append(matching, e)
		}
	}
	slices.SortStableFunc(matching, func(a, b logstypes.FilteredLogEvent) int {
		return int(aws.ToInt64(a.Timestamp) - aws.ToInt64(b.Timestamp))
	})
	from := 0
	if in.NextToken != nil {
		from, _ = strconv.Atoi(*in.NextToken)
	}
	to := min(from+2, len(matching))
	out := &cloudwatchlogs.FilterLogEventsOutput{Events: matching[from:to]}
	if to < len(matching) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

func (g *ingestingGroup) GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	return nil, errors.New("not used")
}

func event(id string, at time.Time) logstypes.FilteredLogEvent {
	return logstypes.FilteredLogEvent{EventId: aws.String(id), Timestamp: aws.Int64(at.UnixMilli()),
		LogStreamName: aws.String("api/api/0b7e1f3c"), Message: aws.String(`{"msg":"` + id + `"}`)}
}

// TestLogsFollowAcrossPolls: every event once, none lost, across polls
// that see the same events again (an overlap at the boundary timestamp,
// two events at one millisecond, pages) and an event that arrives late.
func TestLogsFollowAcrossPolls(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	group := &ingestingGroup{stop: cancel, batches: [][]logstypes.FilteredLogEvent{
		{event("a", t0), event("b", t0.Add(time.Second))},
		{event("c", t0.Add(time.Second)), event("d", t0.Add(2*time.Second)), event("e", t0.Add(3*time.Second))},
		{event("late", t0.Add(1500*time.Millisecond))},
		{},
	}}
	var got []string
	err := Logs(ctx, group, LogQuery{Group: "/ecs/goship-dev", Since: t0}, true, time.Millisecond, func(e report.LogEvent) error {
		got = append(got, strings.Trim(e.Message, `{}":msg`))
		return nil
	})
	if err != nil {
		t.Fatalf("a follow ended by Ctrl-C returned %v, want nil", err)
	}
	if want := []string{"a", "b", "c", "d", "e", "late"}; !slices.Equal(got, want) {
		t.Errorf("printed %q, want %q: each event exactly once", got, want)
	}
	if group.starts[0] != t0.UnixMilli() {
		t.Errorf("first poll from %d, want --since %d", group.starts[0], t0.UnixMilli())
	}
	if want := t0.Add(time.Second - lateArrival).UnixMilli(); group.starts[1] != want {
		t.Errorf("second poll from %d, want the newest timestamp less the late-arrival window, %d", group.starts[1], want)
	}
}

// TestLogsOnce prints what is there and returns, without following.
func TestLogsOnce(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	group := &ingestingGroup{stop: func() {}, batches: [][]logstypes.FilteredLogEvent{{event("a", t0), event("b", t0), event("c", t0)}}}
	var n int
	err := Logs(t.Context(), group, LogQuery{Group: "/ecs/goship-dev", Since: t0}, false, time.Hour, func(report.LogEvent) error { n++; return nil })
	if err != nil || n != 3 || group.polls != 1 {
		t.Errorf("printed %d events in %d polls, err %v; want 3 in 1", n, group.polls, err)
	}
}

func TestLogsMissingGroup(t *testing.T) {
	t.Parallel()
	err := Logs(t.Context(), missingGroup{}, LogQuery{Group: "/ecs/goship-prod"}, false, time.Hour, func(report.LogEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "log group /ecs/goship-prod does not exist") {
		t.Errorf("err = %v, want one naming the missing group", err)
	}
}

type missingGroup struct{ *ingestingGroup }

func (missingGroup) FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	return nil, &logstypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
}
