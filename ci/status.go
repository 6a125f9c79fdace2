package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
)

// versionTimeout bounds status's one GET /version: a URL that cannot be
// reached must not hold up the rest of the screen.
const versionTimeout = 3 * time.Second

// statusAlarmHistory is how far back status's diagnosis reads the alarms'
// history: the deploys and rollbacks that led to an unhealthy service.
const statusAlarmHistory = time.Hour

// status shows the live service on one screen (with its alarms, the last
// StatusTrafficWindow of traffic and the dashboard's URL), with the
// diagnosis of a failed deploy when it is not stable and healthy, and
// fails then, so that scripts can gate on it.
func status(ctx context.Context, p *pipeline) error {
	clients := p.clients()
	name := serviceName(p.cfg)
	now := p.now()
	alarms := report.AlarmNames(p.cfg.app, p.cfg.environment)
	st, err := cloud.Status(ctx, clients, name, name, cloud.Signals{Alarms: alarms, Traffic: report.StatusTrafficWindow, Now: now})
	if err != nil {
		return err
	}
	st.Dashboard = report.DashboardURL(p.cfg.region, p.cfg.app, p.cfg.environment)
	addVersion(ctx, p, clients, &st)
	problems := st.Problems()
	if len(problems) > 0 {
		d, err := cloud.Diagnose(ctx, clients, name, name, "", cloud.AlarmWindow{Names: alarms, From: now.Add(-statusAlarmHistory), To: now})
		if err != nil {
			fmt.Fprintf(p.stderr, "cannot diagnose the service: %v\n", err)
		} else {
			st.Diagnosis = &d
		}
	}
	if p.cfg.asJSON {
		enc := json.NewEncoder(p.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else if err := report.StatusText(p.stdout, st, p.now()); err != nil {
		return err
	}
	if len(problems) > 0 {
		return unhealthyService{name: name, problems: problems}
	}
	return nil
}

// unhealthyService is status's failure when it read the service and found
// it not stable and healthy, as opposed to failing to read it.
type unhealthyService struct {
	name     string
	problems []string
}

func (e unhealthyService) Error() string {
	return fmt.Sprintf("service %s is not stable and healthy: %s", e.name, strings.Join(e.problems, "; "))
}

// addVersion asks the service what it runs; when its URL cannot be
// reached, the deploy history knows what was built into the running
// digest.
func addVersion(ctx context.Context, p *pipeline, clients cloud.Clients, st *report.ServiceStatus) {
	reason := errors.New("the service has no load balancer URL")
	if st.URL != "" {
		ctx, cancel := context.WithTimeout(ctx, versionTimeout)
		defer cancel()
		info, err := cloud.Version(ctx, p.web, st.URL)
		if err == nil {
			st.Commit, st.Version, st.VersionSource = info.Commit, info.Version, "GET /version"
			return
		}
		reason = err
	}
	history, err := cloud.History(ctx, clients.S3, p.cfg.stateBucket, p.cfg.app, p.cfg.environment)
	if err == nil {
		for _, d := range history {
			if report.Digest(d.Image) != "" && report.Digest(d.Image) == report.Digest(st.Image) {
				st.Commit, st.Version = d.Commit, d.Version
				st.VersionSource = fmt.Sprintf("the deploy history; %v", reason)
				return
			}
		}
	}
	if tags, err := cloud.ImageTags(ctx, clients.ECR, st.Image); err == nil {
		if commit, tag := commitFromTags(tags); commit != "" {
			st.Commit, st.VersionSource = commit, fmt.Sprintf("the image tag %s; %v", tag, reason)
			return
		}
	}
	st.VersionSource = fmt.Sprintf("%v, and no deploy of this digest in the history", reason)
}

// imageTagPattern is how publish tags an image: imageTag.
var imageTagPattern = regexp.MustCompile(`^([0-9a-f]{7,12})-[0-9]{14}$`)

// commitFromTags reads the short commit out of the pipeline's own tag,
// the last trace of what an image was built from when neither the service
// nor the history can say.
func commitFromTags(tags []string) (commit, tag string) {
	for _, tag := range tags {
		if m := imageTagPattern.FindStringSubmatch(tag); m != nil {
			return m[1], tag
		}
	}
	return "", ""
}
