"""Bootstrap of the tooling account: the S3 bucket and DynamoDB table that
hold the web tier's remote state, and per environment two roles: one through
which that environment's deployer reaches its own state and its own entries
in the deployment ledger (stack `ledger`), and nothing else; one through
which its plans read that state, and nothing else. Applied once, with a
local backend."""

from __future__ import annotations

import json

import cdktf
from constructs import Construct

from tradeinfra.config.models import LedgerConfig, TerraformStateConfig
from tradeinfra.config.naming import (
    ledger_key_alias,
    state_access_logs_bucket,
    state_key_alias,
)
from tradeinfra.tf.aws import (
    data_aws_caller_identity,
    dynamodb_table,
    kms_alias,
    provider,
    s3_bucket,
    s3_bucket_lifecycle_configuration,
    s3_bucket_logging,
    s3_bucket_policy,
    s3_bucket_versioning,
    s3_object,
)
from tradeinfra.tf.compliance import LOG_DELIVERY_SSE_S3, NO_EVENT_CONSUMER, acknowledge, single_region
from tradeinfra.tf.constructs.policy import policy_document
from tradeinfra.tf.constructs.state_roles import Ledger, StateAccessRole, StateBackend, StateReadRole
from tradeinfra.tf.constructs.storage import account_key, block_public_access, encrypt_bucket, tls_only_statement
from tradeinfra.tf.stacks.web_tier import AWS_PROVIDER_VERSION, TERRAFORM_VERSION

# A state with nothing in it, as Terraform writes one (format 4).
EMPTY_STATE = json.dumps(
    {
        "version": 4,
        "terraform_version": "1.11.0",
        "serial": 0,
        "lineage": "6f1c3a52-0d4e-4b7a-9c2e-3a8f5d1b7e90",
        "outputs": {},
        "resources": [],
        "check_results": None,
    }
)


class StateBackendStack(cdktf.TerraformStack):
    def __init__(
        self,
        scope: Construct,
        *,
        state: TerraformStateConfig,
        ledger: LedgerConfig,
        static_tags: dict[str, str],
        environments: dict[str, str],  # environment -> its account
    ) -> None:
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
        kms_alias.KmsAlias(self, "key_alias", name=state_key_alias(state.bucket), target_key_id=key.key_id)
        bucket = s3_bucket.S3Bucket(self, "bucket", bucket=state.bucket)
        acknowledge(
            bucket,
            {
                **NO_EVENT_CONSUMER,
                **single_region("a regional outage stops deployments, not the platform; a year of versions is kept"),
            },
        )
        access_logs = AccessLogBucket(
            self, "access_logs", name=state_access_logs_bucket(state.bucket), source_bucket=state.bucket
        )
        # Every read and write of every environment's state is recorded.
        s3_bucket_logging.S3BucketLoggingA(
            self,
            "logging",
            bucket=bucket.id,
            target_bucket=access_logs.bucket.id,
            target_prefix="state/",
            depends_on=[access_logs.policy],  # S3 checks that the log delivery may write there
        )
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
            policy=policy_document(self, "policy_document", [tls_only_statement(bucket.arn)]),
        )
        DefaultWorkspaceState(self, "default_workspace", state=state, bucket=bucket, key_arn=key.arn)
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
        backend = StateBackend(state, bucket=bucket.arn, table=table.arn, key=key.arn)
        ledger_access = Ledger(
            table=f"arn:aws:dynamodb:{state.region}:{caller.account_id}:table/{ledger.table}",
            bucket=f"arn:aws:s3:::{ledger.bucket}",
            keys=f"arn:aws:kms:{state.region}:{caller.account_id}:key/*",
            alias=ledger_key_alias(ledger.table),
        )
        for env, account in environments.items():
            StateAccessRole(
                self, f"access_{env}", environment=env, account=account, backend=backend, ledger=ledger_access
            )
            StateReadRole(self, f"reader_{env}", environment=env, account=account, backend=backend)
        cdktf.TerraformOutput(self, "state_bucket_name", value=bucket.bucket)
        cdktf.TerraformOutput(self, "lock_table_name", value=table.name)


class AccessLogBucket(Construct):
    """The state bucket's server access logs: SSE-S3 (the only encryption S3
    log delivery accepts), private, TLS-only, written only by the S3 logging
    service for the state bucket of this account, kept a year."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, source_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3_bucket.S3Bucket(self, "bucket", bucket=name)
        acknowledge(
            self.bucket,
            {**NO_EVENT_CONSUMER, **LOG_DELIVERY_SSE_S3, **single_region("logs stay beside the bucket they record")},
        )
        block_public_access(self, "public_access", self.bucket.id)
        encrypt_bucket(self, "encryption", self.bucket.id, kms_key_arn=None)
        s3_bucket_versioning.S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        lifecycle = s3_bucket_lifecycle_configuration
        lifecycle.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                lifecycle.S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[lifecycle.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[lifecycle.S3BucketLifecycleConfigurationRuleExpiration(days=365)],
                    noncurrent_version_expiration=[
                        lifecycle.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=30)
                    ],
                    abort_incomplete_multipart_upload=[
                        lifecycle.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
        )
        caller = data_aws_caller_identity.DataAwsCallerIdentity(self, "caller")
        self.policy = s3_bucket_policy.S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=policy_document(
                self,
                "policy_document",
                [
                    {
                        "Sid": "S3ServerAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{self.bucket.arn}/state/*",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": caller.account_id},
                            "ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{source_bucket}"},
                        },
                    },
                    tls_only_statement(self.bucket.arn),
                ],
            ),
        )


class DefaultWorkspaceState(Construct):
    """An empty state in the default workspace, which no environment uses.

    `terraform init` reads the current workspace's state, the default one
    (at `key`, outside every environment's prefix), before any is selected.
    S3 answers 403, not "no such object", to a caller that may not list
    that key, and the backend then fails the init. With an empty state
    there, readable by every environment's roles and writable by none, each
    initializes with grants on its own workspace and this object only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state: TerraformStateConfig,
        bucket: s3_bucket.S3Bucket,
        key_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        s3_object.S3Object(
            self,
            "state",
            bucket=bucket.id,
            key=state.key,
            content=EMPTY_STATE,
            content_type="application/json",
            server_side_encryption="aws:kms",
            kms_key_id=key_arn,
        )
