package cloud

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/example/goship/ci/report"
)

// diagnosedTasks bounds how many stopped tasks a diagnosis shows: the
// newest few tell the story; a crash loop repeats it.
const diagnosedTasks = 3

// Diagnose explains a failed deployment or an unhealthy service: the
// newest stopped tasks (of image, when it is given: the deployment that
// failed) with their stopped reason, each container's exit code and
// reason and the last log lines of the task's own stream; the latest
// service events; the target health the load balancer reports; and the
// alarms' history over the window w, when it names alarms.
// ECS keeps stopped tasks for about an hour, so this runs right after the
// wait fails. What cannot be read is said in the diagnosis rather than
// failing it: a diagnosis is written while something else already failed.
func Diagnose(ctx context.Context, c Clients, cluster, service, image string, w AlarmWindow) (report.Diagnosis, error) {
	svc, err := DescribeService(ctx, c.ECS, cluster, service)
	if err != nil {
		return report.Diagnosis{}, err
	}
	var d report.Diagnosis
	d.Events = serviceEvents(svc, statusEvents)
	if d.Targets, err = TargetHealth(ctx, c.ELB, svc); err != nil {
		return report.Diagnosis{}, err
	}
	tasks, err := stoppedTasks(ctx, c.ECS, cluster, service, image)
	if err != nil {
		return report.Diagnosis{}, err
	}
	logConfigs := map[string]taskLogs{}
	for _, task := range tasks {
		st := stoppedTask(task)
		arn := aws.ToString(task.TaskDefinitionArn)
		logs, ok := logConfigs[arn]
		if !ok {
			logs, err = logConfiguration(ctx, c.ECS, arn)
			if err != nil {
				return report.Diagnosis{}, err
			}
			logConfigs[arn] = logs
		}
		addLogLines(ctx, c.Logs, &st, logs)
		d.StoppedTasks = append(d.StoppedTasks, st)
	}
	addAlarmHistory(ctx, c.CloudWatch, &d, w)
	return d, nil
}

// stoppedTasks are the service's newest stopped tasks, of image when it
// is given.
func stoppedTasks(ctx context.Context, api ServiceAPI, cluster, service, image string) ([]types.Task, error) {
	list, err := api.ListTasks(ctx, &ecs.ListTasksInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(service), DesiredStatus: types.DesiredStatusStopped,
	})
	if err != nil {
		return nil, fmt.Errorf("ecs:ListTasks %s (stopped): %w", service, err)
	}
	if len(list.TaskArns) == 0 {
		return nil, nil
	}
	resp, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: list.TaskArns[:min(100, len(list.TaskArns))]})
	if err != nil {
		return nil, fmt.Errorf("ecs:DescribeTasks: %w", err)
	}
	var tasks []types.Task
	for _, t := range resp.Tasks {
		if image == "" || slices.ContainsFunc(t.Containers, func(c types.Container) bool { return aws.ToString(c.Image) == image }) {
			tasks = append(tasks, t)
		}
	}
	slices.SortStableFunc(tasks, func(a, b types.Task) int {
		return aws.ToTime(b.StoppedAt).Compare(aws.ToTime(a.StoppedAt))
	})
	return tasks[:min(diagnosedTasks, len(tasks))], nil
}

func stoppedTask(t types.Task) report.StoppedTask {
	st := report.StoppedTask{
		ID:             lastSegment(aws.ToString(t.TaskArn)),
		TaskDefinition: aws.ToString(t.TaskDefinitionArn),
		StoppedAt:      aws.ToTime(t.StoppedAt),
		StopCode:       string(t.StopCode),
		StoppedReason:  aws.ToString(t.StoppedReason),
	}
	for _, c := range t.Containers {
		st.Containers = append(st.Containers, report.StoppedContainer{
			Name:     aws.ToString(c.Name),
			ExitCode: c.ExitCode,
			Reason:   aws.ToString(c.Reason),
			Health:   string(c.HealthStatus),
		})
	}
	return st
}

// taskLogs is where a task definition's essential container logs to.
type taskLogs struct {
	group, prefix, container string
}

// logConfiguration reads the awslogs options of the task definition's
// first container that has them.
func logConfiguration(ctx context.Context, api ECSAPI, taskDefinition string) (taskLogs, error) {
	resp, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDefinition)})
	if err != nil {
		return taskLogs{}, fmt.Errorf("ecs:DescribeTaskDefinition %s: %w", taskDefinition, err)
	}
	for _, c := range resp.TaskDefinition.ContainerDefinitions {
		if c.LogConfiguration != nil && c.LogConfiguration.LogDriver == types.LogDriverAwslogs {
			o := c.LogConfiguration.Options
			return taskLogs{group: o["awslogs-group"], prefix: o["awslogs-stream-prefix"], container: aws.ToString(c.Name)}, nil
		}
	}
	return taskLogs{}, nil
}

// addLogLines reads the last lines of the task's own log stream, which
// the awslogs driver names prefix/container/task-id.
func addLogLines(ctx context.Context, api LogsAPI, st *report.StoppedTask, logs taskLogs) {
	if logs.group == "" || logs.prefix == "" {
		st.LogError = "the task definition has no awslogs configuration with a stream prefix"
		return
	}
	st.LogGroup = logs.group
	st.LogStream = logs.prefix + "/" + logs.container + "/" + st.ID
	resp, err := api.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(st.LogGroup),
		LogStreamName: aws.String(st.LogStream),
		Limit:         aws.Int32(report.DiagnosisLogLines),
		StartFromHead: aws.Bool(false),
	})
	if err != nil {
		st.LogError = "cannot read: " + report.FirstLine(err.Error())
		return
	}
	for _, e := range resp.Events {
		var line strings.Builder
		_ = report.LogLine(&line, report.LogEvent{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)), Message: aws.ToString(e.Message)}, false) // a Builder never fails
		st.LogLines = append(st.LogLines, strings.TrimRight(line.String(), "\n"))
	}
}

func lastSegment(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}
