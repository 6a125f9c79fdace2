# Each environment's network, applied by an administrator through bootstrap:
# a new VPC (public subnets for the load balancer and the NAT gateway,
# private ones for the tasks, NAT and/or VPC endpoints for their way out),
# or an existing VPC named by ID. The deploy role creates nothing here.

data "aws_availability_zones" "available" {
  count = local.create_vpc ? 1 : 0

  state = "available"

  # Zone names map to different zones in each account; zone IDs do not.
  # use1-az3 runs no ARM64 Fargate tasks (ECS developer guide, ARM64 task
  # definitions), and it may be behind any of an account's first names.
  exclude_zone_ids = ["use1-az3"]

  # Local Zones and Wavelength Zones need an opt-in and carry no Fargate.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) >= var.availability_zone_count
      error_message = "The region has fewer available availability zones than availability_zone_count."
    }
  }
}

locals {
  availability_zones = local.create_vpc ? slice(data.aws_availability_zones.available[0].names, 0, var.availability_zone_count) : []
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block = var.vpc_cidr

  # Interface endpoints with private DNS need both.
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = merge(local.tags, {
    Name = local.name
  })
}

# Nothing may use the default security group: it starts with allow-all rules.
# Managing it with no rules empties it; destroy only forgets it.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, {
    Name = "${local.name}-default-unused"
  })
}

resource "aws_internet_gateway" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, {
    Name = local.name
  })
}

# Public subnets hold the load balancer and the NAT gateway, which bring their
# own addresses: nothing launched here gets a public IP by default.
resource "aws_subnet" "public" {
  count = local.create_vpc ? var.availability_zone_count : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false

  tags = merge(local.tags, {
    Name = "${local.name}-public-${local.availability_zones[count.index]}"
    Tier = "public"
  })
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? var.availability_zone_count : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = local.availability_zones[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index + 8)
  map_public_ip_on_launch = false

  tags = merge(local.tags, {
    Name = "${local.name}-private-${local.availability_zones[count.index]}"
    Tier = "private"
  })
}

resource "aws_route_table" "public" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, {
    Name = "${local.name}-public"
  })
}

resource "aws_route" "public_internet" {
  count = local.create_vpc ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create_vpc ? var.availability_zone_count : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_route_table" "private" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, {
    Name = "${local.name}-private"
  })
}

resource "aws_route_table_association" "private" {
  count = local.create_vpc ? var.availability_zone_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

# One NAT gateway for all private subnets: the cheapest way out (see the
# egress costs in docs/infrastructure.md). If its zone fails, tasks
# elsewhere lose the internet but keep serving through the load balancer.
resource "aws_eip" "nat" {
  count = local.nat_enabled ? 1 : 0

  domain = "vpc"

  tags = merge(local.tags, {
    Name = "${local.name}-nat"
  })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_enabled ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = merge(local.tags, {
    Name = local.name
  })

  # A NAT gateway needs the internet gateway attached to route anywhere.
  depends_on = [aws_internet_gateway.this, aws_route.public_internet]
}

resource "aws_route" "private_internet" {
  count = local.nat_enabled ? 1 : 0

  route_table_id         = aws_route_table.private[0].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[0].id
}

# Without NAT, tasks reach ECR, CloudWatch Logs and S3 (image layers) through
# VPC endpoints; with both, the endpoints keep that traffic off the NAT
# gateway's per-gigabyte charge.
resource "aws_vpc_endpoint" "interface" {
  for_each = local.endpoints_enabled ? toset(["ecr.api", "ecr.dkr", "logs"]) : toset([])

  vpc_id              = aws_vpc.this[0].id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoint[0].id]

  tags = merge(local.tags, {
    Name = "${local.name}-${each.key}"
  })
}

resource "aws_vpc_endpoint" "s3" {
  count = local.endpoints_enabled ? 1 : 0

  vpc_id            = aws_vpc.this[0].id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private[0].id]

  tags = merge(local.tags, {
    Name = "${local.name}-s3"
  })
}

resource "aws_security_group" "endpoint" {
  count = local.endpoints_enabled ? 1 : 0

  name        = "${local.name}-endpoint"
  description = "VPC interface endpoints: HTTPS from the service's tasks"
  vpc_id      = aws_vpc.this[0].id

  tags = merge(local.tags, {
    Name = "${local.name}-endpoint"
  })
}

resource "aws_vpc_security_group_ingress_rule" "endpoint_https" {
  count = local.endpoints_enabled ? 1 : 0

  security_group_id            = aws_security_group.endpoint[0].id
  description                  = "HTTPS from the service's tasks"
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}
