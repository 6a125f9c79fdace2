# Where the alarms send ALARM and OK: a topic of this environment, or an
# existing one (alarm_topic_arn), such as a team's paging topic.
locals {
  create_alarm_topic = (var.alarm_topic_arn == null ? "" : var.alarm_topic_arn) == ""
  alarm_topic_arn    = local.create_alarm_topic ? aws_sns_topic.alarm[0].arn : var.alarm_topic_arn
  alarm_email        = var.alarm_email == null ? "" : var.alarm_email
}

# The environment's alarm topic key, created by bootstrap (the deploy role
# creates no KMS key). Read only when this stack creates the topic: an
# existing topic brings its own encryption.
data "aws_ssm_parameter" "alarm_topic_key" {
  count = local.create_alarm_topic ? 1 : 0

  name = "/${var.app_name}/${var.environment}/alarm-topic-key"
}

resource "aws_sns_topic" "alarm" {
  count = local.create_alarm_topic ? 1 : 0

  name = "${local.name}-alarms"

  # A customer-managed key whose policy lets CloudWatch use it: with the
  # AWS managed key (alias/aws/sns) CloudWatch could not publish at all.
  kms_master_key_id = data.aws_ssm_parameter.alarm_topic_key[0].insecure_value
}

# Email subscriptions stay pending until the recipient follows the link in
# the confirmation message AWS sends; nothing is delivered before that.
resource "aws_sns_topic_subscription" "alarm_email" {
  count = local.alarm_email != "" ? 1 : 0

  topic_arn = local.alarm_topic_arn
  protocol  = "email"
  endpoint  = local.alarm_email
}
