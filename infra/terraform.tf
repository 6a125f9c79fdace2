terraform {
  # 1.11 brings native S3 state locking (use_lockfile) and mocks that
  # terraform test can also use during plan.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: the pipeline passes bucket, key
  # ("<app>/<environment>/service.tfstate") and region with -backend-config.
  # Locking and encryption are fixed here so that no invocation can forget them.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
