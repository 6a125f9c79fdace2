package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cloudwatchschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/internal/moto"
	"github.com/example/goship/internal/tooltest"
)

// TestBakeAgainstTheAppliedStacks is issue 18's pipeline part against the
// real service stack applied into moto: its four alarms exist, and the
// bake reads them, the target group's figures and ECS's deployments.
//
// moto ignores the service's deploymentConfiguration (its alarms {} block
// included): it never rolls a deployment back itself. Everything here
// relies on the pipeline's own watch, not on ECS's.
//
// As in TestDayTwoAgainstTheAppliedStacks, what the engine would do runs
// on the host: terraform here instead of in its container, and the
// deploy's host-side end (conclude: the bake, the history, the automatic
// rollback) called after it, with the rollback's apply done the same way.
// The wait and the smoke test are left out: moto runs no task and serves
// no URL. The pipeline's own CloudWatch client reads through
// startCloudWatchStandIn; the test drives moto in its Query protocol.
func TestBakeAgainstTheAppliedStacks(t *testing.T) {
	t.Parallel()
	terraform := tooltest.Path(t, "terraform")
	mirror, version := awsProviderMirror(t)
	server := moto.Start(t, moto.Options{ECSServiceRunning: 2})
	ctx := t.Context()
	awsCfg := server.AWSConfig()
	clients := cloud.NewClients(awsCfg)
	watcher := emulatorCloudWatch(awsCfg)
	// The pipeline reads with its own client, through the stand-in.
	pipelineCfg := awsCfg.Copy()
	pipelineCfg.BaseEndpoint = aws.String(startCloudWatchStandIn(t, server).URL)
	pipelineCloudWatch := cloudwatch.NewFromConfig(pipelineCfg)

	cfg := config{app: "goship", environment: "dev", region: moto.Region, stateBucket: "goship-state-bake", platform: "linux/amd64",
		bake: 6 * time.Second, bakeGiven: true, bakePoll: 300 * time.Millisecond}
	if _, err := clients.S3.(*s3.Client).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(cfg.stateBucket)}); err != nil {
		t.Fatal(err)
	}
	applyEnvironment(t, terraform, mirror, version, server, cfg)
	registry := newHostStack(t, terraform, mirror, version, server, registryStack)
	service := newHostStack(t, terraform, mirror, version, server, serviceStack)
	registry.tf(t, initArgs(cfg, registryStack, true)...)
	service.tf(t, initArgs(cfg, serviceStack, true)...)
	apply := func(st *hostStack, image string) map[string]string {
		t.Helper()
		st.tf(t, planArgs(cfg, stackVars(cfg, st.stack, image))...)
		st.tf(t, applyArgs(cfg)...)
		outputs, err := decodeOutputs([]byte(st.tf(t, outputArgs()...)))
		if err != nil {
			t.Fatal(err)
		}
		return outputs
	}
	repositoryURL := apply(registry, "")["repository_url"]
	imageA, imageB, imageC := putImage(t, awsCfg, repositoryURL, "1111111", "a"), putImage(t, awsCfg, repositoryURL, "2222222", "b"), putImage(t, awsCfg, repositoryURL, "3333333", "c")
	commits := map[string]string{imageA: "1111111aaaa", imageB: "2222222bbbb", imageC: "3333333cccc"}

	newPipeline := func(out *watchedOutput, bake time.Duration) *pipeline {
		c := cfg
		c.bake = bake
		return &pipeline{cfg: c, aws: &cloud.Session{Config: awsCfg, ARN: "arn:aws:iam::" + moto.AccountID + ":user/alice"},
			stdout: out, stderr: out, getenv: envOf(nil), now: time.Now, runID: "bake", result: &report.Summary{Mode: "deploy"},
			steps: newSteps(out, time.Now), cloudWatch: pipelineCloudWatch}
	}
	// deployOnHost is deployAs with the engine's part (the service stack's
	// apply) done by terraform on the host, and the wait and smoke test
	// taken as passed; redeploy is the automatic rollback's.
	var deployOnHost func(ctx context.Context, p *pipeline, kind string) error
	deployOnHost = func(ctx context.Context, p *pipeline, kind string) error {
		image := p.cfg.image
		outputs := apply(service, image)
		r := release{kind: kind, image: image, commit: commits[image], version: "v-" + commits[image][:7], service: outputs}
		return conclude(ctx, p, r, nil, func(ctx context.Context) error { return deployOnHost(ctx, p, report.KindRollback) })
	}
	history := func() []report.Deploy {
		t.Helper()
		entries, err := cloud.History(ctx, clients.S3, cfg.stateBucket, cfg.app, cfg.environment)
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	alarms := report.AlarmNames(cfg.app, cfg.environment)
	setAlarm := func(name string, state cwtypes.StateValue, reason string) {
		t.Helper()
		if _, err := watcher.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(name), StateValue: state, StateReason: aws.String(reason)}); err != nil {
			t.Fatal(err)
		}
	}
	// deployWithAlarm runs a deploy of image whose bake sees alarms[0] go
	// into ALARM once it has watched for a second: an ALARM from before the
	// deploy would not count against it, and moto keeps whole seconds.
	deployWithAlarm := func(t *testing.T, p *pipeline, out *watchedOutput, image string) error {
		t.Helper()
		p.cfg.image = image
		watching := out.afterBakeLines(5)
		done := make(chan error, 1)
		go func() { done <- deployOnHost(ctx, p, report.KindDeploy) }()
		select {
		case <-watching:
		case err := <-done:
			t.Fatalf("the deploy ended before its bake watched: %v\n%s", err, out.String())
		}
		setAlarm(alarms[0], cwtypes.StateValueAlarm, "Threshold Crossed: 3 out of the last 5 datapoints [9.5, 8.1, 7.7] were greater than the threshold (2.0).")
		err := <-done
		t.Logf("deploy (host side): %v\n%s", err, out.String())
		return err
	}

	step("a first deploy whose bake sees an alarm has nothing to go back to", func(t *testing.T) {
		out := &watchedOutput{}
		p := newPipeline(out, cfg.bake)
		err := deployWithAlarm(t, p, out, imageC)
		if err == nil || !strings.Contains(err.Error(), "cannot be rolled back automatically") || !strings.Contains(err.Error(), "Nothing was rolled back") {
			t.Errorf("deploy = %v, want a failure saying nothing could be rolled back", err)
		}
		if d := history()[0]; d.Image != imageC || d.Outcome != report.OutcomeBakeFailed {
			t.Errorf("history %+v, want C %q", d, report.OutcomeBakeFailed)
		}
		if running := runningImage(t, awsCfg); running != imageC || strings.Contains(out.String(), "Rolling back") {
			t.Errorf("ECS runs %s; want C left live, nothing rolled back", running)
		}
	})

	step("--bake 0 skips the watch", func(t *testing.T) {
		out := &watchedOutput{}
		p := newPipeline(out, 0)
		p.cfg.image = imageA
		if err := deployOnHost(ctx, p, report.KindDeploy); err != nil {
			t.Fatal(err)
		}
		t.Logf("deploy --bake 0 (host side):\n%s", out.String())
		d := history()[0]
		if d.Outcome != report.OutcomeLive || d.Bake == nil || d.Bake.Outcome != report.BakeSkipped || out.bakeLines() != 0 {
			t.Errorf("history %+v (bake %+v), %d bake lines; want live, the bake skipped, no line", d, d.Bake, out.bakeLines())
		}
	})

	outputs := apply(service, imageA)
	registerTargets(t, awsCfg, outputs["cluster_name"], outputs["service_name"])

	step("a bake with every alarm OK records success with the figures it saw", func(t *testing.T) {
		for _, name := range alarms {
			setAlarm(name, cwtypes.StateValueOk, "Threshold Crossed: no datapoint breached")
		}
		out := &watchedOutput{}
		p := newPipeline(out, cfg.bake)
		p.cfg.image = imageB
		// The load balancer's figures arrive while the bake watches.
		watching := out.afterBakeLines(1)
		done := make(chan error, 1)
		started := time.Now()
		go func() { done <- deployOnHost(ctx, p, report.KindDeploy) }()
		select {
		case <-watching:
		case err := <-done:
			t.Fatalf("the deploy ended before its bake watched: %v\n%s", err, out.String())
		}
		putTraffic(t, awsCfg, watcher, outputs, 240, 3)
		if err := <-done; err != nil {
			t.Fatalf("deploy: %v\n%s", err, out.String())
		}
		took := time.Since(started)
		d := history()[0]
		if d.Bake == nil {
			t.Fatalf("history %+v has no bake", d)
		}
		t.Logf("deploy with a %s bake polled every %s: %s on the host, apply included; %d looks:\n%s", cfg.bake, cfg.bakePoll, took.Round(time.Millisecond), d.Bake.Polls, out.String())
		if d.Image != imageB || d.Outcome != report.OutcomeLive || d.Bake == nil || d.Bake.Outcome != report.BakePassed || d.Bake.Polls < 2 {
			t.Fatalf("history %+v (bake %+v); want B live, its bake passed after several polls", d, d.Bake)
		}
		if d.Bake.Traffic == nil || d.Bake.Traffic.Requests != 240 || d.Bake.Traffic.Target5xx != 3 {
			t.Errorf("the bake recorded %+v, want the 240 requests and 3 target 5xx put into the target group's metrics", d.Bake.Traffic)
		}
		if !strings.Contains(out.String(), "5xx 1.2 % (3 of 240)") || !strings.Contains(out.String(), "target-5xx OK") {
			t.Errorf("the bake's lines lack the figures and the alarm states")
		}
		if p.result.Bake == nil || !strings.Contains(p.result.Bake.Text(), "passed") {
			t.Errorf("the run summary's bake = %+v, want it passed", p.result.Bake)
		}
	})

	step("an alarm in ALARM during the bake rolls back to the previous digest, and says which", func(t *testing.T) {
		out := &watchedOutput{}
		p := newPipeline(out, cfg.bake)
		err := deployWithAlarm(t, p, out, imageC)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), alarms[0]) {
			t.Fatalf("deploy = %v (exit %d), want a failure naming %s", err, exitCode(err), alarms[0])
		}
		for _, want := range []string{"Why: alarm " + alarms[0] + " went into ALARM", "[9.5, 8.1, 7.7]", "Why: alarm history", "Rolling back automatically to " + imageB} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the deploy's output lacks %q", want)
			}
		}
		// moto has no DescribeAlarmHistory: the failure says so and goes on.
		if !strings.Contains(out.String(), "(cannot read: cloudwatch:DescribeAlarmHistory") {
			t.Errorf("the alarm history should say it cannot be read from moto")
		}
		if running := runningImage(t, awsCfg); running != imageB {
			t.Errorf("ECS runs %s after the rollback, want the previous digest %s", running, imageB)
		}
		entries := history()
		rollback, failed := entries[0], entries[1]
		if failed.Image != imageC || failed.Outcome != report.OutcomeRolledBackByAlarm(alarms[0]) || failed.Bake == nil || failed.Bake.Alarm != alarms[0] {
			t.Errorf("the failed deploy's entry = %+v (bake %+v), want C %q", failed, failed.Bake, report.OutcomeRolledBackByAlarm(alarms[0]))
		}
		// The alarm is still in ALARM during the rollback's own bake, but
		// since before it began: not the rolled-back image's doing.
		if rollback.Kind != report.KindRollback || rollback.Image != imageB || rollback.Outcome != report.OutcomeLive || rollback.Bake == nil || rollback.Bake.Outcome != report.BakePassed {
			t.Errorf("the rollback's entry = %+v (bake %+v), want B rolled back to, live, its bake passed", rollback, rollback.Bake)
		}
		if p.result.Bake == nil || p.result.RollbackBake == nil || p.result.Bake.Alarm != alarms[0] {
			t.Errorf("run summary bakes = %+v and %+v, want the failed one and the rollback's", p.result.Bake, p.result.RollbackBake)
		}
		var summary strings.Builder
		if err := p.result.Markdown(&summary); err != nil || !strings.Contains(summary.String(), "| Bake |") || !strings.Contains(summary.String(), "#### Why the bake failed") {
			t.Errorf("step summary:\n%s\nwant the bake and why it failed", summary.String())
		}
		// Terraform's state names what ECS runs: the next plan has nothing to do.
		service.tf(t, lockFreePlanArgs(stackVars(cfg, serviceStack, imageB))...)
		sp, err := report.ParsePlan(serviceStack.name, []byte(service.tf(t, showArgs()...)))
		if err != nil {
			t.Fatal(err)
		}
		if err := planOutcome([]report.StackPlan{sp}); err != nil {
			t.Errorf("plan after the automatic rollback: %v, want no change", err)
		}
	})

	step("one look of the bake costs three calls", func(t *testing.T) {
		c := clients
		c.CloudWatch = pipelineCloudWatch
		w, err := cloud.StartWatch(ctx, c, outputs["cluster_name"], outputs["service_name"], alarms)
		if err != nil {
			t.Fatal(err)
		}
		const looks = 20
		started := time.Now()
		for range looks {
			if _, err := w.Look(ctx, c, started, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("one look (DescribeAlarms, GetMetricData, DescribeServices) against moto: %s on average over %d", (time.Since(started) / looks).Round(100*time.Microsecond), looks)
	})

	step("status prints the alarm states, the figures and the dashboard", func(t *testing.T) {
		out := &watchedOutput{}
		p := newPipeline(out, 0)
		p.web = unreachableWeb()
		err := status(ctx, p)
		t.Logf("status:\n%s", out.String())
		for _, want := range []string{alarms[0] + "        ALARM for", alarms[1] + "       OK for", "Traffic  last 1", "req/min, 5xx 1.2 % (3 of 240)",
			"Dashboard https://" + moto.Region + ".console.aws.amazon.com/cloudwatch/home?region=" + moto.Region + "#dashboards/dashboard/goship-dev"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("status lacks %q", want)
			}
		}
		if err == nil || !strings.Contains(err.Error(), "alarm "+alarms[0]+" in ALARM") {
			t.Errorf("status = %v, want it unhealthy because of the alarm", err)
		}
		out.reset()
		p.cfg.asJSON = true
		_ = status(ctx, p) // unhealthy, as above
		var st report.ServiceStatus
		if err := json.Unmarshal([]byte(out.String()), &st); err != nil || len(st.Alarms) != 4 || st.Traffic == nil || st.Traffic.Requests != 240 {
			t.Errorf("status --json = %+v, %v; want four alarms and the traffic", st, err)
		}
	})
}

// emulatorCloudWatch is a CloudWatch client that moto 5.2.1 understands:
// since v1.53.0 the SDK speaks Smithy RPC v2 CBOR to CloudWatch, which moto
// answers with 404, so the client is switched to the Query protocol AWS
// still serves. Tests only; the pipeline keeps the SDK's default.
func emulatorCloudWatch(cfg aws.Config) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(cloudwatchschemas.GraniteServiceVersion20100801)
	})
}

// putTraffic puts what the load balancer would publish for the service's
// target group this minute: requests and target 5xx. moto accepts the
// AWS/ namespace that AWS keeps to itself.
func putTraffic(t *testing.T, awsCfg aws.Config, api *cloudwatch.Client, outputs map[string]string, requests, target5xx float64) {
	t.Helper()
	svc, err := cloud.DescribeService(t.Context(), cloud.NewClients(awsCfg).ECS, outputs["cluster_name"], outputs["service_name"])
	if err != nil {
		t.Fatal(err)
	}
	src, err := cloud.FindTrafficSource(t.Context(), cloud.NewClients(awsCfg).ELB, svc)
	if err != nil || src.TargetGroup == "" {
		t.Fatalf("traffic source %+v, %v", src, err)
	}
	dimensions := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(src.LoadBalancer)}, {Name: aws.String("TargetGroup"), Value: aws.String(src.TargetGroup)}}
	at := time.Now()
	_, err = api.PutMetricData(t.Context(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ApplicationELB"), MetricData: []cwtypes.MetricDatum{
		{MetricName: aws.String("RequestCount"), Dimensions: dimensions, Timestamp: aws.Time(at), Value: aws.Float64(requests), Unit: cwtypes.StandardUnitCount},
		{MetricName: aws.String("HTTPCode_Target_5XX_Count"), Dimensions: dimensions, Timestamp: aws.Time(at), Value: aws.Float64(target5xx), Unit: cwtypes.StandardUnitCount},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// watchedOutput is a run's output that a test reads while the run writes
// it, and that tells when the bake has printed a number of its lines.
type watchedOutput struct {
	lockedBuffer
	mu      sync.Mutex
	waiting []bakeWait
}

type bakeWait struct {
	lines int
	ready chan struct{}
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	n, err := w.lockedBuffer.Write(p)
	lines := w.bakeLines()
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.waiting[:0]
	for _, wait := range w.waiting {
		if lines >= wait.lines {
			close(wait.ready)
			continue
		}
		kept = append(kept, wait)
	}
	w.waiting = kept
	return n, err
}

// afterBakeLines closes its channel once the bake has printed n lines.
func (w *watchedOutput) afterBakeLines(n int) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ready := make(chan struct{})
	w.waiting = append(w.waiting, bakeWait{lines: n, ready: ready})
	return ready
}

// bakeLinePattern is a poll's line, as BakeLine prints it.
var bakeLinePattern = regexp.MustCompile(`(?m)^  bake [0-9]`)

func (w *watchedOutput) bakeLines() int {
	return len(bakeLinePattern.FindAllStringIndex(w.String(), -1))
}

func (w *watchedOutput) reset() {
	w.lockedBuffer.mu.Lock()
	defer w.lockedBuffer.mu.Unlock()
	w.b.Reset()
}

// unreachableWeb is an HTTP client for status's GET /version that fails
// at once: the emulated load balancer's name resolves nowhere.
func unreachableWeb() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("connection refused") },
	}}
}
