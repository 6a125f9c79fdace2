locals {
  # Every name starts with app and environment, so environments coexist in
  # one account. The registry stack (infra/registry) names the repository
  # with the same rule; this stack derives the repository from it instead of
  # reading it, so that destroy still works when the repository is gone.
  name            = "${var.app_name}-${var.environment}"
  repository_name = local.name
  repository_arn  = "arn:${data.aws_partition.current.partition}:ecr:${var.region}:${data.aws_caller_identity.current.account_id}:repository/${local.repository_name}"
  repository_url  = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.${data.aws_partition.current.dns_suffix}/${local.repository_name}"
  # Where the image must come from: the environment's repository unless the
  # pipeline publishes elsewhere (--image-repository).
  image_repository = var.image_repository != "" ? var.image_repository : local.repository_url

  container_name = "api"
  metrics_port   = 9090

  https_enabled = var.certificate_arn != null

  # The environment's network, applied by bootstrap (infra/modules/network):
  # vpc_id, public_subnet_ids, private_subnet_ids,
  # load_balancer_security_group_id, service_security_group_id. The deploy
  # role may run the service in exactly these and nowhere else.
  network = jsondecode(data.aws_ssm_parameter.network.insecure_value)

  # How a task stops (deploy, scale-in):
  #   1. ECS deregisters it: the ALB sends no new requests and gives in-flight
  #      ones deregistration_delay seconds to finish;
  #   2. ECS sends SIGTERM: /readyz turns 503 and the app keeps serving for
  #      DRAIN_DELAY, then Shutdown waits up to SHUTDOWN_TIMEOUT;
  #   3. ECS sends SIGKILL stopTimeout seconds after SIGTERM.
  # An in-flight request gets as long at the ALB as the app's own Shutdown
  # would give it, which is never more than the app's drain window, and
  # stopTimeout covers the whole window plus a margin for process exit.
  drain_window_seconds         = var.drain_delay_seconds + var.shutdown_timeout_seconds
  deregistration_delay_seconds = var.shutdown_timeout_seconds
  stop_timeout_seconds         = min(local.drain_window_seconds + 5, 120)

  # Seconds ECS ignores failing ALB health checks after a task starts. The
  # app is ready in well under a second; this covers Fargate attaching the
  # task and the two 5-second checks it needs to turn healthy.
  health_check_grace_period_seconds = 15

  # The Go runtime's soft memory limit: as the heap nears it, the garbage
  # collector runs harder instead of letting the process grow into the
  # task's hard limit, where the kernel kills it (many connections holding
  # large headers took the api from 61 to 325 MB). It counts only what the
  # Go runtime manages, so a fifth of the task stays outside it for what it
  # does not: socket buffers the kernel charges to the task, the binary's
  # pages, and the health check's second /api process every 5 seconds.
  go_memory_limit_mib = floor(var.memory * 0.8)

  container_environment = merge(var.environment_variables, {
    DRAIN_DELAY      = "${var.drain_delay_seconds}s"
    GOMEMLIMIT       = "${local.go_memory_limit_mib}MiB"
    METRICS_PORT     = tostring(local.metrics_port)
    PORT             = tostring(var.container_port)
    SHUTDOWN_TIMEOUT = "${var.shutdown_timeout_seconds}s"
  })

  alb_access_logs_prefix = "alb"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_ssm_parameter" "network" {
  name = "/${var.app_name}/${var.environment}/network"
}
