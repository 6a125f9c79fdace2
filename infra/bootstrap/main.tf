locals {
  github_enabled = var.github_repository != null

  # Pushes to these branches deploy (main, master) or destroy (cleanup).
  # Pull requests run checks that need no AWS access, so they get no role.
  deploy_branches = ["main", "master", "cleanup"]
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
