"""The Application Load Balancer: HTTPS only (TLS 1.3, 1.2 at the lowest),
plain HTTP redirected, and (where config enables them) access logs in a
dedicated bucket."""

from __future__ import annotations

import json

import cdktf
from constructs import Construct

from tradeinfra.config.models import LoadBalancerConfig
from tradeinfra.tf.aws import (
    data_aws_elb_service_account,
    lb,
    lb_listener,
    s3_bucket,
    s3_bucket_lifecycle_configuration,
    s3_bucket_policy,
    s3_bucket_versioning,
)
from tradeinfra.tf.compliance import LOG_DELIVERY_SSE_S3, NO_EVENT_CONSUMER, acknowledge, single_region
from tradeinfra.tf.constructs.storage import block_public_access, encrypt_bucket, tls_only_statement
from tradeinfra.tf.inputs import WebTierInputs


def first(resource: cdktf.TerraformResource, attribute: str) -> str:
    """`<resource>[0].<attribute>` of a resource created with `count`."""
    return f"${{{resource.fqn}[0].{attribute}}}"


class LoadBalancer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inputs: WebTierInputs,
        settings: LoadBalancerConfig,
        subnet_ids: list[str],
        security_group_id: str,
        target_group_arn: str,
        certificate_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        logs_count = WebTierInputs.count_if(inputs.alb_access_logs)
        self.logs_bucket = s3_bucket.S3Bucket(
            self, "access_logs", bucket=inputs.name("alb-logs"), force_destroy=inputs.s3_force_destroy, count=logs_count
        )
        acknowledge(
            self.logs_bucket,
            {
                **NO_EVENT_CONSUMER,
                **LOG_DELIVERY_SSE_S3,
                **single_region("logs stay beside the load balancer they record"),
                "CKV_AWS_18": "The log bucket itself: only ALB log delivery writes to it (bucket policy); logging its "
                "own access would need another log bucket, and so on",
            },
        )
        logs_bucket_id, logs_bucket_arn = first(self.logs_bucket, "id"), first(self.logs_bucket, "arn")
        block_public_access(self, "access_logs_public_access", logs_bucket_id, count=logs_count)
        # ALB log delivery supports SSE-S3 only.
        encrypt_bucket(self, "access_logs_encryption", logs_bucket_id, kms_key_arn=None, count=logs_count)
        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration(
            self,
            "access_logs_lifecycle",
            bucket=logs_bucket_id,
            rule=[
                s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleExpiration(
                            days=settings.access_log_expiration_days
                        )
                    ],
                    noncurrent_version_expiration=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=7
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        s3_bucket_lifecycle_configuration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
            count=logs_count,
        )
        s3_bucket_versioning.S3BucketVersioningA(
            self,
            "access_logs_versioning",
            bucket=logs_bucket_id,
            versioning_configuration=s3_bucket_versioning.S3BucketVersioningVersioningConfiguration(status="Enabled"),
            count=logs_count,
        )
        elb_account = data_aws_elb_service_account.DataAwsElbServiceAccount(self, "elb_account")
        s3_bucket_policy.S3BucketPolicy(
            self,
            "access_logs_policy",
            bucket=logs_bucket_id,
            # A JSON template: Terraform fills in the count-indexed references.
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ElbLogDelivery",
                            "Effect": "Allow",
                            "Principal": {"AWS": elb_account.arn},
                            "Action": "s3:PutObject",
                            "Resource": f"{logs_bucket_arn}/AWSLogs/{inputs.aws_account_id}/*",
                        },
                        tls_only_statement(logs_bucket_arn),
                    ],
                }
            ),
            count=logs_count,
        )
        self.alb = lb.Lb(
            self,
            "alb",
            name=inputs.name("alb"),
            load_balancer_type="application",
            internal=not settings.internet_facing,
            subnets=subnet_ids,
            security_groups=[security_group_id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=inputs.alb_deletion_protection,
            access_logs=lb.LbAccessLogs(
                bucket=f'${{try({self.logs_bucket.fqn}[0].id, "")}}',
                enabled=inputs.alb_access_logs,
            ),
        )
        self.listener = lb_listener.LbListener(
            self,
            "https",
            load_balancer_arn=self.alb.arn,
            port=settings.https_port,
            protocol="HTTPS",
            ssl_policy=settings.tls_policy,
            certificate_arn=certificate_arn,
            default_action=[lb_listener.LbListenerDefaultAction(type="forward", target_group_arn=target_group_arn)],
        )
        # Plain HTTP serves nothing: every request is sent to HTTPS.
        lb_listener.LbListener(
            self,
            "http",
            load_balancer_arn=self.alb.arn,
            port=settings.listener_port,
            protocol="HTTP",
            default_action=[
                lb_listener.LbListenerDefaultAction(
                    type="redirect",
                    redirect=lb_listener.LbListenerDefaultActionRedirect(
                        protocol="HTTPS", port=str(settings.https_port), status_code="HTTP_301"
                    ),
                )
            ],
        )
