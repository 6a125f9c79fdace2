package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/example/goship/ci/report"
)

// LogQuery is what `logs` reads: a log group from a time on, optionally
// through a CloudWatch filter pattern.
type LogQuery struct {
	Group  string
	Filter string
	Since  time.Time
}

// LogFollowInterval is how often a follow asks CloudWatch Logs again.
const LogFollowInterval = 2 * time.Second

// lateArrival is how far back each poll looks again. CloudWatch Logs
// indexes events a few seconds after their timestamp, so an event may turn
// up after a later one has been printed: asking again from the newest
// timestamp seen would skip it. Events already printed are remembered by
// ID for this window, so looking back never prints one twice.
const lateArrival = 30 * time.Second

// logCursor is where a follow stands: the events printed recently, by ID,
// with their timestamps, so the next poll can overlap the last without
// duplicates.
type logCursor struct {
	from time.Time
	seen map[string]time.Time
}

// Logs prints the group's events from q.Since on through emit, oldest
// first. With follow it keeps polling every interval until ctx ends, and
// then returns nil: Ctrl-C is how a follow ends.
func Logs(ctx context.Context, api LogsAPI, q LogQuery, follow bool, interval time.Duration, emit func(report.LogEvent) error) error {
	cursor := &logCursor{from: q.Since, seen: map[string]time.Time{}}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		err := poll(ctx, api, q, cursor, emit)
		if follow && ctx.Err() != nil {
			return nil
		}
		if err != nil || !follow {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// poll reads every event since the cursor (less the late-arrival window)
// and prints the ones not printed before, in timestamp order.
func poll(ctx context.Context, api LogsAPI, q LogQuery, cursor *logCursor, emit func(report.LogEvent) error) error {
	start := cursor.from
	if len(cursor.seen) > 0 {
		start = cursor.from.Add(-lateArrival)
	}
	var events []report.LogEvent
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(q.Group),
		StartTime:    aws.Int64(start.UnixMilli()),
	}
	if q.Filter != "" {
		in.FilterPattern = aws.String(q.Filter)
	}
	for {
		resp, err := api.FilterLogEvents(ctx, in)
		if err != nil {
			var notFound *types.ResourceNotFoundException
			if errors.As(err, &notFound) {
				return fmt.Errorf("log group %s does not exist: deploy the environment first (or check --app and --env)", q.Group)
			}
			return fmt.Errorf("logs:FilterLogEvents %s: %w", q.Group, err)
		}
		for _, e := range resp.Events {
			events = append(events, report.LogEvent{
				ID:      aws.ToString(e.EventId),
				Time:    time.UnixMilli(aws.ToInt64(e.Timestamp)),
				Stream:  aws.ToString(e.LogStreamName),
				Message: aws.ToString(e.Message),
			})
		}
		next := aws.ToString(resp.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = aws.String(next)
	}
	slices.SortStableFunc(events, func(a, b report.LogEvent) int { return a.Time.Compare(b.Time) })
	for _, e := range events {
		if _, ok := cursor.seen[e.ID]; ok {
			continue
		}
		if err := emit(e); err != nil {
			return err
		}
		cursor.seen[e.ID] = e.Time
		if e.Time.After(cursor.from) {
			cursor.from = e.Time
		}
	}
	for id, at := range cursor.seen {
		if at.Before(cursor.from.Add(-lateArrival)) {
			delete(cursor.seen, id)
		}
	}
	return nil
}
