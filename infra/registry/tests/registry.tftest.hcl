# Plan tests of the registry stack against a mocked AWS provider.

mock_provider "aws" {
  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/goship-dev"
      registry_id    = "123456789012"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev"
    }
  }
}

run "repository" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.name == "goship-dev"
    error_message = "The repository must be named <app_name>-<environment>, as the service stack expects."
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "Tags must be immutable."
  }

  assert {
    condition     = one(aws_ecr_repository.this.image_scanning_configuration).scan_on_push
    error_message = "Images must be scanned on push."
  }

  assert {
    condition     = aws_ecr_repository.this.force_delete
    error_message = "destroy must delete the repository with its images."
  }

  assert {
    condition     = one(aws_ecr_repository.this.encryption_configuration).encryption_type == "AES256"
    error_message = "The repository must be encrypted."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[0].selection.countNumber == 30
    error_message = "The lifecycle policy must keep the last 30 images by default."
  }
}

run "retention" {
  command = plan

  variables {
    image_retention_count = 5
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[0].selection.countNumber == 5
    error_message = "The lifecycle policy must keep image_retention_count images."
  }
}

run "rejects_bad_names" {
  command = plan

  variables {
    app_name = "Go_Ship"
  }

  expect_failures = [var.app_name]
}

# Creates nothing: the mock provider fakes the repository.
run "outputs" {
  command = apply

  assert {
    condition     = output.repository_url == "123456789012.dkr.ecr.us-east-1.amazonaws.com/goship-dev" && output.repository_name == "goship-dev"
    error_message = "The outputs must describe the repository."
  }
}
