resource "aws_lb" "this" {
  name               = local.name
  internal           = false
  load_balancer_type = "application"
  security_groups    = [local.network.load_balancer_security_group_id]
  subnets            = local.network.public_subnet_ids

  drop_invalid_header_fields = true
  enable_deletion_protection = false # destroy must run unattended
  idle_timeout               = 60

  dynamic "access_logs" {
    for_each = var.alb_access_logs_enabled ? [aws_s3_bucket.log[0].id] : []

    content {
      bucket  = access_logs.value
      prefix  = local.alb_access_logs_prefix
      enabled = true
    }
  }

  # Enabling access logs makes the load balancer write a test object, which
  # the bucket policy must already allow.
  depends_on = [aws_s3_bucket_policy.log]
}

# Changing container_port must not cut traffic, and needs no network
# change: the security groups (bootstrap's) admit every unprivileged port
# from the load balancer. The tasks on the old port keep serving until new
# ones, registered in the same target group on the new port, are healthy.
resource "aws_lb_target_group" "this" {
  name = local.name

  # ECS registers every task with its container port, which overrides this
  # default, and the health check's traffic-port follows the task. Fixed, so
  # that a new container_port never replaces the group: a replaced group
  # cannot be deleted while the listener uses it (ResourceInUse), and a
  # listener moved to a new, empty group serves 503s until new tasks turn
  # healthy in it. 8080 is container_port's default, so stacks applied before
  # keep their group.
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = local.network.vpc_id

  # Seconds, not the default 300: see the stop sequence in main.tf.
  deregistration_delay = local.deregistration_delay_seconds

  # A new task turns healthy after 2 checks 5 seconds apart (10 s instead of
  # the default 5 x 30 s); a broken one is out after 10 s.
  health_check {
    enabled             = true
    path                = "/healthz"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 5
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Without a certificate, port 80 forwards to the tasks. With one, port 80
# only redirects to 443: one resource either way, so adding a certificate
# later updates the listener in place instead of fighting over port 80.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https_enabled ? "redirect" : "forward"
    target_group_arn = local.https_enabled ? null : aws_lb_target_group.this.arn

    dynamic "redirect" {
      for_each = local.https_enabled ? [443] : []

      content {
        port        = tostring(redirect.value)
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https_enabled ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}
