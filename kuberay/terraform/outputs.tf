# What the kustomize overlay of this environment needs (kuberay/overlays/<environment>).
output "irsa_role_arn" {
  description = "the ServiceAccount's eks.amazonaws.com/role-arn"
  value       = module.pods_irsa.iam_role_arn
}

output "kafka_bootstrap" {
  description = "BANKFLOW_KAFKA_BOOTSTRAP (TLS)"
  value       = aws_msk_cluster.events.bootstrap_brokers_tls
}

output "gcs_redis_address" {
  description = "the RayService's gcsFaultToleranceOptions.redisAddress"
  value       = "rediss://${aws_elasticache_replication_group.cache.primary_endpoint_address}:6379"
}

output "documents_bucket" {
  description = "BANKFLOW_DOCUMENT_STORE_URL is s3://<this>/documents"
  value       = aws_s3_bucket.documents.bucket
}

output "region" {
  description = "the region everything lives in"
  value       = var.region
}
