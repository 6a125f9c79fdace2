# GitHub Actions signs in with OpenID Connect: no long-lived keys anywhere.
# The provider is one per account, so it lives here and not in the stacks a
# second environment would apply again. AWS trusts GitHub's certificate
# authority itself, so no thumbprint is pinned.
resource "aws_iam_openid_connect_provider" "github" {
  count = local.github_enabled && var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  github_oidc_provider_arn = local.github_enabled ? coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn)) : null

  # The subject GitHub issues once the repository's subject claim template
  # is ["repository_owner_id", "repository_id", "context"] (bootstrap prints
  # the call that sets it): numeric IDs, which a renamed or transferred
  # repository keeps and a new repository of the old name does not get,
  # then "environment:<name>" for a job in that GitHub environment.
  github_subject_prefix = "repository_owner_id:${coalesce(var.github_owner_id, "none")}:repository_id:${coalesce(var.github_repository_id, "none")}"
}

# A job gets the role of an environment only by declaring that GitHub
# environment of this repository, named by ID, so the environment's rules (deployment branches, required
# reviewers) decide who deploys, where GitHub enforces them. No subject names
# a branch: a pushed branch, a pull request or a job without an environment
# gets a different subject and no role.
data "aws_iam_policy_document" "deploy_assume" {
  for_each = local.github_enabled ? local.environments : toset([])

  statement {
    sid     = "GitHubEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["${local.github_subject_prefix}:environment:${each.key}"]
    }
  }
}
