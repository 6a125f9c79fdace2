# Each environment's network, applied here by the administrator rather than
# by the deploy role: the deploy policy pins the service to these subnets
# and security groups by ID (docs/adr/0004), which it could not do for a
# network the role creates itself, and a role that can create VPC resources
# can reach other environments' networks.
module "network" {
  source   = "../modules/network"
  for_each = local.environments

  app_name    = var.app_name
  environment = each.key
  region      = var.region

  allowed_ingress_cidrs    = local.networks[each.key].allowed_ingress_cidrs
  availability_zone_count  = local.networks[each.key].availability_zone_count
  egress_mode              = local.networks[each.key].egress_mode
  flow_logs_enabled        = local.networks[each.key].flow_logs_enabled
  flow_logs_retention_days = local.networks[each.key].flow_logs_retention_days
  private_subnet_ids       = local.networks[each.key].private_subnet_ids
  public_subnet_ids        = local.networks[each.key].public_subnet_ids
  vpc_cidr                 = local.networks[each.key].vpc_cidr
  vpc_id                   = local.networks[each.key].vpc_id
}

locals {
  # What an environment gets for a setting networks does not give it.
  network_defaults = {
    allowed_ingress_cidrs    = ["0.0.0.0/0"]
    availability_zone_count  = 2
    egress_mode              = "nat"
    flow_logs_enabled        = false
    flow_logs_retention_days = 90
    private_subnet_ids       = []
    public_subnet_ids        = []
    vpc_cidr                 = "10.0.0.0/16"
    vpc_id                   = null
  }

  networks = {
    for env in local.environments : env => {
      for key, default in local.network_defaults : key => try(var.networks[env][key] != null ? var.networks[env][key] : default, default)
    }
  }
}
