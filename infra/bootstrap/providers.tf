provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Application = var.app_name
      Component   = "bootstrap"
      ManagedBy   = "terraform"
    }
  }
}
