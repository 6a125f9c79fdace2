locals {
  # The bootstrap stack creates this boundary for each environment
  # (infra/bootstrap/boundary.tf); the deploy role may create and change
  # roles only when they carry it.
  permissions_boundary_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/github-deploy/${local.name}-boundary"
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksInThisAccount"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Confused-deputy guard: only ECS acting for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# Used by ECS itself to start the task: pull the image, ship the logs.
resource "aws_iam_role" "execution" {
  name                 = "${local.name}-execution"
  description          = "ECS task execution role for ${local.name}: pull from its ECR repository, write to its log group"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = local.permissions_boundary_arn
}

data "aws_iam_policy_document" "execution" {
  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PullFromThisRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [local.repository_arn]
  }

  statement {
    sid = "WriteToThisLogGroup"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = [
      aws_cloudwatch_log_group.this.arn,
      "${aws_cloudwatch_log_group.this.arn}:*",
    ]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Assumed by the application. It calls no AWS API, so it gets no permissions;
# attach policies here when it does.
resource "aws_iam_role" "task" {
  name                 = "${local.name}-task"
  description          = "ECS task role for ${local.name}: the application's own AWS permissions (none)"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = local.permissions_boundary_arn
}
