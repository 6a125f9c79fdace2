terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: the pipeline passes bucket, key
  # ("<app>/<environment>/registry.tfstate") and region with -backend-config.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
