package infra_test

// The calls on the service's signals (issue 18): its four alarms, alarm
// topic and subscription, dashboard and the key parameter, made by the
// provider for infra/alarms.tf, notifications.tf and dashboard.tf, and by
// the pipeline's bake, status and explain (which read them with the deploy
// role after a deploy and with the plan role in the drift check).

// serviceAlarms are the four alarms' ARN patterns (infra/alarms.tf).
var serviceAlarms = []string{
	"cloudwatch:alarm:<app>-<env>-target-5xx",
	"cloudwatch:alarm:<app>-<env>-latency-p99",
	"cloudwatch:alarm:<app>-<env>-unhealthy-hosts",
	"cloudwatch:alarm:<app>-<env>-running-tasks",
}

const (
	alarmTopicARN = "sns:<app>-<env>-alarms"
	// subscriptionCallsOn is where the simulation decides Unsubscribe and
	// GetSubscriptionAttributes: AWS authorises them on the subscription
	// ("<topic>:<id>", which the policies grant as "<topic>:*"), but the
	// authorization reference lists only "topic" as their resource type,
	// and iam-simulate decides no ARN of a type it does not list. The
	// policies grant the topic too, for the same reason.
	subscriptionCallsOn = alarmTopicARN
	dashboardARN        = "cloudwatch::dashboard/<app>-<env>"
	alarmTopicKeyARN    = "ssm:parameter/<app>/<env>/alarm-topic-key"
	// pagingTopic is the existing topic each simulated environment names in
	// bootstrap's alarm_topic_arns (and the service stack's
	// alarm_topic_arn): a team's paging topic, outside the stacks' names.
	pagingTopic = "arn:aws:sns:us-east-1:123456789012:paging-<app>-<env>"
)

// ownTopicAction is the alarm action of a stack that creates its topic.
var ownTopicAction = []string{"arn:aws:sns:us-east-1:123456789012:<app>-<env>-alarms"}

// deploySignalCalls are the deploy role's calls on the signals: the
// provider's create, refresh, tag and destroy of each, in both topic
// settings (the stack's own topic, with alarm_email; an existing one by
// alarm_topic_arn), and the pipeline's reads. No KMS call: the topic's key
// is bootstrap's, named in SetTopicAttributes by its ARN, and the key
// policy, not the deploy role, lets CloudWatch and SNS use it
// (infra/bootstrap/alarm_key.tf); the attacks include scheduling its
// deletion.
func deploySignalCalls() []neededCall {
	var calls []neededCall
	add := func(action, arn, caller string, r request) {
		calls = append(calls, neededCall{stackCall{action, arn, caller}, r})
	}
	for _, alarm := range serviceAlarms {
		add("cloudwatch:PutMetricAlarm", alarm, "aws_cloudwatch_metric_alarm (its own topic)", request{creates: true, tags: ownTags, alarmActions: ownTopicAction})
		add("cloudwatch:PutMetricAlarm", alarm, "aws_cloudwatch_metric_alarm (alarm_topic_arn)", request{creates: true, tags: ownTags, alarmActions: []string{pagingTopic}})
		add("cloudwatch:TagResource", alarm, "aws_cloudwatch_metric_alarm (tags on create)", request{tags: ownTags})
		add("cloudwatch:DescribeAlarms", alarm, "aws_cloudwatch_metric_alarm; the bake and status, by AlarmNames (ci/cloud)", request{})
		add("cloudwatch:ListTagsForResource", alarm, "aws_cloudwatch_metric_alarm", request{})
		add("cloudwatch:DeleteAlarms", alarm, "aws_cloudwatch_metric_alarm destroy", request{})
		add("cloudwatch:DescribeAlarmHistory", alarm, "explain: the alarm history of a failed deploy (ci/cloud)", request{})
	}
	add("cloudwatch:GetMetricData", "*", "the bake and status: request rate, 5xx share, p99 (ci/cloud)", request{})
	add("cloudwatch:PutDashboard", dashboardARN, "aws_cloudwatch_dashboard", request{})
	add("cloudwatch:GetDashboard", dashboardARN, "aws_cloudwatch_dashboard", request{})
	add("cloudwatch:DeleteDashboards", dashboardARN, "aws_cloudwatch_dashboard destroy", request{})
	add("ssm:GetParameter", alarmTopicKeyARN, "data.aws_ssm_parameter.alarm_topic_key", request{})
	add("sns:CreateTopic", alarmTopicARN, "aws_sns_topic.alarm", request{creates: true, tags: ownTags})
	add("sns:TagResource", alarmTopicARN, "aws_sns_topic.alarm (tags on create)", request{tags: ownTags})
	add("sns:SetTopicAttributes", alarmTopicARN, "aws_sns_topic.alarm (its key)", request{})
	add("sns:GetTopicAttributes", alarmTopicARN, "aws_sns_topic.alarm", request{})
	add("sns:ListTagsForResource", alarmTopicARN, "aws_sns_topic.alarm", request{})
	add("sns:ListSubscriptionsByTopic", alarmTopicARN, "aws_sns_topic.alarm", request{})
	add("sns:DeleteTopic", alarmTopicARN, "aws_sns_topic.alarm destroy", request{})
	add("sns:Subscribe", alarmTopicARN, "aws_sns_topic_subscription.alarm_email (alarm_email)", request{protocol: "email", endpoint: "oncall@example.com"})
	add("sns:GetSubscriptionAttributes", subscriptionCallsOn, "aws_sns_topic_subscription.alarm_email", request{})
	add("sns:Unsubscribe", subscriptionCallsOn, "aws_sns_topic_subscription.alarm_email destroy", request{})
	return calls
}

// planSignalCalls are the plan role's: the refresh of every signal, and
// the reads of status and explain in the drift check.
func planSignalCalls() []neededCall {
	var calls []neededCall
	add := func(action, arn, caller string) {
		calls = append(calls, neededCall{stackCall{action, arn, caller}, request{}})
	}
	for _, alarm := range serviceAlarms {
		add("cloudwatch:DescribeAlarms", alarm, "aws_cloudwatch_metric_alarm refresh; status (ci/cloud)")
		add("cloudwatch:ListTagsForResource", alarm, "aws_cloudwatch_metric_alarm refresh")
		add("cloudwatch:DescribeAlarmHistory", alarm, "explain (ci/cloud)")
	}
	add("cloudwatch:GetMetricData", "*", "status: request rate, 5xx share, p99 (ci/cloud)")
	add("cloudwatch:GetDashboard", dashboardARN, "aws_cloudwatch_dashboard refresh")
	add("ssm:GetParameter", alarmTopicKeyARN, "data.aws_ssm_parameter.alarm_topic_key")
	add("sns:GetTopicAttributes", alarmTopicARN, "aws_sns_topic.alarm refresh")
	add("sns:ListTagsForResource", alarmTopicARN, "aws_sns_topic.alarm refresh")
	add("sns:GetSubscriptionAttributes", subscriptionCallsOn, "aws_sns_topic_subscription.alarm_email refresh")
	return calls
}
