"""Bootstrap of the tooling account: the deployment ledger. Every version of
every environment, the locks and events (a table keyed by environment), and
what each version deployed (a versioned bucket). Applied once, with a local
backend, before the first deployment; its own stack so that it applies in
seconds (no lifecycle rule: the history is an audit trail, kept)."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.config.models import LedgerConfig
from tradeinfra.config.naming import ledger_key_alias
from tradeinfra.tf.aws import (
    data_aws_caller_identity,
    dynamodb_table,
    kms_alias,
    provider,
    s3_bucket,
    s3_bucket_policy,
    s3_bucket_versioning,
)
from tradeinfra.tf.compliance import NO_EVENT_CONSUMER, acknowledge, single_region
from tradeinfra.tf.constructs.policy import policy_document
from tradeinfra.tf.constructs.storage import account_key, block_public_access, encrypt_bucket, tls_only_statement
from tradeinfra.tf.stacks.web_tier import AWS_PROVIDER_VERSION, TERRAFORM_VERSION

LEDGER_STACK = "ledger"


class LedgerStack(cdktf.TerraformStack):
    def __init__(self, scope: Construct, *, ledger: LedgerConfig, region: str, static_tags: dict[str, str]) -> None:
        super().__init__(scope, LEDGER_STACK)
        self.add_override("terraform.required_version", TERRAFORM_VERSION)
        provider.AwsProvider(
            self,
            "aws",
            region=region,
            default_tags=[provider.AwsProviderDefaultTags(tags={"Environment": "shared", **static_tags})],
        )
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION)
        cdktf.LocalBackend(self, path="terraform.ledger.tfstate")
        caller = data_aws_caller_identity.DataAwsCallerIdentity(self, "caller")
        key = account_key(self, "key", description="Encrypts the deployment ledger", account_id=caller.account_id)
        kms_alias.KmsAlias(self, "key_alias", name=ledger_key_alias(ledger.table), target_key_id=key.key_id)
        self.table = dynamodb_table.DynamodbTable(
            self,
            "table",
            name=ledger.table,
            billing_mode="PAY_PER_REQUEST",
            hash_key="environment",
            range_key="entry",
            attribute=[
                dynamodb_table.DynamodbTableAttribute(name="environment", type="S"),
                dynamodb_table.DynamodbTableAttribute(name="entry", type="S"),
            ],
            server_side_encryption=dynamodb_table.DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key.arn),
            point_in_time_recovery=dynamodb_table.DynamodbTablePointInTimeRecovery(enabled=True),
            deletion_protection_enabled=True,
        )
        self.bucket = s3_bucket.S3Bucket(self, "bucket", bucket=ledger.bucket)
        acknowledge(
            self.bucket,
            {
                **NO_EVENT_CONSUMER,
                **single_region("the ledger lives beside the state it records, versioned"),
                "CKV2_AWS_61": "An audit trail: every version's artifacts are kept, so no object expires",
                "CKV_AWS_18": "Written only through the environments' state access roles; every write is a "
                "version recorded (who, what, when) in the ledger table, which has point-in-time recovery",
            },
        )
        s3_bucket_versioning.S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        encrypt_bucket(self, "encryption", self.bucket.id, kms_key_arn=key.arn)
        block_public_access(self, "public_access", self.bucket.id)
        s3_bucket_policy.S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=policy_document(self, "policy_document", [tls_only_statement(self.bucket.arn)]),
        )
        cdktf.TerraformOutput(self, "ledger_table_name", value=self.table.name)
        cdktf.TerraformOutput(self, "ledger_bucket_name", value=self.bucket.bucket)
