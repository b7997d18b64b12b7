# The secrets the pods read through the External Secrets Operator (values are set outside
# Terraform, except the ones it generates), and the pods' IAM role (IRSA): S3 for documents
# and models, Secrets Manager for the bankflow/* secrets, nothing else.

locals {
  secrets = ["database", "redis", "smtp", "jwt", "data-keys", "sms", "push", "ray", "gcs-redis"]
}

resource "aws_secretsmanager_secret" "bankflow" {
  for_each                = toset(local.secrets)
  name                    = "bankflow/${each.key}"  # one AWS account per environment, as the overlays say
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret_version" "database" {
  secret_id = aws_secretsmanager_secret.bankflow["database"].id
  secret_string = jsonencode({
    url = "postgresql://bankflow:${random_password.database.result}@${aws_db_instance.journal.endpoint}/bankflow?sslmode=require"
  })
}

resource "aws_secretsmanager_secret_version" "gcs_redis" {
  secret_id     = aws_secretsmanager_secret.bankflow["gcs-redis"].id
  secret_string = jsonencode({ password = random_password.cache.result })
}

data "aws_iam_policy_document" "pods" {
  statement {
    sid       = "Documents"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.documents.arn, "${aws_s3_bucket.documents.arn}/*"]
  }
  statement {
    sid       = "Secrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [for secret in aws_secretsmanager_secret.bankflow : secret.arn]
  }
}

resource "aws_iam_policy" "pods" {
  name   = "${local.name}-pods"
  policy = data.aws_iam_policy_document.pods.json
}

module "pods_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.48"

  role_name        = "${local.name}-irsa"
  role_policy_arns = { pods = aws_iam_policy.pods.arn }
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["${var.environment == "prod" ? "bankflow" : "bankflow-${var.environment}"}:bankflow"]
    }
  }
}
