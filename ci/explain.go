package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// diagnosisTimeout bounds the calls that explain a failure: they run after
// the deploy has already failed, and must not hide that behind a hang.
const diagnosisTimeout = 30 * time.Second

// explainFailedRollout prints why the new tasks did not settle (their
// stopped reasons, exit codes and last log lines, the service events, the
// target health, what the alarms did since the deploy began at since) and
// adds it to the step summary.
func explainFailedRollout(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service, image string, since time.Time) {
	explainRollout(ctx, p, clients, cluster, service, image, since, false)
}

// explainFailedApply does the same after a failed apply of the service
// stack, but only when tasks of the new image have stopped: Terraform
// waits for the service too, and its own error then says only that the
// wait failed. Any other apply failure is Terraform's to explain.
func explainFailedApply(ctx context.Context, p *pipeline, image string, since time.Time) {
	name := serviceName(p.cfg)
	explainRollout(ctx, p, p.clients(), name, name, image, since, true)
}

func explainRollout(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service, image string, since time.Time, onlyStoppedTasks bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnosisTimeout)
	defer cancel()
	window := cloud.AlarmWindow{Names: report.AlarmNames(p.cfg.app, p.cfg.environment), From: since, To: p.now()}
	d, err := cloud.Diagnose(ctx, clients, cluster, service, image, window)
	if onlyStoppedTasks && (err != nil || len(d.StoppedTasks) == 0) {
		return
	}
	if err != nil {
		fmt.Fprintf(p.stdout, "  cannot explain the failure: %v\n", err)
		return
	}
	var text strings.Builder
	if err := report.DiagnosisText(&text, d, p.now()); err == nil {
		fmt.Fprintf(p.stdout, "\n%s\n", text.String())
	}
	p.result.Sections = append(p.result.Sections, report.Section{
		Title: "Why the deployment failed", Markdown: report.DiagnosisMarkdown(d, p.now()),
	})
}

// explainFailedSmoke prints what the load balancer thinks of the targets:
// the smoke test's error already holds the last answer (status and the
// start of its body).
func explainFailedSmoke(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service string, smokeErr error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnosisTimeout)
	defer cancel()
	svc, err := cloud.DescribeService(ctx, clients.ECS, cluster, service)
	if err != nil {
		fmt.Fprintf(p.stdout, "  cannot read the target health: %v\n", err)
		return
	}
	targets, err := cloud.TargetHealth(ctx, clients.ELB, svc)
	if err != nil {
		fmt.Fprintf(p.stdout, "  cannot read the target health: %v\n", err)
		return
	}
	text := report.SmokeFailureText(smokeErr.Error(), targets)
	fmt.Fprintf(p.stdout, "\n%s\n", text)
	p.result.Sections = append(p.result.Sections, report.Section{
		Title: "Why the smoke test failed", Markdown: "```text\n" + text + "```\n",
	})
}

// explainFailedBake prints what the alarms did during the bake that
// failed, from CloudWatch's own history, and adds the verdict with it to
// the step summary. DescribeAlarmHistory that cannot be read is said, not
// fatal: the verdict already names the alarm.
func explainFailedBake(ctx context.Context, p *pipeline, clients cloud.Clients, verdict report.BakeVerdict, watched *report.Bake, started time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnosisTimeout)
	defer cancel()
	var events []report.AlarmEvent
	var err error
	if clients.CloudWatch == nil {
		err = errors.New("no CloudWatch client")
	} else {
		events, err = cloud.AlarmHistory(ctx, clients.CloudWatch, report.AlarmNames(p.cfg.app, p.cfg.environment), started, p.now())
	}
	text := "Why: " + verdict.Why + "\n"
	if watched != nil && watched.Traffic != nil {
		text += fmt.Sprintf("Traffic over the %s watched: %s\n", watched.Watched, watched.Traffic.Text())
	}
	text += report.AlarmHistoryText(events, err)
	fmt.Fprintf(p.stdout, "\n%s\n", text)
	p.result.Sections = append(p.result.Sections, report.Section{
		Title: "Why the bake failed", Markdown: "```text\n" + text + "```\n",
	})
}
