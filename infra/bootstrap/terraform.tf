terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration, as the other stacks: bucket, key
  # ("bootstrap/terraform.tfstate", outside every environment's prefix) and
  # region come with -backend-config. This stack creates that bucket, so its
  # first run (and the teardown) selects the local backend with a
  # backend_override.tf and moves the state across with
  # terraform init -migrate-state (docs/adr/0001).
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
