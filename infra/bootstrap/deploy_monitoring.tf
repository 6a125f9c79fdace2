# What the deploy role may do to the service's signals: its four alarms,
# its alarm topic and subscription, its dashboard, the target-tracking
# alarms autoscaling makes, and the reads of the pipeline's bake and
# status. Every CloudWatch and SNS grant of the deploy role is here, each on
# the exact names of the service stack (infra/alarms.tf,
# infra/notifications.tf, infra/dashboard.tf). A managed policy of its own:
# the inline policy is near IAM's 10,240 characters.
resource "aws_iam_policy" "deploy_monitoring" {
  for_each = local.github_enabled ? local.environments : toset([])

  name        = "${var.app_name}-${each.key}-deploy-monitoring"
  path        = local.deploy_path
  description = "The alarms, alarm topic and dashboard the ${var.app_name} ${each.key} deploy role may manage and read: ${var.app_name}-${each.key}'s only"
  policy      = data.aws_iam_policy_document.deploy_monitoring[each.key].json
}

resource "aws_iam_role_policy_attachment" "deploy_monitoring" {
  for_each = aws_iam_role.deploy

  role       = each.value.name
  policy_arn = aws_iam_policy.deploy_monitoring[each.key].arn
}

locals {
  # The service stack's four alarms by exact name: a name prefix
  # "<app>-<env>-" would also match application "<app>-<env>"'s alarms.
  # No alarm name of one environment can be another's: an environment name
  # has no "-", so "<app>-<env>" splits one way only.
  service_alarm_arns = {
    for env in local.environments : env => [
      for signal in ["target-5xx", "latency-p99", "unhealthy-hosts", "running-tasks"] :
      "${local.arn_prefix.cw}:alarm:${var.app_name}-${env}-${signal}"
    ]
  }

  # The alarms target tracking creates for the service's scaling policies,
  # which AWS names "TargetTracking-service/<cluster>/<service>-...".
  scaling_alarm_arns = {
    for env in local.environments : env => "${local.arn_prefix.cw}:alarm:TargetTracking-service/${var.app_name}-${env}/*"
  }

  alarm_topic_arns = {
    for env in local.environments : env => "arn:${local.partition}:sns:${var.region}:${local.account_id}:${var.app_name}-${env}-alarms"
  }

  # Where an environment's alarms may send ALARM and OK: its own topic, or
  # the existing topic alarm_topic_arns names for it.
  alarm_action_arns = {
    for env in local.environments : env => compact([local.alarm_topic_arns[env], lookup(var.alarm_topic_arns, env, "")])
  }
}

data "aws_iam_policy_document" "deploy_monitoring" {
  for_each = local.environments

  # An alarm's name limits nothing it does: its actions could publish to
  # any topic, scale any service or stop instances. The service's alarms
  # notify this environment's topic only. ForAllValues holds on an empty
  # set, hence the Null beside it: an alarm with no action at all is one
  # nobody hears.
  statement {
    sid       = "ServiceAlarms"
    actions   = ["cloudwatch:PutMetricAlarm"]
    resources = local.service_alarm_arns[each.key]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "cloudwatch:AlarmActions"
      values   = local.alarm_action_arns[each.key]
    }

    condition {
      test     = "Null"
      variable = "cloudwatch:AlarmActions"
      values   = ["false"]
    }
  }

  # The rest of the alarms' life cycle (the provider's tag-on-create is a
  # TagResource, its refresh DescribeAlarms and ListTagsForResource) and
  # the pipeline's reads: the bake and status read the alarms' states by
  # name, explain their history. No DisableAlarmActions, SetAlarmState or
  # EnableAlarmActions: nothing deploys with them, and they silence alarms.
  statement {
    sid = "ServiceAlarmsManageAndRead"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarmHistory",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = local.service_alarm_arns[each.key]
  }

  # Target tracking policies create and delete their own alarms. Their
  # only action is one of this environment's scaling policies.
  statement {
    sid       = "ScalingAlarms"
    actions   = ["cloudwatch:PutMetricAlarm"]
    resources = [local.scaling_alarm_arns[each.key]]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "cloudwatch:AlarmActions"
      values   = ["arn:${local.partition}:autoscaling:${var.region}:${local.account_id}:scalingPolicy:*:resource/ecs/service/${var.app_name}-${each.key}/*"]
    }

    # ForAllValues is true on an empty set: without this, an alarm with no
    # AlarmActions passes the condition above.
    condition {
      test     = "Null"
      variable = "cloudwatch:AlarmActions"
      values   = ["false"]
    }
  }

  # DeleteAlarms supports no cloudwatch:AlarmActions key (a condition on it
  # would always hold); deleting and reading these alarms is what it may do.
  statement {
    sid       = "ScalingAlarmsDelete"
    actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"]
    resources = [local.scaling_alarm_arns[each.key]]
  }

  # The dashboard "<app>-<env>" (dashboards are global: no region in the
  # ARN). The provider's aws_cloudwatch_dashboard has no tags.
  statement {
    sid = "Dashboard"
    actions = [
      "cloudwatch:DeleteDashboards",
      "cloudwatch:GetDashboard",
      "cloudwatch:PutDashboard",
    ]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${var.app_name}-${each.key}"]
  }

  # GetMetricData names metrics, not resources: AWS authorises it on "*"
  # only (docs/adr/0004). The bake and status read the request rate, 5xx
  # share and p99 with it. In the region only.
  statement {
    sid       = "MetricData"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # The alarm topic "<app>-<env>-alarms" (aws_sns_topic, its encryption key
  # set by SetTopicAttributes, its tags set on create, so TagResource).
  # Not an existing topic of alarm_topic_arns: that one is its owner's.
  statement {
    sid = "AlarmTopic"
    actions = [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "sns:SetTopicAttributes",
      "sns:TagResource",
      "sns:UntagResource",
    ]
    resources = [local.alarm_topic_arns[each.key]]
  }

  # alarm_email's subscription, to this environment's own topic only, and
  # only by email: no HTTPS endpoint, queue or function of another account
  # receives the alarms.
  statement {
    sid       = "AlarmTopicEmailSubscription"
    actions   = ["sns:Subscribe"]
    resources = [local.alarm_topic_arns[each.key]]

    condition {
      test     = "StringEquals"
      variable = "sns:Protocol"
      values   = ["email"]
    }
  }

  # A subscription's ARN is its topic's followed by ":<id>"; no topic name
  # holds a ":", so "<topic>:*" are this topic's subscriptions only. The
  # topic's ARN too: the authorization reference names the topic as these
  # actions' resource type.
  statement {
    sid     = "AlarmTopicSubscriptions"
    actions = ["sns:GetSubscriptionAttributes", "sns:Unsubscribe"]
    resources = [
      local.alarm_topic_arns[each.key],
      "${local.alarm_topic_arns[each.key]}:*",
    ]
  }

  # The topic's key is bootstrap's (alarm_key.tf): the service stack reads
  # its ARN here, and the deploy role touches no KMS key.
  statement {
    sid       = "AlarmTopicKeyParameter"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.app_name}/${each.key}/alarm-topic-key"]
  }
}
