# The deploy role's network permissions, a managed policy of their own: IAM
# caps a role's inline policies at 10,240 characters together, and EC2's
# tag conditions take room. New EC2 resources must carry this environment's
# tags; existing ones may be changed only when they carry them already.
resource "aws_iam_policy" "deploy_network" {
  for_each = local.github_enabled ? local.environments : toset([])

  name        = "${var.app_name}-${each.key}-deploy-network"
  path        = local.deploy_path
  description = "Network permissions of the ${var.app_name} ${each.key} deploy role: EC2 resources tagged for ${var.app_name}-${each.key}"
  policy      = data.aws_iam_policy_document.deploy_network[each.key].json
}

resource "aws_iam_role_policy_attachment" "deploy_network" {
  for_each = aws_iam_role.deploy

  role       = each.value.name
  policy_arn = aws_iam_policy.deploy_network[each.key].arn
}

data "aws_iam_policy_document" "deploy_network" {
  for_each = local.environments

  # EC2 authorises its reads on no resource narrower than "*". Listed one by
  # one, those infra/network.tf's resources make (infra/deploy_calls_test.go),
  # not ec2:Describe*, which also reads launch templates' user data and
  # instance attributes.
  statement {
    sid = "Ec2Reads"
    actions = [
      "ec2:DescribeAddresses",
      "ec2:DescribeAddressesAttribute",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeFlowLogs",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeNatGateways",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribePrefixLists",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcAttribute",
      "ec2:DescribeVpcEndpointServices",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  # A create call is authorised on the resource it creates and on the
  # existing ones it names (the VPC of a subnet, the security group of a
  # rule, the subnets and route tables of an endpoint). The request tags
  # only say what the new resource will carry, so each statement below
  # grants an action only on the type it creates; the existing resources it
  # names must carry this environment's tags (Ec2ChangeTagged). One
  # statement with every create action on every type would let a request
  # that carries our tags add a rule to any security group, or a subnet,
  # route or endpoint to any VPC, in the region.
  statement {
    sid = "Ec2CreateTagged"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateFlowLogs",
      "ec2:CreateInternetGateway",
      "ec2:CreateNatGateway",
      "ec2:CreateVpcEndpoint",
    ]
    resources = [
      "${local.arn_prefix.ec2}:internet-gateway/*",
      "${local.arn_prefix.ec2}:natgateway/*",
      "${local.arn_prefix.ec2}:security-group-rule/*",
      "${local.arn_prefix.ec2}:vpc-endpoint/*",
      "${local.arn_prefix.ec2}:vpc-flow-log/*",
    ]

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
    sid = "Ec2CreateVpcTagged"
    actions = [
      "ec2:CreateVpc",
    ]
    resources = [
      "${local.arn_prefix.ec2}:vpc/*",
    ]

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
    sid = "Ec2CreateInVpcTagged"
    actions = [
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
    ]
    resources = [
      "${local.arn_prefix.ec2}:route-table/*",
      "${local.arn_prefix.ec2}:security-group/*",
      "${local.arn_prefix.ec2}:subnet/*",
    ]

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
    sid = "Ec2AllocateAddressTagged"
    actions = [
      "ec2:AllocateAddress",
    ]
    resources = [
      "${local.arn_prefix.ec2}:elastic-ip/*",
    ]

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
    sid       = "Ec2TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn_prefix.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values = [
        "AllocateAddress",
        "AuthorizeSecurityGroupEgress",
        "AuthorizeSecurityGroupIngress",
        "CreateFlowLogs",
        "CreateInternetGateway",
        "CreateNatGateway",
        "CreateRouteTable",
        "CreateSecurityGroup",
        "CreateSubnet",
        "CreateVpc",
        "CreateVpcEndpoint",
      ]
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
    sid = "Ec2ChangeTagged"
    actions = [
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateFlowLogs",
      "ec2:CreateNatGateway",
      "ec2:CreateRoute",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateVpcEndpoint",
      "ec2:DeleteFlowLogs",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteNatGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteVpc",
      "ec2:DeleteVpcEndpoints",
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
    ]
    resources = ["${local.arn_prefix.ec2}:*"]

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

  # Tags of this environment's resources may change, except the two that
  # scope this policy.
  statement {
    sid       = "Ec2RetagOwn"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = ["${local.arn_prefix.ec2}:*"]

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
      test     = "ForAllValues:StringNotEquals"
      variable = "aws:TagKeys"
      values   = ["Application", "Environment"]
    }

    # ForAllValues holds on an empty set, and a DeleteTags without Tags
    # deletes every tag, Application and Environment included.
    condition {
      test     = "Null"
      variable = "aws:TagKeys"
      values   = ["false"]
    }
  }

  # AWS creates a VPC's default security group untagged; the service stack
  # adopts it (aws_default_security_group) to strip its rules, and tagging it
  # is how it becomes this environment's. docs/adr/0004: the one EC2 grant on
  # resources that are not yet tagged.
  statement {
    sid       = "Ec2AdoptDefaultSecurityGroup"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn_prefix.ec2}:security-group/*"]

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

  # Interface endpoints with private DNS attach the VPC to AWS-managed
  # private hosted zones, which no policy can name in advance.
  statement {
    sid = "EndpointPrivateDns"
    actions = [
      "route53:AssociateVPCWithHostedZone",
      "route53:DisassociateVPCFromHostedZone",
    ]
    resources = ["arn:${local.partition}:route53:::hostedzone/*"]

    condition {
      test     = "StringLike"
      variable = "route53:VPCs"
      values   = ["VPCId=*,VPCRegion=${var.region}"]
    }
  }
}
