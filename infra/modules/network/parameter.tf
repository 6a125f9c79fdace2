# The service stack reads its network here, by a name it derives from app
# and environment; bootstrap's deploy policy pins the same IDs into the
# deploy role's ECS and load balancer grants. A plain String: IDs are no
# secret, and a SecureString would need a KMS grant to read.
resource "aws_ssm_parameter" "network" {
  name        = "/${var.app_name}/${var.environment}/network"
  description = "Network of ${local.name}, applied by bootstrap: read by the service stack"
  type        = "String"
  value = jsonencode({
    vpc_id                          = local.vpc_id
    public_subnet_ids               = local.public_subnet_ids
    private_subnet_ids              = local.private_subnet_ids
    load_balancer_security_group_id = aws_security_group.load_balancer.id
    service_security_group_id       = aws_security_group.service.id
  })

  tags = local.tags
}
