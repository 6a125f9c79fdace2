package main

// The environment's AWS names follow the service stack's own rule
// (infra/main.tf: local.name = "<app>-<env>"; infra/logs.tf: the log group
// "/ecs/<name>"), so status, logs and history find the service without
// reading Terraform outputs, which would need the engine.
// TestEnvironmentNamesMatchTheStack holds the two to the same rule.

// serviceName is the name of the ECS cluster and of the service in it.
func serviceName(cfg config) string {
	return cfg.app + "-" + cfg.environment
}

// logGroupName is the CloudWatch Logs group the service's tasks write to.
func logGroupName(cfg config) string {
	return "/ecs/" + serviceName(cfg)
}
