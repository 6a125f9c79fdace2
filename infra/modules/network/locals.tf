locals {
  name = "${var.app_name}-${var.environment}"

  # An existing VPC (a platform team's) is used as it is: this module adds
  # only the two security groups the service needs, and tells the service
  # stack where to run.
  create_vpc        = var.vpc_id == null
  nat_enabled       = local.create_vpc && contains(["nat", "both"], var.egress_mode)
  endpoints_enabled = local.create_vpc && contains(["endpoints", "both"], var.egress_mode)

  vpc_id             = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  public_subnet_ids  = local.create_vpc ? aws_subnet.public[*].id : var.public_subnet_ids
  private_subnet_ids = local.create_vpc ? aws_subnet.private[*].id : var.private_subnet_ids

  # bootstrap's provider tags everything with Application; the Environment
  # tag is this module's, since one bootstrap serves every environment.
  tags = {
    Application = var.app_name
    Environment = var.environment
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
