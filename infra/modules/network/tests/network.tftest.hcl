# Plan-only tests of the network module against a mocked AWS provider; the
# last runs apply against the mock (creating nothing) to check what is
# built from computed values.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/test"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }

  mock_resource "aws_vpc" {
    defaults = {
      id = "vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_subnet" {
    defaults = {
      id = "subnet-0123456789abcdef0"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0"
      id  = "sg-0123456789abcdef0"
    }
  }

  mock_resource "aws_vpc_endpoint" {
    defaults = {
      arn            = "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/vpce-0123456789abcdef0"
      prefix_list_id = "pl-63a5400a"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::goship-dev-flow-logs-123456789012"
      id  = "goship-dev-flow-logs-123456789012"
    }
  }
}

variables {
  app_name    = "goship"
  environment = "dev"
  region      = "us-east-1"
}

run "defaults" {
  command = plan

  assert {
    condition     = length(aws_vpc.this) == 1 && length(aws_subnet.private) == 2 && length(aws_subnet.public) == 2
    error_message = "A new VPC over two zones, two subnets of each tier."
  }

  assert {
    condition     = alltrue([for s in concat(aws_subnet.private, aws_subnet.public) : s.map_public_ip_on_launch == false])
    error_message = "No subnet may map public IPs on launch."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_endpoint.s3) == 0
    error_message = "The default egress is one NAT gateway and no endpoints."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.load_balancer_http) == 1 && length(aws_vpc_security_group_ingress_rule.load_balancer_https) == 1
    error_message = "The load balancer admits 80 and 443 from 0.0.0.0/0 by default."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_load_balancer.from_port == 1024 && aws_vpc_security_group_ingress_rule.service_load_balancer.to_port == 65535
    error_message = "The service admits the load balancer on every unprivileged port, so a new container port needs no EC2 change."
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && length(aws_s3_bucket.flow_logs) == 0
    error_message = "Flow logs are off by default."
  }

  assert {
    condition     = aws_ssm_parameter.network.name == "/goship/dev/network" && aws_ssm_parameter.network.type == "String"
    error_message = "The network is written to /<app>/<env>/network as a String."
  }
}

run "endpoints_only" {
  command = plan

  variables {
    egress_mode             = "endpoints"
    availability_zone_count = 3
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_internet) == 0
    error_message = "egress_mode endpoints must not create a NAT gateway."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs"]) && alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled])
    error_message = "ECR and CloudWatch Logs interface endpoints with private DNS are needed to start tasks."
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3) == 1 && aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway"
    error_message = "Image layers come from S3 through a gateway endpoint."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.service_https) == 0 && length(aws_vpc_security_group_egress_rule.service_endpoint) == 1 && length(aws_vpc_security_group_egress_rule.service_s3) == 1
    error_message = "Without NAT, tasks may reach only the endpoints."
  }

  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3
    error_message = "Three availability zones, three subnets of each tier."
  }
}

run "both_egress_paths" {
  command = plan

  variables {
    egress_mode = "both"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_vpc_endpoint.interface) == 3 && length(aws_vpc_endpoint.s3) == 1
    error_message = "egress_mode both must create the NAT gateway and the endpoints."
  }
}

# A platform team's VPC: only the two security groups are created in it,
# and the parameter names its subnets.
run "existing_vpc" {
  command = apply

  variables {
    vpc_id             = "vpc-0feedfeedfeedfeed"
    public_subnet_ids  = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
    private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.public) == 0 && length(aws_subnet.private) == 0 && length(aws_nat_gateway.this) == 0 && length(aws_internet_gateway.this) == 0 && length(aws_flow_log.this) == 0
    error_message = "An existing VPC gets no VPC resources of ours."
  }

  assert {
    condition     = aws_security_group.service.vpc_id == "vpc-0feedfeedfeedfeed" && aws_security_group.load_balancer.vpc_id == "vpc-0feedfeedfeedfeed"
    error_message = "The security groups must be created in the existing VPC."
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.network.value).private_subnet_ids == ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] && jsondecode(aws_ssm_parameter.network.value).public_subnet_ids == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"] && jsondecode(aws_ssm_parameter.network.value).vpc_id == "vpc-0feedfeedfeedfeed"
    error_message = "The parameter must name the existing VPC and its subnets."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.service_https) == 1
    error_message = "In an existing VPC, tasks send HTTPS anywhere; its routes decide where it goes."
  }
}

run "existing_vpc_needs_its_subnets" {
  command = plan

  variables {
    vpc_id            = "vpc-0feedfeedfeedfeed"
    public_subnet_ids = ["subnet-0aaaaaaaaaaaaaaa1"]
  }

  expect_failures = [var.vpc_id]
}

run "subnets_need_an_existing_vpc" {
  command = plan

  variables {
    private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb1"]
  }

  expect_failures = [var.vpc_id]
}

run "rejects_malformed_subnets" {
  command = plan

  variables {
    vpc_id             = "vpc-0feedfeedfeedfeed"
    public_subnet_ids  = ["public-a"]
    private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb1"]
  }

  expect_failures = [var.public_subnet_ids]
}

# Creates nothing: the mock provider fakes every resource.
run "flow_logs" {
  command = apply

  variables {
    flow_logs_enabled        = true
    flow_logs_retention_days = 30
  }

  assert {
    condition     = aws_flow_log.this[0].log_destination_type == "s3" && aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].iam_role_arn == null && aws_flow_log.this[0].log_destination == "arn:aws:s3:::goship-dev-flow-logs-123456789012"
    error_message = "Flow logs must record all traffic straight to the network's own bucket, with no IAM role."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.flow_logs[0].block_public_acls &&
      aws_s3_bucket_public_access_block.flow_logs[0].block_public_policy &&
      aws_s3_bucket_public_access_block.flow_logs[0].ignore_public_acls &&
      aws_s3_bucket_public_access_block.flow_logs[0].restrict_public_buckets
    )
    error_message = "The flow-log bucket must block every kind of public access."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.flow_logs[0].rule).expiration).days == 30
    error_message = "Flow logs must expire after flow_logs_retention_days."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_s3_bucket_policy.flow_logs[0].policy).Statement : s.Sid
    ]) == toset(["DenyInsecureTransport", "FlowLogsWrite", "FlowLogsAclCheck"])
    error_message = "Only log delivery may write flow logs, and plain HTTP is denied."
  }
}
