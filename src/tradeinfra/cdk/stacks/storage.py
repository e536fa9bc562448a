"""The S3 trade-data bucket, and the bucket that receives its access logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, removal_policy
from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig, ObjectLockConfig, StorageConfig
from tradeinfra.config.naming import ResourceKind, cdk_name

REPLICATION_ACK = {
    f"{pack}::{pack}-S3BucketReplicationEnabled": "Versioning and KMS protect the data in-region; "
    "cross-region copies are not required for this data set"
    for pack in ("NIST.800.53.R5", "PCI.DSS.321")
}


class StorageStack(TradingStack):
    def __init__(self, scope: Construct, *, environment: EnvironmentConfig, storage: StorageConfig) -> None:
        super().__init__(scope, "storage", environment=environment, description="Trade-data bucket")
        env, account, region = environment.name, environment.account, environment.region
        retain = storage.retain_on_delete
        key = EncryptionKey(
            self, "BucketKey", alias=cdk_name(env, "trade-data"), description="Encrypts trade data", retain=retain
        ).key
        # S3 server access logs can only be delivered to an SSE-S3 bucket.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            bucket_name=cdk_name(env, f"access-logs-{account}-{region}", ResourceKind.S3_BUCKET),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=cdk.Duration.days(storage.access_log_expiration_days),
                    noncurrent_version_expiration=cdk.Duration.days(storage.access_log_expiration_days),
                )
            ],
            removal_policy=removal_policy(retain),
            auto_delete_objects=False,
        )
        acknowledge(
            self.access_logs,
            {
                "NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS": "S3 delivers server access logs only to SSE-S3 buckets",
                "PCI.DSS.321::PCI.DSS.321-S3DefaultEncryptionKMS": "S3 delivers server access logs only to SSE-S3 buckets",
                **REPLICATION_ACK,
            },
        )
        trade_data_rule = s3.LifecycleRule(
            id="trade-data-retention",
            expiration=_days(storage.trade_data_expiration_days),
            noncurrent_version_expiration=_days(storage.noncurrent_version_expiration_days),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
        self.bucket = s3.Bucket(
            self,
            "TradeDataBucket",
            bucket_name=cdk_name(env, f"trade-data-{account}-{region}", ResourceKind.S3_BUCKET),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="trade-data/",
            lifecycle_rules=[trade_data_rule],
            object_lock_enabled=True if storage.object_lock else None,
            object_lock_default_retention=_object_lock(storage.object_lock),
            removal_policy=removal_policy(retain),
        )
        acknowledge(self.bucket, REPLICATION_ACK)
        self.publish(references.BUCKET_NAME, self.bucket.bucket_name)
        self.publish(references.BUCKET_ARN, self.bucket.bucket_arn)


def _days(days: int | None) -> cdk.Duration | None:
    return cdk.Duration.days(days) if days is not None else None


def _object_lock(lock: ObjectLockConfig | None) -> s3.ObjectLockRetention | None:
    if lock is None:
        return None
    period = cdk.Duration.days(lock.retention_days)
    return (
        s3.ObjectLockRetention.compliance(period)
        if lock.mode == "COMPLIANCE"
        else s3.ObjectLockRetention.governance(period)
    )
