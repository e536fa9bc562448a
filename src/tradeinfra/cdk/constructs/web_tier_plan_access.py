"""What a read-only role needs to plan the web tier: the calls the AWS
provider makes while `terraform plan` refreshes the web tier's state.

The list is what provider 5.100.0 was seen to call, not a guess: recorded
from its debug log while planning a deployed web tier on the emulator, and
recorded again by every run of `tests/integration/test_web_tier_local.py`,
which fails on a call this list lacks. Its limit: on AWS the provider may
make calls the emulator's answers never lead it to (a resource in a state
the emulator does not produce); such a call fails the plan step on AWS with
AccessDenied naming it, and belongs here then. The state itself is read
through the environment's state reader role (tooling account), not here.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from tradeinfra.cdk.constructs.read_access import CONFIGURATION_READ_ACTIONS
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import tf_name

# IAM actions, per service, in the provider's order of resources.
WEB_TIER_PLAN_READS: list[str] = [
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribePolicies",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "elasticloadbalancing:DescribeCapacityReservation",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "iam:GetInstanceProfile",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "rds:DescribeDBInstances",
    "rds:DescribeDBParameterGroups",
    "rds:DescribeDBParameters",
    "rds:DescribeDBSubnetGroups",
    "rds:ListTagsForResource",
    "route53:GetHostedZone",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResource",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketLogging",
    "s3:GetBucketPolicy",
    "s3:GetReplicationConfiguration",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:ListBucket",  # HeadBucket: the web tier's buckets only (object names are not configuration)
    "ssm:GetParameter",  # the AMI's public parameter only: never the account's own (SecureStrings)
    "wafv2:GetLoggingConfiguration",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:ListTagsForResource",
]

# Reads that would reach data on `*`: granted on the web tier's own resources only.
_SCOPED = {"s3:ListBucket", "ssm:GetParameter"}


def web_tier_plan_statements(partition: str, environment: EnvironmentConfig) -> list[iam.PolicyStatement]:
    """The reads of WEB_TIER_PLAN_READS a role with CONFIGURATION_READ_ACTIONS lacks."""
    more = [a for a in WEB_TIER_PLAN_READS if a not in CONFIGURATION_READ_ACTIONS and a not in _SCOPED]
    return [
        iam.PolicyStatement(sid="PlanTheWebTier", actions=more, resources=["*"]),
        iam.PolicyStatement(
            sid="PlanTheWebTierBuckets", actions=["s3:ListBucket"], resources=_buckets(partition, environment)
        ),
        iam.PolicyStatement(
            sid="PlanTheWebTierImage", actions=["ssm:GetParameter"], resources=[_image(partition, environment)]
        ),
    ]


def web_tier_plan_acknowledgments(partition: str, environment: EnvironmentConfig) -> dict[str, str]:
    """cdk-nag IAM5 acknowledgment for the one wildcard resource of `web_tier_plan_statements`."""
    return {
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{_image(partition, environment)}]": "AWS's public parameters "
        "naming the latest Amazon Linux images (the web tier's AMI lookup); not the account's own parameters",
    }


def _buckets(partition: str, environment: EnvironmentConfig) -> list[str]:
    env, suffix = environment.name, environment.web_tier.environment_suffix
    return [f"arn:{partition}:s3:::{tf_name(kind, env, suffix)}" for kind in ("web", "alb-logs")]


def _image(partition: str, environment: EnvironmentConfig) -> str:
    # AWS's public parameters name no account (`ssm:<region>::parameter/aws/...`); `*` matches that, and
    # no account can hold a parameter of its own under /aws.
    return f"arn:{partition}:ssm:{environment.region}:*:parameter/aws/service/ami-amazon-linux-latest/*"
