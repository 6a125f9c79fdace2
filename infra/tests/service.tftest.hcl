# Plan-only tests of the service stack against a mocked AWS provider: they
# need the hashicorp/aws provider installed (terraform init) but no account.
# Values the provider computes are unknown in plan runs; the last run applies
# against the mock (creating nothing) to check what is built from them.

mock_provider "aws" {
  # The network bootstrap applied (infra/modules/network) for goship/dev.
  mock_data "aws_ssm_parameter" {
    defaults = {
      insecure_value = "{\"vpc_id\":\"vpc-0123456789abcdef0\",\"public_subnet_ids\":[\"subnet-0aaaaaaaaaaaaaaa1\",\"subnet-0aaaaaaaaaaaaaaa2\"],\"private_subnet_ids\":[\"subnet-0bbbbbbbbbbbbbbb1\",\"subnet-0bbbbbbbbbbbbbbb2\"],\"load_balancer_security_group_id\":\"sg-0aaaaaaaaaaaaaaa1\",\"service_security_group_id\":\"sg-0bbbbbbbbbbbbbbb1\"}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/test"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }

  # A mocked policy document must still be valid JSON for the roles.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/goship-dev-mock"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/goship-dev"
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/goship-dev/0123456789abcdef"
      arn_suffix = "app/goship-dev/0123456789abcdef"
      dns_name   = "goship-dev-123456789.us-east-1.elb.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/goship-dev/0123456789abcdef"
      arn_suffix = "targetgroup/goship-dev/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_listener" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/goship-dev/0123456789abcdef/0123456789abcdef"
    }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = {
      arn = "arn:aws:ecs:us-east-1:123456789012:cluster/goship-dev"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn                  = "arn:aws:ecs:us-east-1:123456789012:task-definition/goship-dev:1"
      arn_without_revision = "arn:aws:ecs:us-east-1:123456789012:task-definition/goship-dev"
      revision             = 1
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::goship-dev-logs-123456789012"
      id  = "goship-dev-logs-123456789012"
    }
  }

  # Alarm actions must be ARNs: the provider checks them.
  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:goship-dev-alarms"
    }
  }

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = {
      arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:goship-dev-mock"
    }
  }

  # us-east-1's Elastic Load Balancing account.
  mock_data "aws_elb_service_account" {
    defaults = {
      arn = "arn:aws:iam::127311923021:root"
    }
  }
}

# The alarm topic key bootstrap published for goship/dev (the mocked
# parameters above hold the network).
override_data {
  target = data.aws_ssm_parameter.alarm_topic_key
  values = {
    insecure_value = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
  }
}

variables {
  image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

run "defaults" {
  command = plan

  assert {
    condition     = one(aws_ecs_service.this.network_configuration).assign_public_ip == false
    error_message = "Tasks must not get public IPs."
  }

  assert {
    condition     = one(aws_ecs_service.this.network_configuration).subnets == toset(["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]) && one(aws_ecs_service.this.network_configuration).security_groups == toset(["sg-0bbbbbbbbbbbbbbb1"])
    error_message = "Tasks must run in the network's private subnets and service security group, as bootstrap wrote them."
  }

  assert {
    condition     = aws_lb.this.subnets == toset(["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]) && aws_lb.this.security_groups == toset(["sg-0aaaaaaaaaaaaaaa1"]) && aws_lb_target_group.this.vpc_id == "vpc-0123456789abcdef0"
    error_message = "The load balancer must run in the network's public subnets and security group, its target group in the network's VPC."
  }

  assert {
    condition     = one(aws_ecs_service.this.deployment_circuit_breaker).enable && one(aws_ecs_service.this.deployment_circuit_breaker).rollback
    error_message = "The circuit breaker must roll back failed deployments."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_minimum_healthy_percent == 100 && aws_ecs_service.this.deployment_maximum_percent == 200
    error_message = "Deployments must keep 100 % healthy and may double."
  }

  assert {
    condition     = aws_ecs_service.this.wait_for_steady_state
    error_message = "apply must wait for the service to be stable."
  }

  assert {
    condition     = one(aws_lb_target_group.this.health_check).path == "/healthz" && one(aws_lb_target_group.this.health_check).interval == 5 && one(aws_lb_target_group.this.health_check).healthy_threshold == 2 && one(aws_lb_target_group.this.health_check).unhealthy_threshold == 2
    error_message = "Health checks must be GET /healthz every 5 s with thresholds of 2."
  }

  assert {
    condition     = tonumber(aws_lb_target_group.this.deregistration_delay) == 15
    error_message = "The deregistration delay must equal the shutdown timeout (15 s), within the 20 s drain window."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 25
    error_message = "stopTimeout must be drain (5) + shutdown (15) + 5 s."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "65532:65532"
    error_message = "The container must run read-only as nonroot."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].image == var.image
    error_message = "The container must run the image digest it was given."
  }

  assert {
    condition = alltrue([
      for want in ["PORT=8080", "METRICS_PORT=9090", "DRAIN_DELAY=5s", "SHUTDOWN_TIMEOUT=15s"] :
      contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${e.name}=${e.value}"], want)
    ])
    error_message = "The container must get PORT, METRICS_PORT, DRAIN_DELAY and SHUTDOWN_TIMEOUT from the variables."
  }

  assert {
    condition     = one(aws_ecs_task_definition.this.runtime_platform).cpu_architecture == "X86_64"
    error_message = "The default architecture must be X86_64."
  }

  assert {
    condition     = length(aws_lb_listener.https) == 0 && one(aws_lb_listener.http.default_action).type == "forward"
    error_message = "Without a certificate, port 80 must forward and there must be no HTTPS listener."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "Logs must be kept 30 days by default."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && !aws_lb.this.enable_deletion_protection
    error_message = "The load balancer must drop invalid headers and be deletable."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].linuxParameters.capabilities.drop == ["ALL"]
    error_message = "The container must drop every Linux capability."
  }

  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${e.name}=${e.value}"], "GOMEMLIMIT=409MiB")
    error_message = "GOMEMLIMIT must be four fifths of the 512 MiB task (409MiB)."
  }

  assert {
    condition     = length(aws_s3_bucket.log) == 0 && length(aws_s3_bucket_policy.log) == 0 && length(aws_lb.this.access_logs) == 0
    error_message = "Access logs are off by default: no log bucket, no access_logs block."
  }
}

run "https_with_certificate" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-aaaa-bbbb-cccc-123456789012"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "A certificate must bring an HTTPS listener with a TLS 1.3 policy."
  }

  assert {
    condition     = one(aws_lb_listener.http.default_action).type == "redirect" && one(one(aws_lb_listener.http.default_action).redirect).protocol == "HTTPS"
    error_message = "With a certificate, HTTP must redirect to HTTPS."
  }
}

# A new container_port must not replace the target group (the listener
# cannot let go of it, and a new group would be empty): the tasks register
# in the same group on the new port. TestEmulator applies the change.
run "container_port_keeps_the_target_group" {
  command = plan

  variables {
    container_port = 8081
  }

  assert {
    condition     = aws_lb_target_group.this.port == 8080
    error_message = "The target group's port must not follow container_port: a changed port replaces the group."
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_port == 8081
    error_message = "The service must register its tasks on container_port."
  }
}

run "rejects_tags" {
  command = plan

  variables {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev:latest"
  }

  expect_failures = [var.image]
}

run "rejects_other_repositories" {
  command = plan

  variables {
    image = "210987654321.dkr.ecr.us-east-1.amazonaws.com/other@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  }

  expect_failures = [aws_ecs_task_definition.this]
}

run "rejects_invalid_fargate_size" {
  command = plan

  variables {
    cpu    = 256
    memory = 4096
  }

  expect_failures = [var.memory]
}

run "rejects_drain_beyond_stop_timeout" {
  command = plan

  variables {
    drain_delay_seconds      = 60
    shutdown_timeout_seconds = 60
  }

  expect_failures = [var.shutdown_timeout_seconds]
}

run "rejects_reserved_environment" {
  command = plan

  variables {
    environment_variables = { PORT = "80" }
  }

  expect_failures = [var.environment_variables]
}

run "rejects_reserved_gomemlimit" {
  command = plan

  variables {
    environment_variables = { GOMEMLIMIT = "10GiB" }
  }

  expect_failures = [var.environment_variables]
}

run "gomemlimit_follows_memory" {
  command = plan

  variables {
    cpu    = 1024
    memory = 4096
  }

  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${e.name}=${e.value}"], "GOMEMLIMIT=3276MiB")
    error_message = "GOMEMLIMIT must be four fifths of a 4096 MiB task (3276MiB)."
  }
}

run "access_logs" {
  command = plan

  variables {
    alb_access_logs_enabled   = true
    log_bucket_retention_days = 30
  }

  assert {
    condition     = aws_s3_bucket.log[0].bucket == "goship-dev-logs-123456789012" && aws_s3_bucket.log[0].force_destroy
    error_message = "The log bucket must be <app>-<env>-logs-<account> and go with the environment."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.log[0].block_public_acls &&
      aws_s3_bucket_public_access_block.log[0].block_public_policy &&
      aws_s3_bucket_public_access_block.log[0].ignore_public_acls &&
      aws_s3_bucket_public_access_block.log[0].restrict_public_buckets
    )
    error_message = "The log bucket must block every kind of public access."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.log[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The log bucket must be encrypted with SSE-S3, the only encryption ALB access logs accept."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.log[0].rule).object_ownership == "BucketOwnerEnforced"
    error_message = "The bucket must own every delivered object, with ACLs disabled."
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.log[0].rule).expiration).days == 30 && one(aws_s3_bucket_lifecycle_configuration.log[0].rule).status == "Enabled"
    error_message = "Logs must expire after log_bucket_retention_days."
  }

  assert {
    condition     = one(aws_lb.this.access_logs).enabled && one(aws_lb.this.access_logs).prefix == "alb"
    error_message = "The load balancer must write access logs under alb/."
  }
}

# Creates nothing: the mock provider fakes every resource. Checks the log
# bucket's policy, which is built from the bucket's ARN.
run "log_bucket_policy" {
  command = apply

  variables {
    alb_access_logs_enabled = true
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.log[0].policy).Statement :
      try(s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" && s.Condition.Bool["aws:SecureTransport"] == "false", false)
    ])
    error_message = "The log bucket must refuse requests without TLS."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_s3_bucket_policy.log[0].policy).Statement :
      s.Effect == "Deny" ||
      try(startswith(s.Resource, "arn:aws:s3:::goship-dev-logs-123456789012/alb/AWSLogs/123456789012/"), false)
    ])
    error_message = "Log delivery may write only under its own prefix for this account."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_s3_bucket_policy.log[0].policy).Statement : s.Sid
      ]) == toset([
      "DenyInsecureTransport", "LoadBalancerAccessLogs", "LoadBalancerAccessLogsDelivery",
    ])
    error_message = "The policy must let the load balancer write, and deny plain HTTP."
  }
}

# Newer regions have no Elastic Load Balancing account: only the service
# principal may deliver, and the data source that would fail is not read.
run "access_logs_in_a_newer_region" {
  command = apply

  variables {
    region                  = "eu-central-2"
    image                   = "123456789012.dkr.ecr.eu-central-2.amazonaws.com/goship-dev@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    alb_access_logs_enabled = true
  }

  assert {
    condition     = length(data.aws_elb_service_account.this) == 0
    error_message = "The provider knows no ELB account in eu-central-2: the data source must not be read."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_s3_bucket_policy.log[0].policy).Statement : s.Sid
    ]) == toset(["DenyInsecureTransport", "LoadBalancerAccessLogsDelivery"])
    error_message = "In a newer region only the log delivery service principal may write access logs."
  }
}

# Creates nothing: the mock provider fakes every resource.
run "outputs" {
  command = apply

  assert {
    condition     = output.service_url == "http://goship-dev-123456789.us-east-1.elb.amazonaws.com"
    error_message = "service_url must be http:// and the load balancer's DNS name without a certificate."
  }

  assert {
    condition     = output.ecr_repository_url == "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev"
    error_message = "ecr_repository_url must follow the registry stack's naming."
  }

  assert {
    condition     = output.cluster_name == "goship-dev" && output.service_name == "goship-dev" && output.log_group_name == "/ecs/goship-dev" && output.region == "us-east-1"
    error_message = "Names must be <app_name>-<environment>."
  }

  assert {
    condition     = one(one(aws_appautoscaling_policy.requests.target_tracking_scaling_policy_configuration).predefined_metric_specification).resource_label == "app/goship-dev/0123456789abcdef/targetgroup/goship-dev/0123456789abcdef"
    error_message = "Request-count scaling must track this load balancer's target group."
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 4
    error_message = "Autoscaling must run between 2 and 4 tasks by default."
  }
}

# The signals: the four alarms of the contract on the topic, the two that
# judge traffic wired into ECS's deployment rollback, and the dashboard.
run "alarms" {
  command = apply

  assert {
    condition = toset([
      aws_cloudwatch_metric_alarm.target_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.latency_p99.alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name,
      aws_cloudwatch_metric_alarm.running_tasks.alarm_name,
    ]) == toset(["goship-dev-target-5xx", "goship-dev-latency-p99", "goship-dev-unhealthy-hosts", "goship-dev-running-tasks"])
    error_message = "The alarms must carry the contract's names: the pipeline and the deploy role know them by name."
  }

  assert {
    condition     = output.alarm_names == "goship-dev-target-5xx,goship-dev-latency-p99,goship-dev-unhealthy-hosts,goship-dev-running-tasks"
    error_message = "alarm_names must list the four alarms in the contract's order, joined by commas."
  }

  assert {
    condition = (
      one(aws_ecs_service.this.alarms).enable && one(aws_ecs_service.this.alarms).rollback &&
      one(aws_ecs_service.this.alarms).alarm_names == toset(["goship-dev-target-5xx", "goship-dev-latency-p99"])
    )
    error_message = "ECS must roll a deployment back on exactly the 5xx and p99 alarms."
  }

  assert {
    condition     = aws_sns_topic.alarm[0].name == "goship-dev-alarms" && aws_sns_topic.alarm[0].kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
    error_message = "The topic goship-dev-alarms must be encrypted with the key bootstrap published in /goship/dev/alarm-topic-key."
  }

  assert {
    condition     = data.aws_ssm_parameter.alarm_topic_key[0].name == "/goship/dev/alarm-topic-key"
    error_message = "The key must be read from the environment's own parameter."
  }

  assert {
    condition = alltrue([
      for alarm in [aws_cloudwatch_metric_alarm.target_5xx, aws_cloudwatch_metric_alarm.latency_p99, aws_cloudwatch_metric_alarm.unhealthy_hosts, aws_cloudwatch_metric_alarm.running_tasks] :
      alarm.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:goship-dev-alarms"]) && alarm.ok_actions == toset(["arn:aws:sns:us-east-1:123456789012:goship-dev-alarms"])
    ]) && output.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:goship-dev-alarms"
    error_message = "Every alarm must notify the topic on ALARM and on OK."
  }

  assert {
    condition = alltrue([
      for q in aws_cloudwatch_metric_alarm.target_5xx.metric_query :
      one(q.metric).dimensions.LoadBalancer == "app/goship-dev/0123456789abcdef" && one(q.metric).dimensions.TargetGroup == "targetgroup/goship-dev/0123456789abcdef"
      if length(q.metric) > 0
    ])
    error_message = "The 5xx share must be measured on this load balancer's target group."
  }

  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.target_5xx.metric_query : q.expression if q.return_data == true]) == "IF(requests >= 50, 100 * FILL(errors, 0) / requests, 0)" && aws_cloudwatch_metric_alarm.target_5xx.threshold == 2
    error_message = "The 5xx share must count only periods with at least 50 requests and fire above 2 %."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.alarm_email) == 0
    error_message = "No email is subscribed unless alarm_email is set."
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "goship-dev" && output.dashboard_url == "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/goship-dev"
    error_message = "The dashboard must be goship-dev, with its console URL in the outputs."
  }

  assert {
    condition = toset(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
        for m in try(w.properties.metrics, []) : m[1] if length(m) > 1
      ]
      ])) == toset([
      "RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime", "HealthyHostCount", "UnHealthyHostCount",
      "RunningTaskCount", "DesiredTaskCount", "CPUUtilization", "MemoryUtilization",
    ])
    error_message = "The dashboard must show the golden signals: requests, 5xx, latency, healthy hosts, tasks, CPU and memory."
  }
}

run "alarm_email" {
  command = plan

  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].protocol == "email" && aws_sns_topic_subscription.alarm_email[0].endpoint == "oncall@example.com"
    error_message = "alarm_email must be subscribed to the alarm topic by email."
  }
}

# A team's own topic: nothing of the stack's own, not even the key read.
run "existing_alarm_topic" {
  command = apply

  variables {
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:platform-paging"
  }

  assert {
    condition     = length(aws_sns_topic.alarm) == 0 && length(data.aws_ssm_parameter.alarm_topic_key) == 0
    error_message = "With alarm_topic_arn no topic is created and the key parameter is not read."
  }

  assert {
    condition = alltrue([
      for alarm in [aws_cloudwatch_metric_alarm.target_5xx, aws_cloudwatch_metric_alarm.latency_p99, aws_cloudwatch_metric_alarm.unhealthy_hosts, aws_cloudwatch_metric_alarm.running_tasks] :
      alarm.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:platform-paging"])
    ]) && output.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:platform-paging"
    error_message = "The alarms must notify the existing topic."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.alarm_email) == 0
    error_message = "Nothing is subscribed to an existing topic: its subscriptions are its owner's."
  }
}

# The deploy role may subscribe to the stack's own topic only: an email
# with an existing topic is refused at plan, before anything changes.
run "rejects_alarm_email_with_existing_topic" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:platform-paging"
    alarm_email     = "oncall@example.com"
  }

  expect_failures = [var.alarm_email]
}

run "rejects_bad_alarm_settings" {
  command = plan

  variables {
    alarm_topic_arn          = "platform-paging"
    alarm_treat_missing_data = "ok"
    alarm_period_seconds     = 30
  }

  expect_failures = [var.alarm_topic_arn, var.alarm_treat_missing_data, var.alarm_period_seconds]
}

run "rejects_more_datapoints_than_periods" {
  command = plan

  variables {
    alarm_datapoints_to_alarm = 6
  }

  expect_failures = [var.alarm_datapoints_to_alarm]
}
