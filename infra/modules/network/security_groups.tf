# The load balancer's and the service's security groups belong to the
# network, not to the service stack: the deploy role writes nothing in EC2.
# So no rule names the container port (a port change must need no EC2
# write): the load balancer reaches the service's tasks on any unprivileged
# port, and only the load balancer reaches them.
locals {
  # The unprivileged ports, where the container (nonroot) can listen; the
  # service stack's container_port is validated to this range.
  task_ports = { from = 1024, to = 65535 }

  # An existing VPC's routes decide where tasks go; in a new one without a
  # NAT gateway, only the endpoints are there.
  service_egress_anywhere = !local.create_vpc || local.nat_enabled
}

resource "aws_security_group" "load_balancer" {
  name        = "${local.name}-alb"
  description = "Load balancer: HTTP(S) from allowed_ingress_cidrs, out to the service's tasks only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, {
    Name = "${local.name}-alb"
  })
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_http" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTP from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

# Open whether or not the service has a certificate: nothing listens on 443
# without one, and adding one later needs no EC2 write.
resource "aws_vpc_security_group_ingress_rule" "load_balancer_https" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTPS from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_service" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "Requests and health checks to the service's tasks"
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = local.task_ports.from
  to_port                      = local.task_ports.to
}

resource "aws_security_group" "service" {
  name        = "${local.name}-service"
  description = "Service tasks: from the load balancer only"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, {
    Name = "${local.name}-service"
  })
}

resource "aws_vpc_security_group_ingress_rule" "service_load_balancer" {
  security_group_id            = aws_security_group.service.id
  description                  = "Requests and health checks from the load balancer"
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = local.task_ports.from
  to_port                      = local.task_ports.to
}

# With a NAT gateway (or an existing VPC's own routes), tasks may call HTTPS
# anywhere: ECR, CloudWatch Logs and the app's own dependencies.
resource "aws_vpc_security_group_egress_rule" "service_https" {
  count = local.service_egress_anywhere ? 1 : 0

  security_group_id = aws_security_group.service.id
  description       = "HTTPS to AWS APIs and the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# Without one, tasks reach only the VPC endpoints.
resource "aws_vpc_security_group_egress_rule" "service_endpoint" {
  count = local.service_egress_anywhere ? 0 : 1

  security_group_id            = aws_security_group.service.id
  description                  = "HTTPS to the ECR and CloudWatch Logs interface endpoints"
  referenced_security_group_id = aws_security_group.endpoint[0].id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_security_group_egress_rule" "service_s3" {
  count = local.service_egress_anywhere ? 0 : 1

  security_group_id = aws_security_group.service.id
  description       = "HTTPS to S3 (image layers) through the gateway endpoint"
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}
