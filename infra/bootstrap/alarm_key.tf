# Each environment's alarm topic (<app>-<env>-alarms, in the service stack)
# is encrypted with a customer-managed key of its own. The key lives here,
# applied by the administrator, because the deploy role never creates KMS
# keys: a role that could write a key policy could grant itself any key. The
# service stack finds the key by the SSM parameter below, as it finds its
# network by /<app>/<env>/network.
resource "aws_kms_key" "alarm_topic" {
  for_each = local.environments

  description         = "Encrypts the SNS topic ${var.app_name}-${each.key}-alarms: CloudWatch alarms of ${var.app_name}-${each.key} publish to it"
  enable_key_rotation = true

  # A key deleted by mistake silences every alarm notification of the
  # environment; the longest window AWS allows leaves time to cancel it.
  deletion_window_in_days = 30

  policy = data.aws_iam_policy_document.alarm_topic_key[each.key].json

  tags = {
    Environment = each.key
  }
}

# An SNS topic encrypted with a customer-managed key receives nothing from
# CloudWatch unless the key policy lets CloudWatch use the key: the AWS
# managed key (alias/aws/sns) cannot be shared, which is why this is a
# customer-managed key at all. Only this account's alarms and topics may use
# it (aws:SourceAccount), so no other account's CloudWatch can publish
# through it.
data "aws_iam_policy_document" "alarm_topic_key" {
  for_each = local.environments

  # Without it the key would be unmanageable, even by the account's
  # administrators; IAM policies decide who in the account may manage it.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmsPublishToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_alias" "alarm_topic" {
  for_each = local.environments

  name          = "alias/${var.app_name}-${each.key}-alarms"
  target_key_id = aws_kms_key.alarm_topic[each.key].key_id
}

# A plain String, as the network's parameter: a key ARN is no secret, and
# reading a SecureString would need a KMS grant of its own.
resource "aws_ssm_parameter" "alarm_topic_key" {
  for_each = local.environments

  name        = "/${var.app_name}/${each.key}/alarm-topic-key"
  description = "KMS key of ${var.app_name}-${each.key}'s alarm topic, applied by bootstrap: read by the service stack"
  type        = "String"
  value       = aws_kms_key.alarm_topic[each.key].arn

  tags = {
    Environment = each.key
  }
}
