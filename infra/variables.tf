variable "alarm_datapoints_to_alarm" {
  type        = number
  description = "Periods out of alarm_evaluation_periods that must breach before an alarm fires. 3 of 5: one bad minute (a cold start, a client's burst of bad requests) is noise, three within five minutes is a fault worth a rollback."
  default     = 3

  validation {
    condition     = var.alarm_datapoints_to_alarm >= 1 && floor(var.alarm_datapoints_to_alarm) == var.alarm_datapoints_to_alarm && var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods
    error_message = "alarm_datapoints_to_alarm must be a whole number between 1 and alarm_evaluation_periods."
  }
}

variable "alarm_email" {
  type        = string
  description = "Email address subscribed to the stack's own alarm topic; AWS sends it a confirmation link first, and nothing is delivered until it is followed. Null: no subscription (subscribe a pager or chat integration to the topic yourself). Not with alarm_topic_arn: an existing topic's subscriptions are its owner's, and the deploy role may subscribe to its own topic only."
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be null or one email address, such as oncall@example.com."
  }

  # The deploy role may subscribe to the stack's own topic only
  # (bootstrap's AlarmTopicEmailSubscription): with an existing topic the
  # subscription would fail at apply, after the alarms were changed.
  validation {
    condition     = var.alarm_email == null || var.alarm_email == "" || var.alarm_topic_arn == null || var.alarm_topic_arn == ""
    error_message = "alarm_email cannot be set with alarm_topic_arn: subscribe the address to that topic with its owner (aws sns subscribe --topic-arn <alarm_topic_arn> --protocol email --notification-endpoint <address>), or leave alarm_topic_arn unset to use the stack's own topic."
  }
}

variable "alarm_evaluation_periods" {
  type        = number
  description = "Periods an alarm looks back over. 5 one-minute periods: a fault is judged within five minutes, and ECS's bake time after a deployment (which it derives from the deployment alarms) stays a few minutes."
  default     = 5

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods && var.alarm_evaluation_periods * var.alarm_period_seconds <= 86400
    error_message = "alarm_evaluation_periods must be a whole number of at least 1, and alarm_evaluation_periods * alarm_period_seconds at most one day (86400 s), CloudWatch's limit."
  }
}

variable "alarm_latency_p99_seconds" {
  type        = number
  description = "Latency objective: seconds the slowest 1 % of responses (TargetResponseTime p99) may take. 0.5 s: the api answers from memory in milliseconds, so half a second means queueing, CPU throttling or a slow dependency. Set it to your service's objective."
  default     = 0.5

  validation {
    condition     = var.alarm_latency_p99_seconds > 0
    error_message = "alarm_latency_p99_seconds must be greater than 0."
  }
}

variable "alarm_minimum_requests" {
  type        = number
  description = "Requests a period must have before the 5xx share and p99 alarms judge it; a period with fewer counts as fine. 50 a minute: below that, one error is 2 % and one slow request is the p99, which says nothing about the service."
  default     = 50

  validation {
    condition     = var.alarm_minimum_requests >= 0 && floor(var.alarm_minimum_requests) == var.alarm_minimum_requests
    error_message = "alarm_minimum_requests must be a whole number of at least 0."
  }
}

variable "alarm_period_seconds" {
  type        = number
  description = "Length of one alarm period, in seconds. 60: the finest resolution the load balancer's and ECS's metrics have, so faults are seen within minutes."
  default     = 60

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60 (the metrics' resolution is one minute)."
  }
}

variable "alarm_running_tasks_missing" {
  type        = number
  description = "Tasks below the desired count at which the running-tasks alarm fires. 1: every missing task is capacity the service was sized for; a scale-out's new task starts well within the alarm_datapoints_to_alarm periods that must breach."
  default     = 1

  validation {
    condition     = var.alarm_running_tasks_missing >= 1 && floor(var.alarm_running_tasks_missing) == var.alarm_running_tasks_missing
    error_message = "alarm_running_tasks_missing must be a whole number of at least 1."
  }
}

variable "alarm_target_5xx_percent" {
  type        = number
  description = "Share of requests (percent) the tasks may answer with 5xx before the target-5xx alarm fires, which rolls a deployment back. 2 %: well above a healthy service's background errors, well below a broken release's (a release that fails 5 % of requests is caught)."
  default     = 2

  validation {
    condition     = var.alarm_target_5xx_percent > 0 && var.alarm_target_5xx_percent <= 100
    error_message = "alarm_target_5xx_percent must be greater than 0 and at most 100."
  }
}

variable "alarm_topic_arn" {
  type        = string
  description = "ARN of an existing SNS topic for the alarms (a team's paging topic). Null: the stack creates <app_name>-<environment>-alarms, encrypted with the key bootstrap publishes in /<app_name>/<environment>/alarm-topic-key. An existing topic's access policy must let CloudWatch publish, and its key (if any) let CloudWatch use it."
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be null or an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "alarm_treat_missing_data" {
  type        = string
  description = "What an alarm makes of a period without data: notBreaching, breaching, ignore or missing. notBreaching: the load balancer publishes no request, 5xx or latency figure for a period without requests, and a service nobody calls is not failing."
  default     = "notBreaching"

  validation {
    condition     = contains(["notBreaching", "breaching", "ignore", "missing"], var.alarm_treat_missing_data)
    error_message = "alarm_treat_missing_data must be notBreaching, breaching, ignore or missing."
  }
}

variable "alarm_unhealthy_hosts" {
  type        = number
  description = "Targets failing the health check at which the unhealthy-hosts alarm fires. 1: a healthy service has none (starting and stopping tasks are not counted), so one that stays unhealthy for alarm_datapoints_to_alarm periods is a fault."
  default     = 1

  validation {
    condition     = var.alarm_unhealthy_hosts >= 1 && floor(var.alarm_unhealthy_hosts) == var.alarm_unhealthy_hosts
    error_message = "alarm_unhealthy_hosts must be a whole number of at least 1."
  }
}

variable "alb_access_logs_enabled" {
  type        = bool
  description = "Write the load balancer's access logs (every request: client, target, status, timings) to the log bucket, <app_name>-<environment>-logs-<account id>, under alb/. Costs S3 storage; off by default."
  default     = false
}

variable "app_name" {
  type        = string
  description = "Application name: the first part of every resource name, and of the ECR repository name shared with infra/registry."
  default     = "goship"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.app_name))
    error_message = "app_name must be 2-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (load balancer and target group names are limited to 32 characters)."
  }
}

variable "autoscaling_cpu_target" {
  type        = number
  description = "Average CPU utilisation (percent) that target tracking keeps the service at."
  default     = 60

  validation {
    condition     = var.autoscaling_cpu_target >= 10 && var.autoscaling_cpu_target <= 90
    error_message = "autoscaling_cpu_target must be between 10 and 90 percent."
  }
}

variable "autoscaling_max" {
  type        = number
  description = "Maximum number of tasks autoscaling may run."
  default     = 4

  validation {
    condition     = var.autoscaling_max >= var.autoscaling_min && var.autoscaling_max <= 100
    error_message = "autoscaling_max must be at least autoscaling_min and at most 100."
  }
}

variable "autoscaling_min" {
  type        = number
  description = "Minimum number of tasks autoscaling keeps running. Two or more keep the service up when one availability zone fails."
  default     = 2

  validation {
    condition     = var.autoscaling_min >= 1 && floor(var.autoscaling_min) == var.autoscaling_min
    error_message = "autoscaling_min must be a whole number of at least 1."
  }
}

variable "autoscaling_requests_per_target" {
  type        = number
  description = "ALB requests per task per minute that target tracking keeps the service at."
  default     = 1000

  validation {
    condition     = var.autoscaling_requests_per_target >= 1
    error_message = "autoscaling_requests_per_target must be at least 1."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ARN of an ACM certificate in the same region. When set, the load balancer serves HTTPS on 443 and redirects HTTP to it; when null, it serves plain HTTP on 80."
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be null or an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."
  }
}

variable "container_port" {
  type        = number
  description = "Port the application listens on inside the container (its PORT); the service registers its tasks in the target group on it. Changing it rolls the service onto the new port without an outage."
  default     = 8080

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535 && var.container_port != 9090
    error_message = "container_port must be between 1024 and 65535 (the container runs as a non-root user) and must not be 9090, the metrics port."
  }
}

variable "cpu" {
  type        = number
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of the Fargate sizes: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "CPU architecture of the task; it must match the image's platform (X86_64 for linux/amd64, ARM64 for linux/arm64)."
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  type        = number
  description = "Number of tasks the service starts with. Autoscaling owns the count afterwards."
  default     = 2

  validation {
    condition     = var.desired_count >= var.autoscaling_min && var.desired_count <= var.autoscaling_max
    error_message = "desired_count must be between autoscaling_min and autoscaling_max."
  }
}

variable "drain_delay_seconds" {
  type        = number
  description = "Seconds the application keeps serving after SIGTERM while /readyz reports 503 (its DRAIN_DELAY)."
  default     = 5

  validation {
    condition     = var.drain_delay_seconds >= 0 && var.drain_delay_seconds <= 60 && floor(var.drain_delay_seconds) == var.drain_delay_seconds
    error_message = "drain_delay_seconds must be a whole number between 0 and 60."
  }
}

variable "environment" {
  type        = string
  description = "Environment name, such as dev or prod: the second part of every resource name, so environments coexist in one account."
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,9}$", var.environment))
    error_message = "environment must be 1-10 lowercase letters and digits, starting with a letter."
  }
}

variable "environment_variables" {
  type        = map(string)
  description = "Extra environment variables for the container. PORT, METRICS_PORT, DRAIN_DELAY, SHUTDOWN_TIMEOUT and GOMEMLIMIT are set from other variables and cannot be overridden here."
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["PORT", "METRICS_PORT", "DRAIN_DELAY", "SHUTDOWN_TIMEOUT", "GOMEMLIMIT"])) == 0
    error_message = "environment_variables must not set PORT, METRICS_PORT, DRAIN_DELAY, SHUTDOWN_TIMEOUT or GOMEMLIMIT: use container_port, drain_delay_seconds and shutdown_timeout_seconds; GOMEMLIMIT follows memory."
  }
}

variable "image" {
  type        = string
  description = "Container image as a digest reference from the app's ECR repository: <repository_url>@sha256:<64 hex digits>. The pipeline passes the digest it scanned and pushed."

  validation {
    condition     = can(regex("^[^@]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be a digest reference such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev@sha256:<64 hex digits>; tags such as :latest are mutable and rejected. Pass the digest that was pushed (the registry stack's repository_url, then @sha256:...)."
  }
}

variable "image_repository" {
  type        = string
  description = "Repository image comes from when it is not this environment's ECR repository (the pipeline's --image-repository): a registry ECS pulls from inside your network without the execution role's ECR permission. Empty: the environment's ECR repository, the only one the execution role may pull from."
  default     = ""

  validation {
    condition     = var.image_repository == "" || can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$", var.image_repository))
    error_message = "image_repository must be empty or a repository with its registry, such as registry.internal:5000/goship, without tag or digest."
  }
}

variable "log_bucket_retention_days" {
  type        = number
  description = "Days the log bucket keeps load balancer access logs before S3 deletes them. Used only when alb_access_logs_enabled."
  default     = 90

  validation {
    condition     = var.log_bucket_retention_days >= 1 && floor(var.log_bucket_retention_days) == var.log_bucket_retention_days
    error_message = "log_bucket_retention_days must be a whole number of at least 1."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch Logs keeps the container logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "memory" {
  type        = number
  description = "Fargate task memory in MiB; the valid range depends on cpu."
  default     = 512

  validation {
    condition = contains(lookup({
      "256"   = [512, 1024, 2048]
      "512"   = range(1024, 4097, 1024)
      "1024"  = range(2048, 8193, 1024)
      "2048"  = range(4096, 16385, 1024)
      "4096"  = range(8192, 30721, 1024)
      "8192"  = range(16384, 61441, 4096)
      "16384" = range(32768, 122881, 8192)
    }, tostring(var.cpu), []), var.memory)
    error_message = "memory is not a valid Fargate size for this cpu: 256 CPU takes 512, 1024 or 2048; 512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (steps of 1024); 8192 takes 16384-61440 (steps of 4096); 16384 takes 32768-122880 (steps of 8192)."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy to; the same region as the state bucket and the registry stack."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "shutdown_timeout_seconds" {
  type        = number
  description = "Seconds the application's graceful Shutdown may take after the drain delay (its SHUTDOWN_TIMEOUT). Also the load balancer's deregistration delay."
  default     = 15

  validation {
    condition     = var.shutdown_timeout_seconds >= 1 && floor(var.shutdown_timeout_seconds) == var.shutdown_timeout_seconds && var.drain_delay_seconds + var.shutdown_timeout_seconds <= 110
    error_message = "shutdown_timeout_seconds must be a whole number of at least 1, and drain_delay_seconds + shutdown_timeout_seconds must be at most 110 (Fargate stops a task at most 120 seconds after SIGTERM)."
  }
}
