"""Encrypted, private, TLS-only S3 buckets: the web bucket and (in
environments that enable them) the ALB access-log bucket."""

from __future__ import annotations

import json
from typing import Any

from constructs import Construct

from tradeinfra.config.models import WebStorageConfig
from tradeinfra.tf.aws import (
    kms_key,
    s3_bucket,
    s3_bucket_lifecycle_configuration,
    s3_bucket_policy,
    s3_bucket_public_access_block,
    s3_bucket_server_side_encryption_configuration,
    s3_bucket_versioning,
)
from tradeinfra.tf.compliance import NO_EVENT_CONSUMER, acknowledge, single_region
from tradeinfra.tf.constructs.policy import policy_document
from tradeinfra.tf.inputs import WebTierInputs

lifecycle_rule = s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRule
sse = s3_bucket_server_side_encryption_configuration


def tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def account_key(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    account_id: str,
    logs_region: str | None = None,
    deletion_window_days: int = 7,
) -> kms_key.KmsKey:
    """A rotating KMS key whose policy delegates use to IAM in this account
    only; with `logs_region`, CloudWatch Logs there may use it for this
    account's log groups (the encryption-context condition AWS documents)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountIamControlsUse",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if logs_region is not None:
        statements.append(
            {
                "Sid": "CloudWatchLogsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{logs_region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{logs_region}:{account_id}:log-group:*"
                    }
                },
            }
        )
    return kms_key.KmsKey(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        # Plain JSON (not a policy-document data source): checkov would read a
        # key policy's Resource "*" (this key) as an identity policy's wildcard.
        policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )


def encrypt_bucket(
    scope: Construct, construct_id: str, bucket: str, *, kms_key_arn: str | None, count: float | None = None
) -> None:
    """Default encryption: SSE-KMS with an S3 bucket key, or SSE-S3 where a
    service (ALB log delivery) accepts nothing else."""
    by_default = sse.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA
    sse.S3BucketServerSideEncryptionConfigurationA(
        scope,
        construct_id,
        bucket=bucket,
        rule=[
            sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=by_default(
                    sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
                )
                if kms_key_arn
                else by_default(sse_algorithm="AES256"),
                bucket_key_enabled=True if kms_key_arn else None,
            )
        ],
        count=count,
    )


def block_public_access(scope: Construct, construct_id: str, bucket: str, count: float | None = None) -> None:
    s3_bucket_public_access_block.S3BucketPublicAccessBlock(
        scope,
        construct_id,
        bucket=bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        count=count,
    )


class WebBucket(Construct):
    """The environment's web-tier bucket, `web-<env>-<suffix>`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, inputs: WebTierInputs, storage: WebStorageConfig
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = account_key(
            self, "key", description="Encrypts the web-tier bucket", account_id=inputs.aws_account_id
        )
        self.bucket = s3_bucket.S3Bucket(
            self, "bucket", bucket=inputs.name("web"), force_destroy=inputs.s3_force_destroy
        )
        acknowledge(
            self.bucket,
            {
                **NO_EVENT_CONSUMER,
                **single_region(
                    "the web tier runs in one region (web_tier.region); versioning protects prod's objects"
                ),
                "CKV_AWS_18": "No client reaches this bucket: only the web instances' role may read or write it "
                "(IAM; the bucket policy refuses anything but TLS), and the ALB logs every client request",
            },
        )
        block_public_access(self, "public_access", self.bucket.id)
        encrypt_bucket(self, "encryption", self.bucket.id, kms_key_arn=self.key.arn)
        # Versioning only where config enables it (prod): count on the variable.
        s3_bucket_versioning.S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(status="Enabled"),
            count=WebTierInputs.count_if(inputs.s3_versioning),
        )
        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                lifecycle_rule(
                    id="tiering-and-old-versions",
                    status="Enabled",
                    filter=[s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    transition=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleTransition(
                            days=storage.transition_to_ia_days, storage_class="STANDARD_IA"
                        )
                    ],
                    noncurrent_version_expiration=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=storage.noncurrent_version_expiration_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
        )
        s3_bucket_policy.S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=policy_document(self, "policy_document", [tls_only_statement(self.bucket.arn)]),
        )
