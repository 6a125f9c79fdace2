package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dagger.io/dagger"
	"golang.org/x/sync/errgroup"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// planChanges is the outcome of a plan that would change something: main
// exits 2 for it, as terraform plan -detailed-exitcode does, so that a
// scheduled workflow fails on drift.
type planChanges struct{ stacks []string }

func (e planChanges) Error() string {
	return fmt.Sprintf("the %s stack would change: drift, or changes not yet deployed (exit 2)", strings.Join(e.stacks, " and "))
}

// plan shows what a deploy would change without changing anything: a
// terraform plan of the registry and service stacks, with the image a
// deploy would keep (the one running, or --image), summarised per stack.
// No plan takes the state lock (lockFreePlanArgs), so a read-only role can
// run it and it never holds up a deploy.
func plan(ctx context.Context, p *pipeline) error {
	image := p.cfg.image
	if image == "" {
		return errors.New("plan has no image: choosePlanImage did not run")
	}
	p.result.Image = image
	st := []stack{registryStack, serviceStack}
	plans := make([]report.StackPlan, len(st))
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range st {
		g.Go(func() error {
			return p.steps.run("plan the "+s.name+" stack", func() error {
				var err error
				plans[i], err = planStack(gctx, p, s, image)
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := report.PlanText(p.stdout, plans); err != nil {
		return err
	}
	p.result.Sections = append(p.result.Sections, report.Section{Title: "Plan", Markdown: report.PlanMarkdown(plans)})
	err := planOutcome(plans)
	if err != nil {
		p.result.Outcome = "found changes"
	}
	return err
}

// planOutcome is nil when no stack would change, and planChanges (exit 2)
// naming the stacks that would.
func planOutcome(plans []report.StackPlan) error {
	var changed []string
	for _, sp := range plans {
		if sp.Changed() {
			changed = append(changed, sp.Stack)
		}
	}
	if len(changed) > 0 {
		return planChanges{stacks: changed}
	}
	return nil
}

// choosePlanImage settles the image the service stack is planned with,
// before the engine starts: --image, or the one the service runs now.
func choosePlanImage(ctx context.Context, p *pipeline) error {
	if p.cfg.image != "" {
		return nil
	}
	ecs := cloud.NewClients(p.aws.Config).ECS
	name := serviceName(p.cfg)
	svc, err := cloud.DescribeService(ctx, ecs, name, name)
	if errors.Is(err, cloud.ErrNoService) {
		return usagef("%v: plan needs the image a deploy would run; pass --image <repository>@sha256:...", err)
	}
	if err != nil {
		return err
	}
	image, err := cloud.RunningImage(ctx, ecs, svc)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "Planning with the running image %s\n", image)
	p.cfg.image = image
	return nil
}

// planStack plans one stack into a saved plan and reads it back as JSON
// (and as text, when asked for).
func planStack(ctx context.Context, p *pipeline, st stack, image string) (report.StackPlan, error) {
	tf, err := awsTerraform(ctx, p, p.infra(), st)
	if err != nil {
		return report.StackPlan{}, p.terraformFailure(ctx, st, err)
	}
	planned := tf.WithExec(lockFreePlanArgs(stackVars(p.cfg, st, image)))
	// The plan's JSON holds sensitive values in the clear: it goes to a
	// file, never to the engine's log.
	out, err := planned.WithExec(showArgs(), dagger.ContainerWithExecOpts{RedirectStdout: planJSONPath}).
		File(planJSONPath).Contents(ctx)
	if err != nil {
		return report.StackPlan{}, p.terraformFailure(ctx, st, err)
	}
	sp, err := report.ParsePlan(st.name, []byte(out))
	if err != nil {
		return report.StackPlan{}, st.failure(err, p.cfg.terraformProviderMirror)
	}
	if p.cfg.planText {
		if sp.Text, err = planned.WithExec([]string{"terraform", "show", "-no-color", "tfplan"}).Stdout(ctx); err != nil {
			return report.StackPlan{}, p.terraformFailure(ctx, st, err)
		}
	}
	return sp, nil
}
