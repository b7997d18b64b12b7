# The secrets the pods read through the External Secrets Operator (values are set outside
# Terraform, except the ones it generates), and the pods' IAM role (IRSA): S3 for documents
# and models, Secrets Manager for the bankflow/* secrets (and their KMS key, through Secrets
# Manager only), nothing else.

locals {
  secrets = ["database", "redis", "smtp", "jwt", "data-keys", "sms", "push", "ray", "gcs-redis", "metrics"]
}

resource "aws_secretsmanager_secret" "bankflow" {
  #checkov:skip=CKV2_AWS_57:no rotation Lambda fits these values: the SMTP, SMS and push tokens are issued by the providers; the JWT and data keys rotate by adding a key id so old tokens and sealed values keep working (README, Key rotation); the database and Redis passwords and the Ray token change together with the service that checks them
  for_each                = toset(local.secrets)
  name                    = "bankflow/${each.key}"  # one AWS account per environment, as the overlays say
  recovery_window_in_days = 30
  kms_key_id              = aws_kms_key.data.arn
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

# The token Prometheus presents when it scrapes GET /metrics (its scrape config reads the same secret).
resource "random_password" "metrics" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret_version" "metrics" {
  secret_id     = aws_secretsmanager_secret.bankflow["metrics"].id
  secret_string = jsonencode({ token = random_password.metrics.result })
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
  statement {
    sid       = "SecretsKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "pods" {
  name   = "${local.name}-pods"
  policy = data.aws_iam_policy_document.pods.json
}

module "pods_irsa" {
  # v5.60.0 (terraform-aws-modules/iam/aws), by commit: a tag can be moved, a commit cannot.
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-iam.git//modules/iam-role-for-service-accounts-eks?ref=c29ec1ed409683086f63f83ff5b10a6f3c296ef2"

  role_name        = "${local.name}-irsa"
  role_policy_arns = { pods = aws_iam_policy.pods.arn }
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["${var.environment == "prod" ? "bankflow" : "bankflow-${var.environment}"}:bankflow"]
    }
  }
}
