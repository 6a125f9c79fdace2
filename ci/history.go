package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// history lists the environment's deploys, newest first.
func history(ctx context.Context, p *pipeline) error {
	entries, err := cloud.History(ctx, cloud.NewClients(p.aws.Config).S3, p.cfg.stateBucket, p.cfg.app, p.cfg.environment)
	if err != nil {
		return err
	}
	if p.cfg.asJSON {
		enc := json.NewEncoder(p.stdout)
		enc.SetIndent("", "  ")
		if entries == nil {
			entries = []report.Deploy{}
		}
		return enc.Encode(entries)
	}
	return report.HistoryText(p.stdout, entries)
}

// deployRecord is the history entry of a deploy of image that ended with
// err (nil: live). The outcome says which step stopped it.
func deployRecord(p *pipeline, kind, image, commit, version string, err error) report.Deploy {
	d := report.Deploy{
		Time:    p.now().UTC(),
		Kind:    kind,
		Image:   image,
		Commit:  commit,
		Version: version,
		Outcome: report.OutcomeLive,
		Actor:   p.getenv("GITHUB_ACTOR"),
		RunURL:  githubRunURL(p.getenv),

		Signature:  p.result.Signature,
		Unverified: p.result.Unverified,
	}
	if p.aws != nil {
		d.Caller = p.aws.ARN
	}
	var smoke smokeFailure
	var baked bakeFailure
	switch {
	case err == nil:
	case errors.As(err, &baked) && baked.verdict.RollBack && kind != report.KindRollback:
		d.Outcome = report.OutcomeRolledBackByAlarm(baked.verdict.Alarm)
	case errors.As(err, &baked):
		d.Outcome = report.OutcomeBakeFailed
	case errors.Is(err, errNotWatched):
		d.Outcome = report.OutcomeNotWaited
	case errors.Is(err, cloud.ErrRolledBack):
		d.Outcome = report.OutcomeRolledBack
	case errors.As(err, &smoke):
		d.Outcome = report.OutcomeSmokeFail
	case errors.Is(err, errFinishedAfterInterrupt):
		d.Outcome = report.OutcomeNotWaited
	default:
		d.Outcome = report.OutcomeFailed
	}
	if err != nil {
		d.Detail = report.FirstLine(err.Error())
	}
	return d
}

// githubRunURL links the workflow run that deployed, in GitHub Actions.
func githubRunURL(getenv func(string) string) string {
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
}

// recordDeploy writes the entry; a deploy that worked but cannot be
// recorded fails, since rollback reads its targets from the history.
func recordDeploy(ctx context.Context, p *pipeline, d report.Deploy) error {
	err := cloud.RecordDeploy(ctx, cloud.NewClients(p.aws.Config).S3, p.cfg.stateBucket, p.cfg.app, p.cfg.environment, p.runID, d)
	if err != nil {
		return fmt.Errorf("%w (the deploy itself ended %s)", err, d.Outcome)
	}
	fmt.Fprintf(p.stdout, "  recorded in the deploy history: %s %s, %s\n", d.Kind, report.Digest(d.Image), d.Outcome)
	return nil
}

// smokeFailure marks a deploy stopped by its smoke test.
type smokeFailure struct{ err error }

func (e smokeFailure) Error() string { return e.err.Error() }
func (e smokeFailure) Unwrap() error { return e.err }
