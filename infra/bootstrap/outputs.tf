output "deploy_role_arns" {
  description = "ARN of each environment's deploy role, by environment: the AWS_DEPLOY_ROLE_ARN variable of the GitHub environment of that name. Empty when github_repository is null."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "github_repository" {
  description = "GitHub repository whose environments may assume the deploy roles; null when none."
  value       = var.github_repository
}

output "permissions_boundary_arns" {
  description = "ARN of each environment's permissions boundary, by environment: every role the service stack creates carries it."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}

output "region" {
  description = "AWS region of the state bucket: the backend's region for the other stacks."
  value       = var.region
}

output "state_bucket" {
  description = "Name of the S3 bucket that holds the other stacks' state: the backend's bucket."
  value       = aws_s3_bucket.this.id
}
