variable "environment" {
  description = "dev, staging or prod: names every resource and matches a kustomize overlay"
  type        = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod"
  }
}

variable "region" {
  description = "AWS region"
  type        = string
  default     = "us-east-1"
}

variable "vpc_cidr" {
  description = "the VPC's address range, split over three zones"
  type        = string
  default     = "10.40.0.0/16"
}

variable "kubernetes_version" {
  description = "EKS control plane version"
  type        = string
  default     = "1.33"
}

variable "ledger_node_instance_type" {
  description = "on-demand nodes for the Ray head and the ledger worker group"
  type        = string
  default     = "m7i.2xlarge"
}

variable "serve_node_instance_types" {
  description = "spot nodes for Serve replicas and training"
  type        = list(string)
  default     = ["m7i.xlarge", "m6i.xlarge", "m5.xlarge"]
}

variable "db_instance_class" {
  description = "RDS PostgreSQL instance class (Multi-AZ)"
  type        = string
  default     = "db.r7g.xlarge"
}

variable "db_backup_retention_days" {
  description = "point-in-time recovery window of the journal"
  type        = number
  default     = 14
}

variable "cache_node_type" {
  description = "ElastiCache Redis node type (rate limits, velocity, GCS fault tolerance)"
  type        = string
  default     = "cache.r7g.large"
}

variable "kafka_instance_type" {
  description = "MSK broker instance type (three brokers, TLS)"
  type        = string
  default     = "kafka.m7g.large"
}

variable "kuberay_chart_version" {
  description = "the KubeRay operator Helm chart"
  type        = string
  default     = "1.4.2"
}
