resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
}

# Load balancer access logs, optional, go to a private bucket of this
# environment. (VPC flow logs belong to the network: bootstrap's.)
resource "aws_s3_bucket" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = "${local.name}-logs-${data.aws_caller_identity.current.account_id}"

  # Destroy must run unattended, and the logs expire anyway: the bucket
  # goes with the environment, logs and all.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket                  = aws_s3_bucket.log[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# The bucket owns every object, whoever delivers it; ACLs are disabled.
resource "aws_s3_bucket_ownership_controls" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.log[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-S3: the only encryption load balancer access logs can be delivered to.
resource "aws_s3_bucket_server_side_encryption_configuration" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.log[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.log[0].id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_bucket_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Regions opened before August 2022 deliver load balancer logs from an AWS
# account of Elastic Load Balancing's, which the provider knows; newer ones
# from a service principal, and the provider knows no account for them (its
# data source fails there). The policy names the principal everywhere and
# the account wherever one exists. A region missing from the list below
# fails loudly at plan time ("Unknown region"): add it.
locals {
  elb_principal_only_regions = [
    "ap-east-2", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
    "ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "mx-central-1",
  ]
  elb_account_needed = var.alb_access_logs_enabled && !contains(local.elb_principal_only_regions, var.region)
}

data "aws_elb_service_account" "this" {
  count = local.elb_account_needed ? 1 : 0
}

resource "aws_s3_bucket_policy" "log" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.log[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [aws_s3_bucket.log[0].arn, "${aws_s3_bucket.log[0].arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
      ],
      local.elb_account_needed ? [
        {
          Sid       = "LoadBalancerAccessLogs"
          Effect    = "Allow"
          Principal = { AWS = data.aws_elb_service_account.this[0].arn }
          Action    = "s3:PutObject"
          Resource  = "${aws_s3_bucket.log[0].arn}/${local.alb_access_logs_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
        },
      ] : [],
      var.alb_access_logs_enabled ? [
        {
          Sid       = "LoadBalancerAccessLogsDelivery"
          Effect    = "Allow"
          Principal = { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
          Action    = "s3:PutObject"
          Resource  = "${aws_s3_bucket.log[0].arn}/${local.alb_access_logs_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
        },
      ] : [],
    )
  })

  # S3 refuses a bucket policy while the public access block is being set.
  depends_on = [aws_s3_bucket_public_access_block.log]
}
