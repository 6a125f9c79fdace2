locals {
  # The service stack (infra/) derives the same name from the same rule.
  name = "${var.app_name}-${var.environment}"
}
