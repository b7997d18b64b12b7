data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  name  = "bankflow-${var.environment}"
  zones = slice(data.aws_availability_zones.available.names, 0, 3)
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.16"

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
