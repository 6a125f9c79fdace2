package cloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/example/goship/ci/report"
)

// Watch is what a bake looks at: the service, the task definition its
// deploy made, the target group its traffic goes through and the
// environment's alarms.
type Watch struct {
	Cluster, Service string
	TaskDefinition   string
	Source           TrafficSource
	Alarms           []string
}

// StartWatch reads, once the deployment is stable, which task definition
// it runs and where its traffic is measured.
func StartWatch(ctx context.Context, c Clients, cluster, service string, alarms []string) (Watch, error) {
	if c.CloudWatch == nil {
		return Watch{}, errors.New("no CloudWatch client")
	}
	svc, err := DescribeService(ctx, c.ECS, cluster, service)
	if err != nil {
		return Watch{}, err
	}
	src, err := FindTrafficSource(ctx, c.ELB, svc)
	if err != nil {
		return Watch{}, err
	}
	return Watch{Cluster: cluster, Service: service, TaskDefinition: aws.ToString(svc.TaskDefinition), Source: src, Alarms: alarms}, nil
}

// Look is one poll: the alarms' states, the traffic from from to to,
// and whether ECS has rolled the watched deployment back.
type Look struct {
	Alarms  []report.Alarm
	Traffic report.Traffic
	ECS     report.ECSRollback
}

// Look reads the three in one go; any read that fails fails the look.
func (w Watch) Look(ctx context.Context, c Clients, from, to time.Time) (Look, error) {
	alarms, err := Alarms(ctx, c.CloudWatch, w.Alarms)
	if err != nil {
		return Look{}, err
	}
	traffic, err := Traffic(ctx, c.CloudWatch, w.Source, from, to)
	if err != nil {
		return Look{}, err
	}
	svc, err := DescribeService(ctx, c.ECS, w.Cluster, w.Service)
	if err != nil {
		return Look{}, fmt.Errorf("reading the deployments: %w", err)
	}
	return Look{Alarms: alarms, Traffic: traffic, ECS: report.ECSAlarmRollback(Deployments(svc), w.TaskDefinition)}, nil
}
