output "region" {
  description = "AWS region of the repository."
  value       = var.region
}

output "repository_arn" {
  description = "ARN of the ECR repository."
  value       = aws_ecr_repository.this.arn
}

output "repository_name" {
  description = "Name of the ECR repository: <app_name>-<environment>."
  value       = aws_ecr_repository.this.name
}

output "repository_url" {
  description = "URL to push to and to build the image reference from: <repository_url>@sha256:<digest> is the service stack's image."
  value       = aws_ecr_repository.this.repository_url
}
