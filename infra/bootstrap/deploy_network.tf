# Where the deploy role may place the service and its load balancer: the
# environment's own network, which bootstrap applies (network.tf), pinned by
# ID. A managed policy of its own: IAM caps a role's inline policies at
# 10,240 characters together, and the subnet IDs take room.
resource "aws_iam_policy" "deploy_network" {
  for_each = local.github_enabled ? local.environments : toset([])

  name        = "${var.app_name}-${each.key}-deploy-network"
  path        = local.deploy_path
  description = "Where the ${var.app_name} ${each.key} deploy role may run the service and its load balancer: the ${each.key} network only"
  policy      = data.aws_iam_policy_document.deploy_network[each.key].json
}

resource "aws_iam_role_policy_attachment" "deploy_network" {
  for_each = aws_iam_role.deploy

  role       = each.value.name
  policy_arn = aws_iam_policy.deploy_network[each.key].arn
}

data "aws_iam_policy_document" "deploy_network" {
  for_each = local.environments

  # The load balancer runs only in this environment's public subnets, behind
  # its security group (both bootstrap's, module.network). Each condition
  # sits beside a Null check: ForAllValues holds for a request that names no
  # subnet or group at all. CreateLoadBalancer needs both in one statement,
  # as any Allow that matches is enough.
  statement {
    sid       = "LoadBalancerCreateInOwnNetwork"
    actions   = ["elasticloadbalancing:CreateLoadBalancer"]
    resources = ["${local.arn_prefix.elb}:loadbalancer/app/${var.app_name}-${each.key}/*"]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "elasticloadbalancing:Subnet"
      values   = module.network[each.key].public_subnet_ids
    }

    condition {
      test     = "Null"
      variable = "elasticloadbalancing:Subnet"
      values   = ["false"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "elasticloadbalancing:SecurityGroup"
      values   = [module.network[each.key].load_balancer_security_group_id]
    }

    condition {
      test     = "Null"
      variable = "elasticloadbalancing:SecurityGroup"
      values   = ["false"]
    }
  }

  statement {
    sid       = "LoadBalancerOwnSubnets"
    actions   = ["elasticloadbalancing:SetSubnets"]
    resources = ["${local.arn_prefix.elb}:loadbalancer/app/${var.app_name}-${each.key}/*"]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "elasticloadbalancing:Subnet"
      values   = module.network[each.key].public_subnet_ids
    }

    condition {
      test     = "Null"
      variable = "elasticloadbalancing:Subnet"
      values   = ["false"]
    }
  }

  statement {
    sid       = "LoadBalancerOwnSecurityGroup"
    actions   = ["elasticloadbalancing:SetSecurityGroups"]
    resources = ["${local.arn_prefix.elb}:loadbalancer/app/${var.app_name}-${each.key}/*"]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "elasticloadbalancing:SecurityGroup"
      values   = [module.network[each.key].load_balancer_security_group_id]
    }

    condition {
      test     = "Null"
      variable = "elasticloadbalancing:SecurityGroup"
      values   = ["false"]
    }
  }

  # A service runs only this environment's task definitions, in this
  # environment's private subnets, without a public IP. The task definition
  # reaches outside the cluster (another environment's revision brings its
  # roles and image, with no PassRole asked), and the subnets pin the VPC,
  # and with it which security groups and target groups the service can
  # use: another environment's target group would send that environment's
  # traffic to these tasks. ECS has no condition key for security groups or
  # target groups; bootstrap gives each environment a VPC of its own.
  statement {
    sid       = "EcsCreateServiceInOwnNetwork"
    actions   = ["ecs:CreateService"]
    resources = ["${local.arn_prefix.ecs}:service/${var.app_name}-${each.key}/*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:task-definition"
      values   = ["${local.arn_prefix.ecs}:task-definition/${var.app_name}-${each.key}:*"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "ecs:subnet"
      values   = module.network[each.key].private_subnet_ids
    }

    condition {
      test     = "Null"
      variable = "ecs:subnet"
      values   = ["false"]
    }

    condition {
      test     = "Bool"
      variable = "ecs:auto-assign-public-ip"
      values   = ["false"]
    }

    # No Service Connect: a namespace joins the service to another
    # application's services, which then reach it and are reached by it
    # outside the load balancer. The stack uses none.
    condition {
      test     = "Null"
      variable = "ecs:namespace"
      values   = ["true"]
    }
  }

  # An update carries the keys only for what it changes (the provider sends
  # the network configuration only when it changed): IfExists for the task
  # definition and the public IP, and ForAllValues holds without subnets.
  # Whatever an update does name must be this environment's.
  statement {
    sid       = "EcsUpdateServiceInOwnNetwork"
    actions   = ["ecs:UpdateService"]
    resources = ["${local.arn_prefix.ecs}:service/${var.app_name}-${each.key}/*"]

    condition {
      test     = "ArnLikeIfExists"
      variable = "ecs:task-definition"
      values   = ["${local.arn_prefix.ecs}:task-definition/${var.app_name}-${each.key}:*"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "ecs:subnet"
      values   = module.network[each.key].private_subnet_ids
    }

    condition {
      test     = "BoolIfExists"
      variable = "ecs:auto-assign-public-ip"
      values   = ["false"]
    }

    condition {
      test     = "Null"
      variable = "ecs:namespace"
      values   = ["true"]
    }
  }

  # The service stack reads its network from bootstrap's parameter, and
  # nothing else of Systems Manager.
  statement {
    sid       = "NetworkParameter"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.app_name}/${each.key}/network"]
  }
}
