variable "app_name" {
  type        = string
  description = "Application name: the first part of the repository name. Must match the service stack's app_name."
  default     = "goship"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.app_name))
    error_message = "app_name must be 2-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "environment" {
  type        = string
  description = "Environment name, such as dev or prod: the second part of the repository name. Must match the service stack's environment."
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,9}$", var.environment))
    error_message = "environment must be 1-10 lowercase letters and digits, starting with a letter."
  }
}

variable "image_retention_count" {
  type        = number
  description = "Number of most recent images the repository keeps; older ones expire. Rolling back further than this means rebuilding."
  default     = 30

  validation {
    condition     = var.image_retention_count >= 2 && var.image_retention_count <= 1000 && floor(var.image_retention_count) == var.image_retention_count
    error_message = "image_retention_count must be a whole number between 2 and 1000 (the running image and at least one to roll back to)."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the repository; the same region as the service stack."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}
