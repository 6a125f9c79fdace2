output "alarm_names" {
  description = "The service's four alarms, joined by \",\": target 5xx share, p99 latency, unhealthy hosts, running tasks. The first two roll a deployment back."
  value = join(",", [
    aws_cloudwatch_metric_alarm.target_5xx.alarm_name,
    aws_cloudwatch_metric_alarm.latency_p99.alarm_name,
    aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name,
    aws_cloudwatch_metric_alarm.running_tasks.alarm_name,
  ])
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify on ALARM and OK: the stack's own <app_name>-<environment>-alarms, or alarm_topic_arn."
  value       = local.alarm_topic_arn
}

output "alb_dns_name" {
  description = "DNS name of the load balancer; point a CNAME or alias record here."
  value       = aws_lb.this.dns_name
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard with the service's golden signals."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "URL of the dashboard in the CloudWatch console."
  value       = local.dashboard_url
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
