resource "aws_ecr_repository" "this" {
  name = local.name

  # A pushed tag can never point at other bytes; the service deploys by
  # digest anyway, and the pipeline pushes a new tag per commit.
  image_tag_mutability = "IMMUTABLE"

  # destroy removes the repository with its images, unattended.
  force_delete = true

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the ${var.image_retention_count} most recent images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.image_retention_count
        }
        action = {
          type = "expire"
        }
      },
    ]
  })
}
