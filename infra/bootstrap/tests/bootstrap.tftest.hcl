# Plan tests of the bootstrap stack against a mocked AWS provider.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    }
  }

  mock_resource "aws_vpc" {
    defaults = {
      id = "vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_subnet" {
    defaults = {
      id = "subnet-0123456789abcdef0"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0"
      id  = "sg-0123456789abcdef0"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/admin"
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

  # A mocked policy document must still be valid JSON for the bucket and role.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  # The provider sets a bucket's id to its name; a mock would make up a
  # random id, which output.state_bucket returns.
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::goship-tfstate-123456789012"
      id  = "goship-tfstate-123456789012"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/github-deploy/goship-dev"
    }
  }

  mock_resource "aws_iam_policy" {
    defaults = {
      arn = "arn:aws:iam::123456789012:policy/github-deploy/goship-dev-boundary"
    }
  }
}

variables {
  state_bucket_name = "goship-tfstate-123456789012"
}

run "state_bucket_only" {
  command = plan

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "The state bucket must be versioned."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled."
  }

  assert {
    condition     = length(aws_iam_role.deploy) == 0 && length(aws_iam_openid_connect_provider.github) == 0
    error_message = "Without github_repository there is no OIDC provider and no deploy role."
  }

  assert {
    condition     = toset(keys(aws_iam_policy.boundary)) == toset(["dev", "prod"]) && aws_iam_policy.boundary["prod"].name == "goship-prod-boundary" && aws_iam_policy.boundary["prod"].path == "/github-deploy/"
    error_message = "Every environment gets its permissions boundary, under the deploy path, with or without GitHub: the service stack's roles carry it."
  }
}

# Each environment's alarm topic key: rotated, recoverable for 30 days,
# usable by CloudWatch and SNS of this account only, and published where
# the service stack reads it.
run "alarm_topic_keys" {
  command = plan

  assert {
    condition     = toset(keys(aws_kms_key.alarm_topic)) == toset(["dev", "prod"]) && alltrue([for key in aws_kms_key.alarm_topic : key.enable_key_rotation && key.deletion_window_in_days == 30])
    error_message = "Every environment gets a key of its own, rotated, with the longest deletion window."
  }

  assert {
    condition     = aws_kms_alias.alarm_topic["prod"].name == "alias/goship-prod-alarms" && aws_ssm_parameter.alarm_topic_key["prod"].name == "/goship/prod/alarm-topic-key" && aws_ssm_parameter.alarm_topic_key["prod"].type == "String"
    error_message = "The key must be alias/<app>-<env>-alarms, its ARN in the String parameter /<app>/<env>/alarm-topic-key."
  }

  assert {
    condition     = aws_kms_key.alarm_topic["prod"].tags.Environment == "prod" && aws_ssm_parameter.alarm_topic_key["prod"].tags.Environment == "prod"
    error_message = "The key and its parameter must carry their environment's tag."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.alarm_topic_key["dev"].statement : s.sid == "AccountAdministers" ? one(s.principals).identifiers == toset(["arn:aws:iam::123456789012:root"]) : (
        s.actions == toset(["kms:Decrypt", "kms:GenerateDataKey*"]) &&
        one(s.principals).identifiers == toset(["cloudwatch.amazonaws.com", "sns.amazonaws.com"]) &&
        one(s.condition).variable == "aws:SourceAccount" && one(s.condition).values == tolist(["123456789012"])
      )
    ]) && length(data.aws_iam_policy_document.alarm_topic_key["dev"].statement) == 2
    error_message = "The key policy must let the account administer the key, and CloudWatch and SNS of this account only encrypt and decrypt with it."
  }
}

run "rejects_bad_environments" {
  command = plan

  variables {
    environments = ["dev", "Prod-1"]
  }

  expect_failures = [var.environments]
}

run "rejects_duplicate_environments" {
  command = plan

  variables {
    environments = ["dev", "dev"]
  }

  expect_failures = [var.environments]
}

# The dev deploy role manages buckets named "goship-dev-*"; the state bucket
# must not be one of them.
run "rejects_state_bucket_in_a_deploy_namespace" {
  command = plan

  variables {
    github_repository    = "example/goship"
    github_repository_id = "1296269"
    github_owner_id      = "9919"
    state_bucket_name    = "goship-dev-tfstate"
  }

  expect_failures = [aws_iam_role.deploy]
}

# Each environment has a network of its own: a new VPC by default, or an
# existing one, which no two environments may share.
run "networks" {
  command = plan

  variables {
    networks = {
      prod = {
        vpc_id             = "vpc-0feedfeedfeedfeed"
        public_subnet_ids  = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
        private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
      }
    }
  }

  assert {
    condition     = length(module.network["dev"].private_subnet_ids) == 2 && module.network["prod"].vpc_id == "vpc-0feedfeedfeedfeed" && join(",", module.network["prod"].private_subnet_ids) == "subnet-0bbbbbbbbbbbbbbb1,subnet-0bbbbbbbbbbbbbbb2"
    error_message = "dev gets a new VPC with two private subnets; prod runs in the VPC networks names."
  }
}

run "rejects_a_shared_vpc" {
  command = plan

  variables {
    networks = {
      dev  = { vpc_id = "vpc-0feedfeedfeedfeed", public_subnet_ids = ["subnet-0aaaaaaaaaaaaaaa1"], private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb1"] }
      prod = { vpc_id = "vpc-0feedfeedfeedfeed", public_subnet_ids = ["subnet-0aaaaaaaaaaaaaaa2"], private_subnet_ids = ["subnet-0bbbbbbbbbbbbbbb2"] }
    }
  }

  expect_failures = [var.networks]
}

run "rejects_networks_of_unknown_environments" {
  command = plan

  variables {
    networks = {
      staging = { egress_mode = "endpoints" }
    }
  }

  expect_failures = [var.networks]
}

run "rejects_bad_repository" {
  command = plan

  variables {
    github_repository = "https://github.com/example/goship"
  }

  expect_failures = [var.github_repository]
}

# Creates nothing: the mock provider fakes every resource.
run "without_github" {
  command = apply

  assert {
    condition     = output.deploy_role_arns == {} && output.state_bucket == "goship-tfstate-123456789012"
    error_message = "deploy_role_arns must be empty without github_repository."
  }
}

run "github_needs_the_numeric_ids" {
  command = plan

  variables {
    github_repository = "example/goship"
  }

  expect_failures = [aws_iam_role.deploy]
}

run "with_github" {
  command = apply

  variables {
    github_repository    = "example/goship"
    github_repository_id = "1296269"
    github_owner_id      = "9919"
  }

  assert {
    condition     = toset(keys(output.deploy_role_arns)) == toset(["dev", "prod"])
    error_message = "Each environment gets its deploy role, output by environment."
  }

  assert {
    condition     = aws_iam_role.deploy["prod"].name == "goship-prod" && aws_iam_role.deploy["prod"].path == "/github-deploy/"
    error_message = "Deploy roles live under /github-deploy/, where no role pattern they are allowed on can reach."
  }

  assert {
    condition     = toset(keys(aws_iam_role_policy.deploy)) == toset(["dev", "prod"]) && toset(keys(aws_iam_role_policy_attachment.deploy_network)) == toset(["dev", "prod"]) && aws_iam_policy.deploy_network["dev"].path == "/github-deploy/"
    error_message = "Each deploy role gets its inline policy and its network policy, kept under the deploy path its own Deny protects."
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The GitHub OIDC provider must be created."
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] : toset(flatten([
        for c in data.aws_iam_policy_document.deploy_assume[env].statement[0].condition : c.values
        if c.variable == "token.actions.githubusercontent.com:sub"
      ])) == toset(["repository_owner_id:9919:repository_id:1296269:environment:${env}"])
    ])
    error_message = "Each environment's role trusts only jobs of that GitHub environment of the repository named by its IDs: no branch subjects, no names."
  }

  assert {
    condition     = toset(keys(output.plan_role_arns)) == toset(["dev", "prod"]) && aws_iam_role.plan["prod"].name == "goship-prod-plan" && aws_iam_role.plan["prod"].path == "/github-deploy/"
    error_message = "Each environment gets a read-only plan role under the deploy path, output by environment."
  }
}

run "reuses_existing_oidc_provider" {
  command = plan

  variables {
    github_repository        = "example/goship"
    github_repository_id     = "1296269"
    github_owner_id          = "9919"
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && length(aws_iam_role.deploy) == 2
    error_message = "An existing OIDC provider must be reused, not created again."
  }
}
