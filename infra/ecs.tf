resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_security_group" "service" {
  name        = "${local.name}-service"
  description = "Service tasks: the container port from the load balancer only"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${local.name}-service"
  }
}

resource "aws_vpc_security_group_ingress_rule" "service_alb" {
  security_group_id            = aws_security_group.service.id
  description                  = "Requests and health checks from the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port

  # See terraform_data.container_port in alb.tf.
  lifecycle {
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.container_port]
  }
}

# With a NAT gateway, tasks may call HTTPS anywhere (ECR, CloudWatch Logs and
# the app's own dependencies).
resource "aws_vpc_security_group_egress_rule" "service_https" {
  count = local.nat_enabled ? 1 : 0

  security_group_id = aws_security_group.service.id
  description       = "HTTPS to AWS APIs and the internet through the NAT gateway"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# Without one, tasks reach only the VPC endpoints.
resource "aws_vpc_security_group_egress_rule" "service_endpoint" {
  count = local.nat_enabled ? 0 : 1

  security_group_id            = aws_security_group.service.id
  description                  = "HTTPS to the ECR and CloudWatch Logs interface endpoints"
  referenced_security_group_id = aws_security_group.endpoint[0].id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_security_group_egress_rule" "service_s3" {
  count = local.nat_enabled ? 0 : 1

  security_group_id = aws_security_group.service.id
  description       = "HTTPS to S3 (image layers) through the gateway endpoint"
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = local.container_name
      image     = var.image
      essential = true

      # The image is distroless and runs as nonroot; nothing in it writes to
      # its own filesystem, and it needs no privilege.
      user                   = "65532:65532"
      readonlyRootFilesystem = true

      # Not one Linux capability: the server binds an unprivileged port and
      # touches nothing of the kernel's. Fargate allows dropping all.
      linuxParameters = {
        capabilities = {
          drop = ["ALL"]
        }
      }

      portMappings = [
        {
          containerPort = var.container_port
          hostPort      = var.container_port
          protocol      = "tcp"
        },
      ]

      environment = [
        for name, value in local.container_environment : {
          name  = name
          value = value
        }
      ]

      # No shell in the image: the binary checks itself.
      healthCheck = {
        command     = ["CMD", "/api", "healthcheck"]
        interval    = 5
        timeout     = 2
        retries     = 3
        startPeriod = 5
      }

      stopTimeout = local.stop_timeout_seconds

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = var.region
          awslogs-stream-prefix = local.container_name
          mode                  = "non-blocking"
        }
      }
    },
  ])

  lifecycle {
    # Every new image replaces the task definition (a new revision). By
    # default Terraform would deregister the running revision before the
    # service moves off it, so a failed deployment's circuit breaker would roll
    # back to an INACTIVE revision; this registers the new revision first and
    # deregisters the old one only after the service has been updated.
    create_before_destroy = true

    precondition {
      condition     = startswith(var.image, "${local.image_repository}@")
      error_message = "image must come from ${local.image_repository}: this environment's repository unless image_repository names another (the execution role may pull from this environment's ECR repository only)."
    }
  }
}

resource "aws_ecs_service" "this" {
  name            = local.name
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.this.arn
  launch_type     = "FARGATE"
  propagate_tags  = "SERVICE"

  # Autoscaling owns the running count once the service exists: without
  # ignore_changes every apply would reset it to desired_count.
  desired_count = var.desired_count

  # Rolling deploy: start new tasks next to the old ones (200 %), stop old
  # ones only as new ones turn healthy (100 %), and roll back on failure.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = local.health_check_grace_period_seconds
  wait_for_steady_state              = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  # Tasks need all of this before they can start and pass health checks, and
  # on destroy it must outlive them: a target group attached to a listener,
  # the execution role's permissions, the security group rules, and a way out
  # of the private subnets (NAT route or endpoints).
  depends_on = [
    aws_iam_role_policy.execution,
    aws_lb_listener.http,
    aws_lb_listener.https,
    aws_route.private_internet,
    aws_route_table_association.private,
    aws_vpc_endpoint.interface,
    aws_vpc_endpoint.s3,
    aws_vpc_security_group_egress_rule.alb_service,
    aws_vpc_security_group_egress_rule.service_endpoint,
    aws_vpc_security_group_egress_rule.service_https,
    aws_vpc_security_group_egress_rule.service_s3,
    aws_vpc_security_group_ingress_rule.endpoint_https,
    aws_vpc_security_group_ingress_rule.service_alb,
  ]

  lifecycle {
    ignore_changes = [desired_count]
  }
}
