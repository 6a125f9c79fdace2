package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// defaultBake is the watch an environment gets when --bake does not say:
// 5 minutes is one full evaluation of the service stack's alarms (3 bad
// one-minute periods of 5, plus CloudWatch's minute of lag); prod watches
// two, for faults that need real traffic to build up.
func defaultBake(environment string) time.Duration {
	if environment == "prod" {
		return 10 * time.Minute
	}
	return 5 * time.Minute
}

// bakePollInterval is how often a bake looks: every 30 s, twice per alarm
// period, so an alarm is seen within half a minute of firing, at three
// read-only calls a look; a bake shorter than 5 minutes (a rehearsal)
// still gets about ten looks.
func bakePollInterval(length time.Duration) time.Duration {
	return min(30*time.Second, max(length/10, 100*time.Millisecond))
}

// bakeReadFailures is how many looks in a row may fail to read before the
// bake gives up: the SDK has retried each call already, so three are
// minutes of blindness, not a throttled call.
const bakeReadFailures = 3

// bakeFailure marks a deploy whose bake failed; verdict says why and
// whether the image is to blame.
type bakeFailure struct{ verdict report.BakeVerdict }

func (e bakeFailure) Error() string { return "the bake failed: " + e.verdict.Why }

// errNotWatched marks a release that is live and applied, but whose bake
// an interrupt cut short.
var errNotWatched = errors.New("the release is live and applied, but its bake was interrupted: nobody watched it to the end")

// bake watches the release that settle found stable and serving, for
// --bake: every look reads the environment's alarms, the traffic since
// the bake started and ECS's deployments, prints one line, and
// report.JudgeBake decides. It returns what it saw, and a bakeFailure
// when an alarm (or ECS's own rollback, or blindness) failed it.
func bake(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service string) (*report.Bake, error) {
	length := p.cfg.bake
	if length == 0 {
		fmt.Fprintln(p.stdout, "  bake skipped (--bake 0): nothing watches the release's alarms after the smoke test")
		return &report.Bake{Length: "0s", Watched: "0s", Outcome: report.BakeSkipped}, nil
	}
	interval := cmp.Or(p.cfg.bakePoll, bakePollInterval(length))
	var b report.Bake
	err := p.steps.run(fmt.Sprintf("bake: watch the release's alarms and traffic for %s", length), func() error {
		var err error
		b, err = watch(ctx, p, clients, cluster, service, length, interval)
		return err
	})
	return &b, err
}

// watch is bake's loop, apart from the step around it.
func watch(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service string, length, interval time.Duration) (report.Bake, error) {
	started := p.now()
	b := report.Bake{Length: length.String(), Watched: "0s"}
	w, err := cloud.StartWatch(ctx, clients, cluster, service, report.AlarmNames(p.cfg.app, p.cfg.environment))
	if err != nil {
		b.Outcome = "cannot watch: " + report.FirstLine(err.Error())
		return b, bakeFailure{report.BakeVerdict{Fail: true, Why: fmt.Sprintf("cannot watch the release: %v "+
			"(it is live; go run ./ci status shows its alarms; --bake 0 deploys without the watch)", err)}}
	}
	failedReads := 0
	for {
		now := p.now()
		elapsed := now.Sub(started)
		look, err := w.Look(ctx, clients, started, now)
		switch {
		case ctx.Err() != nil:
			return interrupted(p, b, elapsed)
		case err != nil:
			failedReads++
			fmt.Fprintf(p.stdout, "  bake %s of %s: cannot read (%d of %d in a row): %v\n", elapsed.Round(time.Second), length, failedReads, bakeReadFailures, report.FirstLine(err.Error()))
			if failedReads >= bakeReadFailures {
				b.Outcome = "cannot watch: " + report.FirstLine(err.Error())
				return b, bakeFailure{report.BakeVerdict{Fail: true, Why: fmt.Sprintf("cannot read the release's alarms and traffic %d times in a row: %v "+
					"(it is live and was not rolled back; go run ./ci status shows its alarms, go run ./ci rollback puts the previous image back)", failedReads, err)}}
			}
		default:
			failedReads = 0
			b.Polls++
			b.Watched = elapsed.Round(time.Second).String()
			b.Traffic = &look.Traffic
			fmt.Fprintln(p.stdout, "  "+report.BakeLine(elapsed, length, look.Traffic, look.Alarms, started))
			if v := report.JudgeBake(look.Alarms, started, look.ECS); v.Fail {
				b.Alarm = v.Alarm
				b.Outcome = "failed: " + v.Why
				return b, bakeFailure{v}
			}
			if elapsed >= length {
				b.Outcome = report.BakePassed
				return b, nil
			}
		}
		wait := time.NewTimer(min(interval, max(length-elapsed, 0)))
		select {
		case <-ctx.Done():
			wait.Stop()
			return interrupted(p, b, p.now().Sub(started))
		case <-wait.C:
		}
	}
}

func interrupted(p *pipeline, b report.Bake, elapsed time.Duration) (report.Bake, error) {
	b.Watched = elapsed.Round(time.Second).String()
	b.Outcome = "interrupted: not watched to the end"
	fmt.Fprintf(p.stdout, "  bake interrupted after %s of %s: the release is live and applied, not watched further (go run ./ci status shows its alarms)\n", b.Watched, b.Length)
	return b, errNotWatched
}
