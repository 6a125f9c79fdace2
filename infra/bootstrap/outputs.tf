output "deploy_role_arn" {
  description = "ARN of the role GitHub Actions assumes (the repository variable for aws-actions/configure-aws-credentials' role-to-assume); null when github_repository is null."
  value       = one(aws_iam_role.deploy[*].arn)
}

output "region" {
  description = "AWS region of the state bucket: the backend's region for the other stacks."
  value       = var.region
}

output "state_bucket" {
  description = "Name of the S3 bucket that holds the other stacks' state: the backend's bucket."
  value       = aws_s3_bucket.this.id
}
