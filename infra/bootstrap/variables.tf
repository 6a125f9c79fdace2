variable "alarm_topic_arns" {
  type        = map(string)
  description = "An existing SNS topic each environment's alarms notify instead of their own <app_name>-<environment>-alarms, by environment: the same ARN as that environment's service-stack alarm_topic_arn. The deploy role may point the alarms at it, and nothing else: subscriptions to an existing topic are its owner's (set no alarm_email with it)."
  default     = {}

  validation {
    condition     = alltrue([for env in keys(var.alarm_topic_arns) : contains(var.environments, env)])
    error_message = "alarm_topic_arns may only name environments listed in environments."
  }

  validation {
    condition     = alltrue([for arn in values(var.alarm_topic_arns) : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", arn))])
    error_message = "alarm_topic_arns values must be SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "app_name" {
  type        = string
  description = "Application name. Each environment's deploy role may manage only state under \"<app_name>/<environment>/\" and resources named \"<app_name>-<environment>...\" and tagged Application = app_name, Environment = environment."
  default     = "goship"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.app_name))
    error_message = "app_name must be 2-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "environments" {
  type        = list(string)
  description = "Environments to deploy to. Each gets a permissions boundary for its task roles and, with github_repository, a deploy role that the GitHub environment of the same name may assume."
  default     = ["dev", "prod"]

  validation {
    condition     = length(var.environments) > 0 && length(distinct(var.environments)) == length(var.environments) && alltrue([for env in var.environments : can(regex("^[a-z][a-z0-9]{0,9}$", env))])
    error_message = "environments must be a non-empty list of distinct names of 1-10 lowercase letters and digits, starting with a letter (the pipeline's ENVIRONMENT rule)."
  }
}

variable "github_oidc_provider_arn" {
  type        = string
  description = "ARN of an existing GitHub Actions OIDC identity provider in this account. An account holds at most one per URL: set this when another stack already created it, leave null to create it here."
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be null or the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "github_owner_id" {
  type        = string
  description = "Numeric ID of github_repository's owner (gh api repos/OWNER/NAME --jq .owner.id). Required with github_repository: the deploy roles' OIDC subject names it."
  default     = null

  validation {
    condition     = var.github_owner_id == null || can(regex("^[1-9][0-9]{0,19}$", var.github_owner_id))
    error_message = "github_owner_id must be null or the owner's numeric ID, such as 9919."
  }
}

variable "github_repository" {
  type        = string
  description = "GitHub repository (\"owner/name\") whose jobs in a GitHub environment named like one of environments may assume that environment's deploy role. When null, no OIDC provider or deploy role is created."
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be null or \"owner/name\", exactly as GitHub spells it, such as \"example/goship\"."
  }
}

variable "github_repository_id" {
  type        = string
  description = "Numeric ID of github_repository (gh api repos/OWNER/NAME --jq .id). Required with github_repository: the deploy roles' OIDC subject names it, so that a renamed or transferred repository's name cannot be reused to assume them."
  default     = null

  validation {
    condition     = var.github_repository_id == null || can(regex("^[1-9][0-9]{0,19}$", var.github_repository_id))
    error_message = "github_repository_id must be null or the repository's numeric ID, such as 1296269."
  }
}

variable "networks" {
  type = map(object({
    allowed_ingress_cidrs    = optional(list(string))
    availability_zone_count  = optional(number)
    egress_mode              = optional(string)
    flow_logs_enabled        = optional(bool)
    flow_logs_retention_days = optional(number)
    private_subnet_ids       = optional(list(string))
    public_subnet_ids        = optional(list(string))
    vpc_cidr                 = optional(string)
    vpc_id                   = optional(string)
  }))
  description = "Each environment's network, by environment name. An environment not named here gets a new VPC (10.0.0.0/16 over 2 zones, one NAT gateway, the load balancer open to 0.0.0.0/0 on 80 and 443). Set vpc_cidr, availability_zone_count, egress_mode (nat, endpoints or both), flow_logs_enabled, flow_logs_retention_days and allowed_ingress_cidrs to change that, or vpc_id with public_subnet_ids and private_subnet_ids to run in an existing VPC (only the two security groups are created there)."
  default     = {}

  validation {
    condition     = alltrue([for env in keys(var.networks) : contains(var.environments, env)])
    error_message = "networks may only name environments listed in environments."
  }

  # The deploy policy pins each environment to its own subnets; a VPC shared
  # by two environments would still let one use the other's security groups
  # and target groups (docs/adr/0004).
  validation {
    condition     = length(compact([for network in values(var.networks) : network.vpc_id])) == length(distinct(compact([for network in values(var.networks) : network.vpc_id])))
    error_message = "networks must give each environment a VPC of its own: two environments name the same vpc_id."
  }
}

variable "noncurrent_version_expiration_days" {
  type        = number
  description = "Days the state bucket keeps a superseded state version before deleting it: the window for recovering an earlier state."
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of at least 1."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the state bucket, and the region the deploy role may manage resources in."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the S3 bucket for Terraform state. Bucket names are global: include something unique, such as the account ID."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name)) && !can(regex("\\.\\.|^xn--|-s3alias$|--ol-s3$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."
  }
}
