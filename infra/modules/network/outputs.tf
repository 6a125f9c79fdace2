output "load_balancer_security_group_id" {
  description = "Security group of the service's load balancer."
  value       = aws_security_group.load_balancer.id
}

output "parameter_name" {
  description = "SSM parameter that tells the service stack and the deploy role's policy this network."
  value       = aws_ssm_parameter.network.name
}

output "private_subnet_ids" {
  description = "Subnets the service's tasks run in."
  value       = local.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Subnets the load balancer runs in."
  value       = local.public_subnet_ids
}

output "service_security_group_id" {
  description = "Security group of the service's tasks."
  value       = aws_security_group.service.id
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = local.vpc_id
}
