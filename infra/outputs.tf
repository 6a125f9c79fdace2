output "alb_dns_name" {
  description = "DNS name of the load balancer; point a CNAME or alias record here."
  value       = aws_lb.this.dns_name
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "ecr_repository_url" {
  description = "URL of the ECR repository the service pulls from (created by infra/registry), without a tag or digest."
  value       = local.repository_url
}

output "log_group_name" {
  description = "CloudWatch Logs group that receives the container's output."
  value       = aws_cloudwatch_log_group.this.name
}

output "region" {
  description = "AWS region the service runs in."
  value       = var.region
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_url" {
  description = "Base URL of the service: https when certificate_arn is set, http otherwise, on the load balancer's DNS name."
  value       = "${local.https_enabled ? "https" : "http"}://${aws_lb.this.dns_name}"
}
