# Three named zones, not "the first three available": the subnets stay where they are when
# AWS opens a zone or one is impaired.
data "aws_availability_zones" "available" {
  filter {
    name   = "zone-name"
    values = [for letter in ["a", "b", "c"] : "${var.region}${letter}"]
  }
}

locals {
  name  = "bankflow-${var.environment}"
  zones = data.aws_availability_zones.available.names
}

module "vpc" {
  # v5.21.0 (terraform-aws-modules/vpc/aws), by commit: a tag can be moved, a commit cannot.
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-vpc.git?ref=7c1f791efd61f326ed6102d564d1a65d1eceedf0"

  name            = local.name
  cidr            = var.vpc_cidr
  azs             = local.zones
  private_subnets = [for index, zone in local.zones : cidrsubnet(var.vpc_cidr, 4, index)]
  public_subnets  = [for index, zone in local.zones : cidrsubnet(var.vpc_cidr, 8, 48 + index)]

  enable_nat_gateway     = true
  one_nat_gateway_per_az = var.environment == "prod"
  enable_flow_log        = true

  private_subnet_tags = { "kubernetes.io/role/internal-elb" = 1 }
  public_subnet_tags  = { "kubernetes.io/role/elb" = 1 }
}
