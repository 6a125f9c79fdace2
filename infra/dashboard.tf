# The golden signals on one page: traffic, errors, latency, saturation, and
# the alarms judging them. The same metrics as the alarms, so what the page
# shows is what the alarms see.
locals {
  dashboard_period = var.alarm_period_seconds

  # ["Namespace", "Metric", dimension name, value, ...] as the dashboard
  # body spells a metric.
  target_group_metric = flatten([for name, value in local.target_group_dimensions : [name, value]])
  service_metric      = flatten([for name, value in local.service_dimensions : [name, value]])

  console_host = lookup({
    "aws-cn"     = "console.amazonaws.cn"
    "aws-us-gov" = "console.amazonaws-us-gov.com"
  }, data.aws_partition.current.partition, "console.aws.amazon.com")
  dashboard_url = "https://${local.console_host}/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"

  dashboard_widgets = [
    {
      type   = "alarm"
      x      = 0
      y      = 0
      width  = 24
      height = 3
      properties = {
        title = "Alarms"
        alarms = [
          aws_cloudwatch_metric_alarm.target_5xx.arn,
          aws_cloudwatch_metric_alarm.latency_p99.arn,
          aws_cloudwatch_metric_alarm.unhealthy_hosts.arn,
          aws_cloudwatch_metric_alarm.running_tasks.arn,
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 3
      width  = 12
      height = 6
      properties = {
        title  = "Requests"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        stat   = "Sum"
        metrics = [
          concat(["AWS/ApplicationELB", "RequestCount"], local.target_group_metric, [{ label = "Requests per period" }]),
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 3
      width  = 12
      height = 6
      properties = {
        title  = "Target 5xx (% of requests)"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        metrics = [
          [{ expression = "100 * FILL(errors, 0) / requests", label = "Target 5xx %", id = "share" }],
          concat(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"], local.target_group_metric, [{ id = "errors", stat = "Sum", visible = false }]),
          concat(["AWS/ApplicationELB", "RequestCount"], local.target_group_metric, [{ id = "requests", stat = "Sum", visible = false }]),
        ]
        annotations = {
          horizontal = [{ label = "Alarm threshold", value = var.alarm_target_5xx_percent }]
        }
        yAxis = { left = { min = 0 } }
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 9
      width  = 12
      height = 6
      properties = {
        title  = "Response time (s)"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        metrics = [
          concat(["AWS/ApplicationELB", "TargetResponseTime"], local.target_group_metric, [{ stat = "p50", label = "p50" }]),
          concat(["AWS/ApplicationELB", "TargetResponseTime"], local.target_group_metric, [{ stat = "p99", label = "p99" }]),
        ]
        annotations = {
          horizontal = [{ label = "p99 objective", value = var.alarm_latency_p99_seconds }]
        }
        yAxis = { left = { min = 0 } }
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 9
      width  = 12
      height = 6
      properties = {
        title  = "Targets"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        stat   = "Maximum"
        metrics = [
          concat(["AWS/ApplicationELB", "HealthyHostCount"], local.target_group_metric, [{ label = "Healthy" }]),
          concat(["AWS/ApplicationELB", "UnHealthyHostCount"], local.target_group_metric, [{ label = "Unhealthy" }]),
        ]
        yAxis = { left = { min = 0 } }
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 15
      width  = 12
      height = 6
      properties = {
        title  = "Tasks"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        stat   = "Average"
        metrics = [
          concat(["ECS/ContainerInsights", "RunningTaskCount"], local.service_metric, [{ label = "Running" }]),
          concat(["ECS/ContainerInsights", "DesiredTaskCount"], local.service_metric, [{ label = "Desired" }]),
        ]
        yAxis = { left = { min = 0 } }
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 15
      width  = 12
      height = 6
      properties = {
        title  = "CPU and memory (% of the task's size)"
        region = var.region
        view   = "timeSeries"
        period = local.dashboard_period
        stat   = "Average"
        metrics = [
          concat(["AWS/ECS", "CPUUtilization"], local.service_metric, [{ label = "CPU" }]),
          concat(["AWS/ECS", "MemoryUtilization"], local.service_metric, [{ label = "Memory" }]),
        ]
        yAxis = { left = { min = 0 } }
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
