# The permissions boundary of every role the deploy role creates: the most
# a task of this environment may ever do, whatever policy the deploy role
# puts on its roles. docs/adr/0004 says why a boundary rather than roles an
# administrator applies.
data "aws_iam_policy_document" "boundary" {
  for_each = local.environments

  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PullThisEnvironmentsImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = ["${local.arn_prefix.ecr}:repository/${var.app_name}-${each.key}"]
  }

  statement {
    sid = "WriteThisEnvironmentsLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = [
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}:*",
    ]
  }
}

resource "aws_iam_policy" "boundary" {
  for_each = local.environments

  name        = "${var.app_name}-${each.key}-boundary"
  path        = local.deploy_path
  description = "Permissions boundary of the roles the ${var.app_name} ${each.key} deploy role creates: pull its image, write its logs"
  policy      = data.aws_iam_policy_document.boundary[each.key].json
}
