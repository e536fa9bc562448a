"""Bootstrap: the S3 bucket and DynamoDB table that hold the web tier's
remote state. Applied once, with a local backend."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.config.models import TerraformStateConfig
from tradeinfra.tf.aws import (
    data_aws_caller_identity,
    dynamodb_table,
    provider,
    s3_bucket,
    s3_bucket_lifecycle_configuration,
    s3_bucket_policy,
    s3_bucket_versioning,
)
from tradeinfra.tf.constructs.storage import account_key, block_public_access, encrypt_bucket, tls_only_statement
from tradeinfra.tf.stacks.web_tier import AWS_PROVIDER_VERSION, TERRAFORM_VERSION


class StateBackendStack(cdktf.TerraformStack):
    def __init__(self, scope: Construct, *, state: TerraformStateConfig, static_tags: dict[str, str]) -> None:
        super().__init__(scope, "state-backend")
        self.add_override("terraform.required_version", TERRAFORM_VERSION)
        provider.AwsProvider(
            self,
            "aws",
            region=state.region,
            default_tags=[provider.AwsProviderDefaultTags(tags={"Environment": "shared", **static_tags})],
        )
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION)
        cdktf.LocalBackend(self, path="terraform.state-backend.tfstate")
        caller = data_aws_caller_identity.DataAwsCallerIdentity(self, "caller")
        key = account_key(self, "key", description="Encrypts Terraform state", account_id=caller.account_id)
        bucket = s3_bucket.S3Bucket(self, "bucket", bucket=state.bucket)
        s3_bucket_versioning.S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket.id,
            versioning_configuration=s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        encrypt_bucket(self, "encryption", bucket.id, kms_key_arn=key.arn)
        block_public_access(self, "public_access", bucket.id)
        lifecycle = s3_bucket_lifecycle_configuration
        lifecycle.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket.id,
            rule=[
                lifecycle.S3BucketLifecycleConfigurationRule(
                    id="state-history",
                    status="Enabled",
                    filter=[lifecycle.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        lifecycle.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=365)
                    ],
                    abort_incomplete_multipart_upload=[
                        lifecycle.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
        )
        s3_bucket_policy.S3BucketPolicy(
            self,
            "policy",
            bucket=bucket.id,
            policy=cdktf.Fn.jsonencode({"Version": "2012-10-17", "Statement": [tls_only_statement(bucket.arn)]}),
        )
        table = dynamodb_table.DynamodbTable(
            self,
            "lock_table",
            name=state.lock_table,
            billing_mode="PAY_PER_REQUEST",
            hash_key="LockID",
            attribute=[dynamodb_table.DynamodbTableAttribute(name="LockID", type="S")],
            server_side_encryption=dynamodb_table.DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key.arn),
            point_in_time_recovery=dynamodb_table.DynamodbTablePointInTimeRecovery(enabled=True),
        )
        cdktf.TerraformOutput(self, "state_bucket_name", value=bucket.bucket)
        cdktf.TerraformOutput(self, "lock_table_name", value=table.name)
