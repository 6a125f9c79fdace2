package infra_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cloudwatchschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/example/goship/internal/moto"
)

// emulatorCloudWatch is a CloudWatch client that moto 5.2.1 understands.
// Since v1.53.0 the SDK speaks Smithy RPC v2 CBOR to CloudWatch, which moto
// answers with 404; AWS still serves the Query protocol moto speaks, so the
// client is switched to it here, in the tests only.
func emulatorCloudWatch(cfg aws.Config) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(cloudwatchschemas.GraniteServiceVersion20100801)
	})
}

// emulatorAlarms are the service stack's four alarms with its defaults, in
// the order of its alarm_names output (the shared contract's).
var emulatorAlarms = []string{
	emulatorName + "-target-5xx",
	emulatorName + "-latency-p99",
	emulatorName + "-unhealthy-hosts",
	emulatorName + "-running-tasks",
}

// assertSignals checks, as AWS stores them, what the service stack applied
// for its signals: the four alarms notifying the topic on ALARM and OK,
// their metric math, the topic encrypted with the key bootstrap published,
// the two deployment alarms ECS rolls back on, the dashboard, and the
// outputs that name them.
func assertSignals(t *testing.T, cfg aws.Config, service *emulatedStack) {
	t.Helper()
	ctx := t.Context()
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(service.must(t, "output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	output := func(name string) string {
		s, _ := outputs[name].Value.(string)
		return s
	}
	if got, want := output("alarm_names"), strings.Join(emulatorAlarms, ","); got != want {
		t.Errorf("alarm_names = %q, want %q", got, want)
	}
	topic := output("alarm_topic_arn")
	if want := "arn:aws:sns:" + moto.Region + ":" + moto.AccountID + ":" + emulatorName + "-alarms"; topic != want {
		t.Errorf("alarm_topic_arn = %q, want %q", topic, want)
	}

	alarms, err := emulatorCloudWatch(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: emulatorAlarms})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range alarms.MetricAlarms {
		name := aws.ToString(a.AlarmName)
		names = append(names, name)
		if !slices.Equal(a.AlarmActions, []string{topic}) || !slices.Equal(a.OKActions, []string{topic}) {
			t.Errorf("%s notifies %v on ALARM and %v on OK, want the topic %s on both", name, a.AlarmActions, a.OKActions, topic)
		}
		if name == emulatorName+"-target-5xx" {
			var expression string
			for _, q := range a.Metrics {
				if aws.ToBool(q.ReturnData) {
					expression = aws.ToString(q.Expression)
				}
			}
			if len(a.Metrics) != 3 || !strings.Contains(expression, "requests >= 50") {
				t.Errorf("%s: %d metric queries returning %q, want the 5xx share of at least 50 requests over 3 queries", name, len(a.Metrics), expression)
			}
		}
	}
	slices.Sort(names)
	if want := slices.Sorted(slices.Values(emulatorAlarms)); !slices.Equal(names, want) {
		t.Errorf("alarms = %v, want %v", names, want)
	}

	key, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/goship/dev/alarm-topic-key")})
	if err != nil {
		t.Fatalf("bootstrap's alarm topic key parameter: %v", err)
	}
	attributes, err := sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := attributes.Attributes["KmsMasterKeyId"], aws.ToString(key.Parameter.Value); got == "" || got != want {
		t.Errorf("the topic's KmsMasterKeyId = %q, want bootstrap's key %q", got, want)
	}

	services, err := ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(emulatorName), Services: []string{emulatorName}})
	if err != nil {
		t.Fatal(err)
	}
	if len(services.Services) != 1 || services.Services[0].DeploymentConfiguration == nil || services.Services[0].DeploymentConfiguration.Alarms == nil {
		t.Fatalf("service %s has no deployment alarms: %+v", emulatorName, services.Services)
	}
	if a := services.Services[0].DeploymentConfiguration.Alarms; !a.Enable || !a.Rollback || !slices.Equal(a.AlarmNames, emulatorAlarms[:2]) {
		t.Errorf("deployment alarms = %+v, want %v, enabled, rolling back", a, emulatorAlarms[:2])
	}

	dashboard, err := emulatorCloudWatch(cfg).GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(emulatorName)})
	if err != nil {
		t.Fatal(err)
	}
	body := aws.ToString(dashboard.DashboardBody)
	for _, metric := range []string{"RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime", "HealthyHostCount", "RunningTaskCount", "CPUUtilization", "MemoryUtilization"} {
		if !strings.Contains(body, `"`+metric+`"`) {
			t.Errorf("the dashboard does not show %s", metric)
		}
	}
	if want := "https://console.aws.amazon.com/cloudwatch/home?region=" + moto.Region + "#dashboards/dashboard/" + emulatorName; output("dashboard_url") != want || output("dashboard_name") != emulatorName {
		t.Errorf("dashboard_name %q, dashboard_url %q; want %s and %s", output("dashboard_name"), output("dashboard_url"), emulatorName, want)
	}
}

// signalsLeft names the service stack's alarms, dashboard and topic still
// in the emulator.
func signalsLeft(t *testing.T, cfg aws.Config) []string {
	t.Helper()
	ctx := t.Context()
	var left []string
	alarms, err := emulatorCloudWatch(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: emulatorAlarms})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alarms.MetricAlarms {
		left = append(left, "alarm "+aws.ToString(a.AlarmName))
	}
	dashboards, err := emulatorCloudWatch(cfg).ListDashboards(ctx, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String(emulatorName)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dashboards.DashboardEntries {
		if aws.ToString(d.DashboardName) == emulatorName {
			left = append(left, "dashboard "+emulatorName)
		}
	}
	topics, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range topics.Topics {
		if strings.HasSuffix(aws.ToString(topic.TopicArn), ":"+emulatorName+"-alarms") {
			left = append(left, "SNS topic "+aws.ToString(topic.TopicArn))
		}
	}
	return left
}
