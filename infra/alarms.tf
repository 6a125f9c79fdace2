# The service's signals, on what the load balancer and ECS already measure:
# no agent, no custom metric. The names are a contract: the pipeline's bake
# watch and status read these four alarms by name, and the deploy role may
# write alarms of this environment only.
locals {
  alarm_names = {
    target_5xx      = "${local.name}-target-5xx"
    latency_p99     = "${local.name}-latency-p99"
    unhealthy_hosts = "${local.name}-unhealthy-hosts"
    running_tasks   = "${local.name}-running-tasks"
  }

  # The load balancer publishes per target group under both dimensions.
  target_group_dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.this.arn_suffix
  }

  service_dimensions = {
    ClusterName = aws_ecs_cluster.this.name
    ServiceName = aws_ecs_service.this.name
  }
}

# 5xx answered by the tasks, as a share of requests. A share, not a count,
# so that the threshold means the same at 1 and at 1000 requests a second;
# and only over alarm_minimum_requests requests a period, so that one error
# among a handful of requests of a quiet service is no alarm. The load
# balancer publishes no 5xx count in a period without 5xx, hence FILL.
# 5xx the load balancer makes itself (no healthy target, a timeout) are
# HTTPCode_ELB_5XX_Count: the unhealthy-hosts and running-tasks alarms
# watch their causes.
resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  alarm_name          = local.alarm_names.target_5xx
  alarm_description   = "More than ${var.alarm_target_5xx_percent} % of requests to ${local.name} answered 5xx by the tasks in ${var.alarm_datapoints_to_alarm} of ${var.alarm_evaluation_periods} periods of ${var.alarm_period_seconds} s (periods with fewer than ${var.alarm_minimum_requests} requests count as fine). During a deployment ECS rolls back to the previous task definition. Look at the dashboard ${local.name} and the log group ${aws_cloudwatch_log_group.this.name}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_target_5xx_percent
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  treat_missing_data  = var.alarm_treat_missing_data
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]

  metric_query {
    id          = "share"
    label       = "Target 5xx (% of requests)"
    expression  = "IF(requests >= ${var.alarm_minimum_requests}, 100 * FILL(errors, 0) / requests, 0)"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.target_group_dimensions
      period      = var.alarm_period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.target_group_dimensions
      period      = var.alarm_period_seconds
      stat        = "Sum"
    }
  }
}

# The slowest 1 % of responses against the latency objective. With few
# requests the 99th percentile is simply the slowest request, so the same
# minimum of requests applies as to the 5xx share.
resource "aws_cloudwatch_metric_alarm" "latency_p99" {
  alarm_name          = local.alarm_names.latency_p99
  alarm_description   = "The 99th percentile of ${local.name}'s response time (TargetResponseTime) was above ${var.alarm_latency_p99_seconds} s in ${var.alarm_datapoints_to_alarm} of ${var.alarm_evaluation_periods} periods of ${var.alarm_period_seconds} s (periods with fewer than ${var.alarm_minimum_requests} requests count as fine). During a deployment ECS rolls back to the previous task definition. Look at the dashboard ${local.name}: CPU near 100 % means too few tasks."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_latency_p99_seconds
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  treat_missing_data  = var.alarm_treat_missing_data
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]

  metric_query {
    id          = "latency"
    label       = "Target response time p99 (s)"
    expression  = "IF(requests >= ${var.alarm_minimum_requests}, p99, 0)"
    return_data = true
  }

  metric_query {
    id = "p99"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "TargetResponseTime"
      dimensions  = local.target_group_dimensions
      period      = var.alarm_period_seconds
      stat        = "p99"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.target_group_dimensions
      period      = var.alarm_period_seconds
      stat        = "Sum"
    }
  }
}

# Targets failing the health check (GET /healthz). A task that fails it is
# replaced by ECS; this says that it keeps happening. Tasks starting
# (initial) and stopping (draining) are not counted as unhealthy, so a
# deployment alone does not raise it.
resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = local.alarm_names.unhealthy_hosts
  alarm_description   = "At least ${var.alarm_unhealthy_hosts} of ${local.name}'s targets failed the load balancer's health check (GET /healthz) in ${var.alarm_datapoints_to_alarm} of ${var.alarm_evaluation_periods} periods of ${var.alarm_period_seconds} s. Look at the service's events (goship status) and the log group ${aws_cloudwatch_log_group.this.name}."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_unhealthy_hosts
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  treat_missing_data  = var.alarm_treat_missing_data
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]

  namespace   = "AWS/ApplicationELB"
  metric_name = "UnHealthyHostCount"
  dimensions  = local.target_group_dimensions
  period      = var.alarm_period_seconds
  statistic   = "Maximum"
}

# Running tasks below the desired count, which autoscaling moves: Container
# Insights publishes both for the service, and the cluster has it on
# already (ecs.tf), so this alarm adds no metric cost. A service whose
# desired count is reported without a running count has no running task,
# hence FILL. DOCS-NOTES.md says why not the free AWS/ECS metrics.
resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  alarm_name          = local.alarm_names.running_tasks
  alarm_description   = "${local.name} ran at least ${var.alarm_running_tasks_missing} task(s) fewer than its desired count in ${var.alarm_datapoints_to_alarm} of ${var.alarm_evaluation_periods} periods of ${var.alarm_period_seconds} s: tasks stop or cannot start. Look at the service's events and stopped tasks (goship status)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_running_tasks_missing
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  treat_missing_data  = var.alarm_treat_missing_data
  alarm_actions       = [local.alarm_topic_arn]
  ok_actions          = [local.alarm_topic_arn]

  metric_query {
    id          = "missing"
    label       = "Tasks missing (desired - running)"
    expression  = "desired - FILL(running, 0)"
    return_data = true
  }

  metric_query {
    id = "desired"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = local.service_dimensions
      period      = var.alarm_period_seconds
      stat        = "Average"
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = local.service_dimensions
      period      = var.alarm_period_seconds
      stat        = "Average"
    }
  }
}
