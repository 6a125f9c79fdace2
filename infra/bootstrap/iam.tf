# One deploy role per environment. Each may change only its own
# environment's resources, named "<app_name>-<environment>..." and tagged
# Application = app_name, Environment = environment (the stacks' default_tags),
# and only its own environment's state. docs/adr/0004 records the design and
# every action AWS lets no policy scope further.
resource "aws_iam_role" "deploy" {
  for_each = local.github_enabled ? local.environments : toset([])

  name                 = "${var.app_name}-${each.key}"
  path                 = local.deploy_path
  description          = "Assumed by GitHub Actions jobs of ${var.github_repository} in the ${each.key} environment to deploy and destroy ${var.app_name}-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume[each.key].json
  max_session_duration = 7200

  lifecycle {
    precondition {
      condition     = var.github_repository_id != null && var.github_owner_id != null
      error_message = "github_repository needs github_repository_id and github_owner_id too (gh api repos/${coalesce(var.github_repository, "OWNER/NAME")} --jq '.id, .owner.id'): the roles trust GitHub's subject by these IDs, which a renamed or transferred repository's name cannot reuse."
    }

    # The deploy role may manage buckets named "<app_name>-<environment>-*"
    # (access and flow logs); the state bucket must not be one of them.
    precondition {
      condition     = !startswith(var.state_bucket_name, "${var.app_name}-${each.key}-")
      error_message = "state_bucket_name must not start with \"${var.app_name}-${each.key}-\": the ${each.key} deploy role manages the buckets with that prefix."
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = aws_iam_role.deploy

  name   = "deploy-${var.app_name}-${each.key}"
  role   = each.value.id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}

data "aws_iam_policy_document" "deploy" {
  for_each = local.environments

  # Explicit denies first: they hold whatever an Allow below matches, for
  # every app_name, so no deploy role can widen its own or another
  # environment's permissions, or free a role from its boundary.
  statement {
    sid     = "DenyChangingDeployRolesAndBoundaries"
    effect  = "Deny"
    actions = ["iam:*"]
    resources = [
      "${local.arn_prefix.iam}:role${local.deploy_path}*",
      "${local.arn_prefix.iam}:policy${local.deploy_path}*",
    ]
  }

  # Role names are unique in the account whatever the path, and a path is
  # part of the ARN the Allow below matches: "role/<app>-<env>-x/" as a path
  # would let a deploy role take any name (one another stack will create,
  # or one other tools look up by name). Roles it creates stay at "/".
  statement {
    sid       = "DenyRolesUnderAPath"
    effect    = "Deny"
    actions   = ["iam:CreateRole"]
    resources = ["${local.arn_prefix.iam}:role/*/*"]
  }

  statement {
    sid       = "DenyRemovingAnyBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  # Whatever else matches its name, the state bucket's own settings
  # (policy, versioning, lifecycle) stay the administrator's.
  statement {
    sid         = "DenyChangingTheStateBucket"
    effect      = "Deny"
    not_actions = ["s3:ListBucket"]
    resources   = [aws_s3_bucket.this.arn]
  }

  # Terraform's S3 backend lists the state's own path, and workspaces under
  # "env:/" on init.
  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.app_name}/${each.key}/*", "env:/*"]
    }
  }

  # The state and its lock file (<key>.tflock) of this environment only.
  statement {
    sid = "ThisEnvironmentsState"
    actions = [
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:PutObject",
    ]
    resources = ["${aws_s3_bucket.this.arn}/${var.app_name}/${each.key}/*"]
  }

  # Access-log and flow-log buckets of this environment.
  statement {
    sid = "LogBuckets"
    actions = [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:Get*",
      "s3:List*",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    # Exactly the bucket the service stack creates (infra/logs.tf): a name
    # prefix would also match the buckets of an application named
    # "<app>-<env>" (its "<app>-<env>-tfstate-..." state) or hand-made ones.
    resources = [
      "${local.arn_prefix.s3}${var.app_name}-${each.key}-logs-${local.account_id}",
      "${local.arn_prefix.s3}${var.app_name}-${each.key}-logs-${local.account_id}/*",
    ]
  }

  # Reads, and the calls AWS authorises on no resource narrower than "*"
  # (docs/adr/0004 lists them with the reason): limited to the region. The
  # one EC2 call: deleting a load balancer, the provider looks for the
  # network interfaces it leaves behind. Nothing else of EC2, not
  # ec2:Describe*, which also reads launch templates' user data and
  # instance attributes.
  statement {
    sid = "ReadAndUnscopable"
    actions = [
      "application-autoscaling:DescribeScalableTargets",
      "application-autoscaling:DescribeScalingActivities",
      "application-autoscaling:DescribeScalingPolicies",
      "ecr:GetAuthorizationToken",
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:ListClusters",
      "ecs:ListTaskDefinitions",
      "ec2:DescribeNetworkInterfaces",
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

  # --- Load balancer, target group and listeners: named after the
  # environment, so their ARNs name it.
  statement {
    sid = "LoadBalancer"
    actions = [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetIpAddressType",
    ]
    resources = [
      "${local.arn_prefix.elb}:listener-rule/app/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.elb}:listener/app/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.elb}:loadbalancer/app/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.elb}:targetgroup/${var.app_name}-${each.key}/*",
    ]
  }

  # --- ECS: the cluster, service and task definition family of this
  # environment. The provider's wait_for_steady_state follows a new
  # deployment through ListServiceDeployments/DescribeServiceDeployments.
  statement {
    sid = "EcsClusterServiceTaskDefinition"
    actions = [
      "ecs:DeleteCluster",
      "ecs:DeleteService",
      "ecs:DescribeClusters",
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServices",
      "ecs:DescribeTasks",
      "ecs:ListServiceDeployments",
      "ecs:ListServices",
      "ecs:ListTagsForResource",
      "ecs:ListTasks",
      "ecs:TagResource",
      "ecs:UntagResource",
      "ecs:UpdateCluster",
      "ecs:UpdateClusterSettings",
    ]
    resources = [
      "${local.arn_prefix.ecs}:cluster/${var.app_name}-${each.key}",
      "${local.arn_prefix.ecs}:container-instance/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.ecs}:service-deployment/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.ecs}:service/${var.app_name}-${each.key}/*",
      "${local.arn_prefix.ecs}:task-definition/${var.app_name}-${each.key}:*",
      "${local.arn_prefix.ecs}:task/${var.app_name}-${each.key}/*",
    ]
  }

  # The cluster and the task definition family of this environment, with
  # its tags: AWS authorises RegisterTaskDefinition on the revision it
  # creates ("task-definition/<family>:<revision>"), so a revision of
  # another environment's or application's family is out of reach.
  statement {
    sid     = "EcsCreateTagged"
    actions = ["ecs:CreateCluster", "ecs:RegisterTaskDefinition"]
    resources = [
      "${local.arn_prefix.ecs}:cluster/${var.app_name}-${each.key}",
      "${local.arn_prefix.ecs}:task-definition/${var.app_name}-${each.key}:*",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid       = "EcsTagOnCreate"
    actions   = ["ecs:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["CreateCluster", "CreateService", "RegisterTaskDefinition"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  # --- Scaling: scalable targets have random IDs, so tags are the scope,
  # and a target is an ECS service's desired count (the service stack's
  # only kind): not a DynamoDB table's or a Lambda's concurrency.
  statement {
    sid       = "ScalingCreateTagged"
    actions   = ["application-autoscaling:RegisterScalableTarget"]
    resources = ["${local.arn_prefix.autoscaling}:scalable-target/*"]

    # Only a target no application has tagged yet, as a new one is:
    # RegisterScalableTarget on an existing target rewrites its capacity
    # (ScalingUpdateTagged). docs/adr/0004: an untagged target of another
    # application can still be claimed.
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Application"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:service-namespace"
      values   = ["ecs"]
    }

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:scalable-dimension"
      values   = ["ecs:service:DesiredCount"]
    }
  }

  # Tags on create, on a target nobody has tagged yet: TagResource on
  # another environment's target would make it this one's.
  statement {
    sid       = "ScalingTagOnCreate"
    actions   = ["application-autoscaling:TagResource"]
    resources = ["${local.arn_prefix.autoscaling}:scalable-target/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Application"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid       = "ScalingUpdateTagged"
    actions   = ["application-autoscaling:RegisterScalableTarget"]
    resources = ["${local.arn_prefix.autoscaling}:scalable-target/*"]

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

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:service-namespace"
      values   = ["ecs"]
    }

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:scalable-dimension"
      values   = ["ecs:service:DesiredCount"]
    }
  }

  statement {
    sid = "ScalingChangeTagged"
    actions = [
      "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:ListTagsForResource",
      "application-autoscaling:PutScalingPolicy",
      "application-autoscaling:TagResource",
      "application-autoscaling:UntagResource",
    ]
    resources = ["${local.arn_prefix.autoscaling}:scalable-target/*"]

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

  # --- Registry and logs: named after the environment.
  statement {
    sid = "Repository"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:CreateRepository",
      "ecr:DeleteLifecyclePolicy",
      "ecr:DeleteRepository",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:GetLifecyclePolicy",
      "ecr:InitiateLayerUpload",
      "ecr:ListTagsForResource",
      "ecr:PutImage",
      "ecr:PutLifecyclePolicy",
      "ecr:TagResource",
      "ecr:UntagResource",
      "ecr:UploadLayerPart",
    ]
    resources = ["${local.arn_prefix.ecr}:repository/${var.app_name}-${each.key}"]
  }

  # Besides the log group's own settings, the reads a failed deploy and
  # the pipeline's log commands make on it (ci/cloud).
  statement {
    sid = "LogGroup"
    actions = [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DeleteRetentionPolicy",
      "logs:DescribeLogStreams",
      "logs:FilterLogEvents",
      "logs:GetLogEvents",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:PutRetentionPolicy",
      "logs:StartLiveTail",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = [
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.app_name}-${each.key}:*",
    ]
  }

  # --- The task's roles: created and given policies only with this
  # environment's boundary attached, so nothing the deploy role writes can
  # grant more than the boundary. No UpdateAssumeRolePolicy: a trust policy
  # is set once, at creation.
  statement {
    sid       = "TaskRolesUnderBoundary"
    actions   = ["iam:CreateRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-${each.key}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary[each.key].arn]
    }
  }

  # Inline policies only on this environment's roles: the name pattern also
  # matches an application named "<app>-<env>" and hand-made roles, so the
  # role must carry this environment's tags and already sit under the
  # boundary. No PutRolePermissionsBoundary: CreateRole sets the boundary,
  # and for that call iam:PermissionsBoundary is the new one, so it would
  # put any role of the pattern under our boundary and make it writable.
  statement {
    sid       = "TaskRolePoliciesTagged"
    actions   = ["iam:DeleteRolePolicy", "iam:PutRolePolicy"]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-${each.key}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary[each.key].arn]
    }

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

  # IAM authorises the tags CreateRole creates a role with as TagRole. Only
  # on a role no application has tagged yet, as a new one is: PassRole and
  # DeleteRole trust these tags, so retagging a role of this name pattern
  # (another application's "<app>-<env>-x-..." role, one created by hand)
  # must not make it this environment's.
  statement {
    sid       = "TaskRolesTagOnCreate"
    actions   = ["iam:TagRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-${each.key}-*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Application"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Application"
      values   = [var.app_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  # Reads too only of this environment's roles: the name pattern also
  # matches application "<app>-<env>"'s roles, whose policies are its own.
  statement {
    sid = "TaskRolesRead"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
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

  # DeleteRole and UpdateRole take no boundary condition; the roles carry
  # the tags they were created with (UntagRole is not granted).
  statement {
    sid       = "TaskRolesDeleteTagged"
    actions   = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription"]
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

  # PassRole takes no boundary condition either: the name pattern is the
  # one CreateRole above may only use with the boundary, and the tags are
  # the ones it creates with.
  statement {
    sid       = "PassTaskRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.app_name}-${each.key}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }

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
