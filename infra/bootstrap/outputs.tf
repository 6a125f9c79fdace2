output "alarm_topic_keys" {
  description = "Each environment's alarm topic key, by environment: its ARN, its alias, and the SSM parameter the service stack reads the ARN from."
  value = {
    for env, key in aws_kms_key.alarm_topic : env => {
      alias          = aws_kms_alias.alarm_topic[env].name
      arn            = key.arn
      parameter_name = aws_ssm_parameter.alarm_topic_key[env].name
    }
  }
}

output "deploy_role_arns" {
  description = "ARN of each environment's deploy role, by environment: the AWS_DEPLOY_ROLE_ARN variable of the GitHub environment of that name. Empty when github_repository is null."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "github_repository" {
  description = "GitHub repository whose environments may assume the deploy roles; null when none."
  value       = var.github_repository
}

output "github_subject_claim_keys" {
  description = "The subject claim template the repository must use (PUT /repos/OWNER/NAME/actions/oidc/customization/sub): the roles trust subjects of this shape only."
  value       = ["repository_owner_id", "repository_id", "context"]
}

output "networks" {
  description = "Each environment's network, by environment: the VPC, subnets and security groups the service stack reads from the SSM parameter parameter_name."
  value = {
    for env, network in module.network : env => {
      load_balancer_security_group_id = network.load_balancer_security_group_id
      parameter_name                  = network.parameter_name
      private_subnet_ids              = network.private_subnet_ids
      public_subnet_ids               = network.public_subnet_ids
      service_security_group_id       = network.service_security_group_id
      vpc_id                          = network.vpc_id
    }
  }
}

output "permissions_boundary_arns" {
  description = "ARN of each environment's permissions boundary, by environment: every role the service stack creates carries it."
  value       = { for env, policy in aws_iam_policy.boundary : env => policy.arn }
}

output "plan_role_arns" {
  description = "ARN of each environment's read-only plan role, by environment: the AWS_PLAN_ROLE_ARN variable of the GitHub environment of that name, for the nightly drift check. Empty when github_repository is null."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "region" {
  description = "AWS region of the state bucket: the backend's region for the other stacks."
  value       = var.region
}

output "state_bucket" {
  description = "Name of the S3 bucket that holds the other stacks' state: the backend's bucket."
  value       = aws_s3_bucket.this.id
}
