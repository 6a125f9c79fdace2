resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
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

  # The circuit breaker catches tasks that never turn healthy; these catch
  # healthy tasks that serve users badly. ECS watches them while the new
  # tasks take over and for a bake time after (so apply waits longer for a
  # steady state), and rolls back to the previous task definition if one
  # goes into ALARM. Only the traffic alarms: too few running tasks is what
  # the circuit breaker already judges.
  alarms {
    alarm_names = [
      aws_cloudwatch_metric_alarm.target_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.latency_p99.alarm_name,
    ]
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.network.private_subnet_ids
    security_groups  = [local.network.service_security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  # Tasks need these before they can start and pass health checks, and on
  # destroy they must outlive them: a target group attached to a listener,
  # and the execution role's permissions. The network is bootstrap's.
  depends_on = [
    aws_iam_role_policy.execution,
    aws_lb_listener.http,
    aws_lb_listener.https,
  ]

  lifecycle {
    ignore_changes = [desired_count]
  }
}
