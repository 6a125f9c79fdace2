locals {
  github_enabled = var.github_repository != null
  environments   = toset(var.environments)

  # The deploy roles and the permissions boundaries live under an IAM path of
  # their own. Every IAM pattern the deploy roles are allowed on starts with
  # "role/<app_name>-<environment>-", and a path puts a "/" where such a
  # pattern needs a "-", so no app_name the validation accepts can make one
  # match a deploy role or a boundary (github, github-deploy included).
  deploy_path = "/github-deploy/"

  # ARN building blocks for the resources the stacks create.
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  arn_prefix = {
    autoscaling = "arn:${local.partition}:application-autoscaling:${var.region}:${local.account_id}"
    cw          = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}"
    ecr         = "arn:${local.partition}:ecr:${var.region}:${local.account_id}"
    ecs         = "arn:${local.partition}:ecs:${var.region}:${local.account_id}"
    elb         = "arn:${local.partition}:elasticloadbalancing:${var.region}:${local.account_id}"
    iam         = "arn:${local.partition}:iam::${local.account_id}"
    logs        = "arn:${local.partition}:logs:${var.region}:${local.account_id}"
    s3          = "arn:${local.partition}:s3:::"
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
