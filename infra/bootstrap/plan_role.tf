# One read-only role per environment for the nightly drift check: the
# pipeline's plan mode reads the state and refreshes every resource, and
# needs nothing else. Under /github-deploy/, so every deploy role's Deny
# protects it too; trusted by the same GitHub environment as the deploy
# role. It cannot write the state lock, so plan runs with -lock=false.
resource "aws_iam_role" "plan" {
  for_each = local.github_enabled ? local.environments : toset([])

  name                 = "${var.app_name}-${each.key}-plan"
  path                 = local.deploy_path
  description          = "Assumed by the nightly drift check of ${var.github_repository} in the ${each.key} environment: reads ${var.app_name}-${each.key}, changes nothing"
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume[each.key].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "plan" {
  for_each = aws_iam_role.plan

  name   = "plan-${var.app_name}-${each.key}"
  role   = each.value.id
  policy = data.aws_iam_policy_document.plan[each.key].json
}

data "aws_iam_policy_document" "plan" {
  for_each = local.environments

  # The state and the history, read only: no lock file, no write.
  statement {
    sid       = "ReadThisEnvironmentsState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/${var.app_name}/${each.key}/*"]
  }

  statement {
    sid       = "ListThisEnvironmentsState"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.app_name}/${each.key}/*", "env:/*"]
    }
  }

  # What a refresh of the registry and service stacks reads, by name where
  # AWS authorises reads on a named resource.
  statement {
    sid = "ReadThisEnvironment"
    actions = [
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetLifecyclePolicy",
      "ecr:ListTagsForResource",
      "ecs:DescribeClusters",
      "ecs:DescribeServices",
      "ecs:ListTagsForResource",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "s3:Get*",
      "s3:ListBucket",
      "ssm:GetParameter",
    ]
    resources = [
      "${local.arn_prefix.ecr}:repository/${var.app_name}-${each.key}",
      "${local.arn_prefix.ecs}:cluster/${var.app_name}-${each.key}",
      "${local.arn_prefix.ecs}:service/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.ecs}:task-definition/${var.app_name}-${each.key}:*",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}:*",
      "${local.arn_prefix.s3}${var.app_name}-${each.key}-logs-${local.account_id}",
      "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.app_name}/${each.key}/network",
      "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.app_name}/${each.key}/alarm-topic-key",
    ]
  }

  # The task and execution roles, by name and by this environment's tags:
  # the name pattern also matches application "<app>-<env>"'s roles.
  statement {
    sid = "ReadThisEnvironmentsRoles"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
    ]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-${each.key}-*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # The service's signals (deploy_monitoring.tf names them): the refresh
  # of the alarms, topic, subscription and dashboard, and the alarm
  # history a failed deploy's explanation reads.
  statement {
    sid = "ReadThisEnvironmentsAlarms"
    actions = [
      "cloudwatch:DescribeAlarmHistory",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
    ]
    resources = concat(local.service_alarm_arns[each.key], [local.scaling_alarm_arns[each.key]])
  }

  statement {
    sid       = "ReadThisEnvironmentsDashboard"
    actions   = ["cloudwatch:GetDashboard"]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${var.app_name}-${each.key}"]
  }

  statement {
    sid       = "ReadThisEnvironmentsAlarmTopic"
    actions   = ["sns:GetTopicAttributes", "sns:ListTagsForResource"]
    resources = [local.alarm_topic_arns[each.key]]
  }

  # alarm_email's subscription: "<topic>:<id>" (deploy_monitoring.tf).
  statement {
    sid     = "ReadThisEnvironmentsAlarmSubscription"
    actions = ["sns:GetSubscriptionAttributes"]
    resources = [
      local.alarm_topic_arns[each.key],
      "${local.alarm_topic_arns[each.key]}:*",
    ]
  }

  # Reads AWS authorises on no narrower resource (docs/adr/0004), in the
  # region only.
  statement {
    sid = "ReadUnscopable"
    actions = [
      "application-autoscaling:Describe*",
      "application-autoscaling:ListTagsForResource",
      "cloudwatch:GetMetricData",
      "ecs:DescribeTaskDefinition",
      "elasticloadbalancing:Describe*",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }
}
