"""The resource types that hold data: replacing or removing one loses what
it holds (orders, trade records, web content, the database, the keys that
decrypt them, audit logs, queued messages, the state and ledger stores).
A plan that replaces or removes one of these is a finding, in both apps.

One list per engine, kept side by side so they stay the same set; README
("Plan before you deploy") shows it. A type missing here is a type the
guard does not protect: add it to both lists."""

from __future__ import annotations

# CloudFormation type -> what it holds.
CLOUDFORMATION = {
    "AWS::DynamoDB::Table": "items (orders, the ledger)",
    "AWS::DynamoDB::GlobalTable": "items",
    "AWS::S3::Bucket": "objects (trade records, web content, state files)",
    "AWS::RDS::DBInstance": "the database",
    "AWS::RDS::DBCluster": "the database",
    "AWS::KMS::Key": "the key that decrypts data encrypted under it",
    "AWS::Logs::LogGroup": "audit and application logs",
    "AWS::SQS::Queue": "messages not yet processed",
    "AWS::SecretsManager::Secret": "a secret's value",
    "AWS::Backup::BackupVault": "recovery points",
}

# Terraform type (AWS provider) -> what it holds.
TERRAFORM = {
    "aws_dynamodb_table": "items (orders, the ledger)",
    "aws_dynamodb_global_table": "items",
    "aws_s3_bucket": "objects (trade records, web content, state files)",
    "aws_db_instance": "the database",
    "aws_rds_cluster": "the database",
    "aws_kms_key": "the key that decrypts data encrypted under it",
    "aws_cloudwatch_log_group": "audit and application logs",
    "aws_sqs_queue": "messages not yet processed",
    "aws_secretsmanager_secret": "a secret's value",
    "aws_backup_vault": "recovery points",
}


def is_stateful(resource_type: str) -> bool:
    return resource_type in CLOUDFORMATION or resource_type in TERRAFORM
