# GitHub Actions signs in with OpenID Connect: no long-lived keys anywhere.
# The provider is one per account, so it lives here and not in the stacks a
# second environment would apply again. AWS trusts GitHub's certificate
# authority itself, so no thumbprint is pinned.
resource "aws_iam_openid_connect_provider" "github" {
  count = local.github_enabled && var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  github_oidc_provider_arn = local.github_enabled ? coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn)) : null

  # ARN building blocks for the resources the stacks create.
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  arn_prefix = {
    ecr  = "arn:${local.partition}:ecr:${var.region}:${local.account_id}"
    ecs  = "arn:${local.partition}:ecs:${var.region}:${local.account_id}"
    elb  = "arn:${local.partition}:elasticloadbalancing:${var.region}:${local.account_id}"
    iam  = "arn:${local.partition}:iam::${local.account_id}"
    logs = "arn:${local.partition}:logs:${var.region}:${local.account_id}"
    cw   = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}"
  }
}

data "aws_iam_policy_document" "deploy_assume" {
  count = local.github_enabled ? 1 : 0

  statement {
    sid     = "GitHubDeployBranches"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Exact subjects, no wildcards: only pushes to these branches of this
    # repository (jobs without a GitHub "environment", whose subject differs).
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for branch in local.deploy_branches : "repo:${var.github_repository}:ref:refs/heads/${branch}"]
    }
  }
}

# Named outside the "<app_name>-*" prefix it manages, so it cannot edit
# its own permissions.
resource "aws_iam_role" "deploy" {
  count = local.github_enabled ? 1 : 0

  name                 = "github-deploy-${var.app_name}"
  description          = "Assumed by GitHub Actions in ${var.github_repository} to deploy and destroy ${var.app_name}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume[0].json
  max_session_duration = 7200
}

data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.this.arn]
  }

  statement {
    sid = "StateObjects"
    actions = [
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:PutObject",
    ]
    resources = ["${aws_s3_bucket.this.arn}/${var.app_name}/*"]
  }

  # The calls below have no resource-level permissions (or name resources
  # only after they exist), so they are limited to the region instead.
  statement {
    sid = "RegionWide"
    actions = [
      "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:Describe*",
      "application-autoscaling:ListTagsForResource",
      "application-autoscaling:PutScalingPolicy",
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:TagResource",
      "application-autoscaling:UntagResource",
      "cloudwatch:DescribeAlarms",
      "ec2:AllocateAddress",
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateInternetGateway",
      "ec2:CreateNatGateway",
      "ec2:CreateRoute",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateTags",
      "ec2:CreateVpc",
      "ec2:CreateVpcEndpoint",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteNatGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteTags",
      "ec2:DeleteVpc",
      "ec2:DeleteVpcEndpoints",
      "ec2:Describe*",
      "ec2:DetachInternetGateway",
      "ec2:DisassociateAddress",
      "ec2:DisassociateRouteTable",
      "ec2:ModifySecurityGroupRules",
      "ec2:ModifySubnetAttribute",
      "ec2:ModifyVpcAttribute",
      "ec2:ModifyVpcEndpoint",
      "ec2:ReleaseAddress",
      "ec2:ReplaceRoute",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "ecr:GetAuthorizationToken",
      "ecs:CreateCluster",
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:ListClusters",
      "ecs:ListTaskDefinitions",
      "ecs:RegisterTaskDefinition",
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

  # Interface endpoints with private DNS attach the VPC to AWS-managed
  # private hosted zones.
  statement {
    sid = "EndpointPrivateDns"
    actions = [
      "route53:AssociateVPCWithHostedZone",
      "route53:DisassociateVPCFromHostedZone",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Repositories"
    actions   = ["ecr:*"]
    resources = ["${local.arn_prefix.ecr}:repository/${var.app_name}-*"]
  }

  statement {
    sid     = "EcsClustersServicesTasks"
    actions = ["ecs:*"]
    resources = [
      "${local.arn_prefix.ecs}:cluster/${var.app_name}-*",
      "${local.arn_prefix.ecs}:service/${var.app_name}-*/*",
      "${local.arn_prefix.ecs}:task/${var.app_name}-*/*",
      "${local.arn_prefix.ecs}:task-definition/${var.app_name}-*:*",
    ]
  }

  statement {
    sid     = "LoadBalancers"
    actions = ["elasticloadbalancing:*"]
    resources = [
      "${local.arn_prefix.elb}:listener-rule/app/${var.app_name}-*/*",
      "${local.arn_prefix.elb}:listener/app/${var.app_name}-*/*",
      "${local.arn_prefix.elb}:loadbalancer/app/${var.app_name}-*/*",
      "${local.arn_prefix.elb}:targetgroup/${var.app_name}-*/*",
    ]
  }

  statement {
    sid     = "LogGroups"
    actions = ["logs:*"]
    resources = [
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-*",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-*:*",
    ]
  }

  # Target tracking policies create and delete their own alarms.
  statement {
    sid       = "ScalingAlarms"
    actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm"]
    resources = ["${local.arn_prefix.cw}:alarm:TargetTracking-service/${var.app_name}-*"]
  }

  statement {
    sid = "TaskRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-*"]
  }

  statement {
    sid       = "PassTaskRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  # A fresh account gets these on first use of ECS, load balancing and ECS
  # autoscaling.
  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_prefix.iam}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values = [
        "ecs.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
      ]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  count = local.github_enabled ? 1 : 0

  name   = "deploy-${var.app_name}"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy.json
}
