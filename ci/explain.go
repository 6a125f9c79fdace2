package main

import (
	"context"
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
// target health) and adds it to the step summary.
func explainFailedRollout(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service, image string) {
	explainRollout(ctx, p, clients, cluster, service, image, false)
}

// explainFailedApply does the same after a failed apply of the service
// stack, but only when tasks of the new image have stopped: Terraform
// waits for the service too, and its own error then says only that the
// wait failed. Any other apply failure is Terraform's to explain.
func explainFailedApply(ctx context.Context, p *pipeline, image string) {
	name := serviceName(p.cfg)
	explainRollout(ctx, p, cloud.NewClients(p.aws.Config), name, name, image, true)
}

func explainRollout(ctx context.Context, p *pipeline, clients cloud.Clients, cluster, service, image string, onlyStoppedTasks bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnosisTimeout)
	defer cancel()
	d, err := cloud.Diagnose(ctx, clients, cluster, service, image)
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
