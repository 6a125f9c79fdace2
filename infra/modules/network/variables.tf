variable "allowed_ingress_cidrs" {
  type        = list(string)
  description = "IPv4 CIDR blocks allowed to reach the load balancer on ports 80 and 443."
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0 && alltrue([for cidr in var.allowed_ingress_cidrs : can(cidrnetmask(cidr))])
    error_message = "allowed_ingress_cidrs must be a non-empty list of IPv4 CIDR blocks, such as \"203.0.113.0/24\"."
  }
}

variable "app_name" {
  type        = string
  description = "Application name: the first part of every resource name and of the SSM parameter /<app_name>/<environment>/network."
}

variable "availability_zone_count" {
  type        = number
  description = "Number of availability zones to spread a new VPC's subnets over. Ignored with vpc_id."
  default     = 2

  validation {
    condition     = contains([2, 3], var.availability_zone_count)
    error_message = "availability_zone_count must be 2 or 3."
  }
}

variable "egress_mode" {
  type        = string
  description = "How tasks in a new VPC's private subnets reach AWS and the internet: \"nat\" (one NAT gateway), \"endpoints\" (VPC endpoints for ECR, CloudWatch Logs and S3 only, no internet) or \"both\". Ignored with vpc_id: the existing VPC's routes decide."
  default     = "nat"

  validation {
    condition     = contains(["nat", "endpoints", "both"], var.egress_mode)
    error_message = "egress_mode must be \"nat\", \"endpoints\" or \"both\"."
  }
}

variable "environment" {
  type        = string
  description = "Environment name: the second part of every resource name."
}

variable "flow_logs_enabled" {
  type        = bool
  description = "Record a new VPC's flow logs (accepted and rejected traffic of every network interface) to a bucket of their own, <app_name>-<environment>-flow-logs-<account id>. Ignored with vpc_id."
  default     = false
}

variable "flow_logs_retention_days" {
  type        = number
  description = "Days the flow-log bucket keeps flow logs before S3 deletes them."
  default     = 90

  validation {
    condition     = var.flow_logs_retention_days >= 1 && floor(var.flow_logs_retention_days) == var.flow_logs_retention_days
    error_message = "flow_logs_retention_days must be a whole number of at least 1."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "With vpc_id: the existing subnets the service's tasks run in (no public IPs; a route to ECR and CloudWatch Logs)."
  default     = []

  validation {
    condition     = alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "private_subnet_ids must be subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "With vpc_id: the existing subnets the internet-facing load balancer runs in (a route to an internet gateway), in at least two availability zones."
  default     = []

  validation {
    condition     = alltrue([for id in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "public_subnet_ids must be subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the network."
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR block of a new VPC, /16 to /24; each subnet gets a sixteenth of it. Ignored with vpc_id."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && can(regex("/(1[6-9]|2[0-4])$", var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block with a prefix length between /16 and /24, such as 10.0.0.0/16."
  }
}

variable "vpc_id" {
  type        = string
  description = "An existing VPC to run in, instead of creating one; public_subnet_ids and private_subnet_ids then name its subnets."
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be null or a VPC ID such as vpc-0123456789abcdef0."
  }

  validation {
    condition     = var.vpc_id == null ? length(var.public_subnet_ids) + length(var.private_subnet_ids) == 0 : length(var.public_subnet_ids) > 0 && length(var.private_subnet_ids) > 0
    error_message = "With vpc_id, public_subnet_ids and private_subnet_ids must both name the existing VPC's subnets; without it, both must be empty (the new VPC's subnets are used)."
  }
}
