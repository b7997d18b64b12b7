# PostgreSQL (the journal and every read model), Redis (caches, velocity, the GCS tables),
# Kafka (the event topics): all private to the VPC, encrypted at rest and in transit.

resource "aws_security_group" "data" {
  name        = "${local.name}-data"
  description = "PostgreSQL, Redis and Kafka, reachable from the EKS nodes only"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description     = "from the EKS nodes"
    from_port       = 0
    to_port         = 65535
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

resource "random_password" "database" {
  length  = 40
  special = false
}

resource "aws_db_subnet_group" "journal" {
  name       = local.name
  subnet_ids = module.vpc.private_subnets
}

resource "aws_db_instance" "journal" {
  identifier                          = local.name
  engine                              = "postgres"
  engine_version                      = "17"
  instance_class                      = var.db_instance_class
  allocated_storage                   = 200
  max_allocated_storage               = 2000
  storage_type                        = "gp3"
  storage_encrypted                   = true
  multi_az                            = true
  db_name                             = "bankflow"
  username                            = "bankflow"
  password                            = random_password.database.result
  db_subnet_group_name                = aws_db_subnet_group.journal.name
  vpc_security_group_ids              = [aws_security_group.data.id]
  backup_retention_period             = var.db_backup_retention_days
  deletion_protection                 = true
  copy_tags_to_snapshot               = true
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.data.arn
  monitoring_interval                 = 60
  monitoring_role_arn                 = aws_iam_role.rds_monitoring.arn
  parameter_group_name                = aws_db_parameter_group.journal.name
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  final_snapshot_identifier           = "${local.name}-final"
}

# TLS only; schema changes and slow statements are logged, never the values bound to them
# (customers' data stays out of the logs).
resource "aws_db_parameter_group" "journal" {
  name   = "${local.name}-postgres17"
  family = "postgres17"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
  parameter {
    name  = "log_parameter_max_length"
    value = "0"
  }
}

# Enhanced Monitoring: the instance's OS metrics (CPU steal, I/O queue, memory) every minute.
resource "aws_iam_role" "rds_monitoring" {
  name = "${local.name}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = local.name
  subnet_ids = module.vpc.private_subnets
}

resource "random_password" "cache" {
  length  = 40
  special = false
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = local.name
  description                = "BankFlow caches and the Ray GCS tables"
  engine                     = "redis"
  node_type                  = var.cache_node_type
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.cache.result
  subnet_group_name          = aws_elasticache_subnet_group.cache.name
  security_group_ids         = [aws_security_group.data.id]
  snapshot_retention_limit   = 3
}

resource "aws_msk_cluster" "events" {
  cluster_name           = local.name
  kafka_version          = "3.8.x"
  number_of_broker_nodes = 3

  broker_node_group_info {
    instance_type   = var.kafka_instance_type
    client_subnets  = module.vpc.private_subnets
    security_groups = [aws_security_group.data.id]
    storage_info {
      ebs_storage_info { volume_size = 500 }
    }
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.kafka.name
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "kafka" {
  name              = "/bankflow/${var.environment}/msk"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.data.arn
}
