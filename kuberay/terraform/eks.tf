module "eks" {
  # v20.37.2 (terraform-aws-modules/eks/aws), by commit: a tag can be moved, a commit cannot.
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-eks.git?ref=8a0efdbbc84180a26e0bacfd2b6fcfceac53b3b6"

  cluster_name                   = local.name
  cluster_version                = var.kubernetes_version
  vpc_id                         = module.vpc.vpc_id
  subnet_ids                     = module.vpc.private_subnets
  cluster_endpoint_public_access = false
  enable_irsa                    = true
  cluster_encryption_config      = { resources = ["secrets"] }

  eks_managed_node_groups = {
    # The Ray head and the ledger workers: long-lived, stateful in memory.
    ledger = {
      instance_types = [var.ledger_node_instance_type]
      capacity_type  = "ON_DEMAND"
      min_size       = 2
      max_size       = 8
      desired_size   = 3
      labels         = { "bankflow.io/capacity" = "on-demand" }
    }
    # Serve replicas and training: stateless or retryable.
    serve = {
      instance_types = var.serve_node_instance_types
      capacity_type  = "SPOT"
      min_size       = 2
      max_size       = 20
      desired_size   = 2
      labels         = { "bankflow.io/capacity" = "spot" }
      taints = {
        spot = { key = "bankflow.io/spot", value = "true", effect = "NO_SCHEDULE" }
      }
    }
  }
}

resource "helm_release" "kuberay_operator" {
  name             = "kuberay-operator"
  repository       = "https://ray-project.github.io/kuberay-helm/"
  chart            = "kuberay-operator"
  version          = var.kuberay_chart_version
  namespace        = "kuberay-system"
  create_namespace = true
}

resource "helm_release" "external_secrets" {
  name             = "external-secrets"
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = "0.14.4"
  namespace        = "external-secrets"
  create_namespace = true
}
