terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # No backend: this stack creates the bucket the other stacks keep their
  # state in, so its own state is local (terraform.tfstate here, ignored by
  # git). docs/adr/0001 says why and how to rebuild it by import if it is lost.
}
