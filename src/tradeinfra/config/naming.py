"""Physical names of both apps, checked against AWS limits.

CDK app:        <env>-trading-<name>            e.g. prod-trading-orders
Terraform app:  <type>-<env>-<suffix>           e.g. alb-prod-p9m3
SSM prefix:     /trading/<env>/

A name that breaks a service's length or character rules is an error, never
silently truncated: two truncated names could collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from tradeinfra.errors import TradeinfraError

PROJECT = "trading"


class NamingError(TradeinfraError):
    """A generated physical name breaks the target service's naming rules."""


@dataclass(frozen=True)
class NameRule:
    max_length: int
    pattern: str
    expected: str


class ResourceKind(Enum):
    """Naming rules of the services whose physical names we set."""

    S3_BUCKET = NameRule(63, r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "3-63 lowercase letters, digits, dots, hyphens")
    DYNAMODB_TABLE = NameRule(255, r"^[A-Za-z0-9_.-]{3,255}$", "3-255 letters, digits, _ . -")
    SQS_QUEUE = NameRule(80, r"^[A-Za-z0-9_-]{1,80}$", "1-80 letters, digits, _ -")
    LAMBDA_FUNCTION = NameRule(64, r"^[A-Za-z0-9_-]{1,64}$", "1-64 letters, digits, _ -")
    API_GATEWAY = NameRule(1024, r"^[ -~]{1,1024}$", "1-1024 printable characters")
    IAM_ROLE = NameRule(64, r"^[A-Za-z0-9+=,.@_-]{1,64}$", "1-64 letters, digits, +=,.@_-")
    IAM_POLICY = NameRule(128, r"^[A-Za-z0-9+=,.@_-]{1,128}$", "1-128 letters, digits, +=,.@_-")
    LOG_GROUP = NameRule(512, r"^[A-Za-z0-9_./#-]{1,512}$", "1-512 letters, digits, _ . / # -")
    KMS_ALIAS = NameRule(256, r"^alias/[A-Za-z0-9/_-]{1,250}$", "alias/ then letters, digits, / _ -")
    SNS_TOPIC = NameRule(256, r"^[A-Za-z0-9_-]{1,256}$", "1-256 letters, digits, _ -")
    CLOUDWATCH_ALARM = NameRule(255, r"^[A-Za-z0-9_.-]{1,255}$", "1-255 letters, digits, _ . -")
    CLOUDFORMATION_STACK = NameRule(
        128, r"^[A-Za-z][A-Za-z0-9-]{0,127}$", "1-128 letters, digits, hyphens; starts with a letter"
    )
    GENERIC = NameRule(255, r"^[A-Za-z0-9_.-]{1,255}$", "1-255 letters, digits, _ . -")
    # Terraform (web tier) resources
    LOAD_BALANCER = NameRule(
        32, r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$", "1-32 letters, digits, hyphens; no hyphen at either end"
    )
    TARGET_GROUP = NameRule(
        32, r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$", "1-32 letters, digits, hyphens; no hyphen at either end"
    )
    RDS_INSTANCE = NameRule(
        63,
        r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$",
        "1-63 lowercase letters, digits, hyphens; starts with a letter; no -- and no trailing hyphen",
    )
    AUTOSCALING_GROUP = NameRule(255, r"^[ -~]{1,255}$", "1-255 printable characters")
    SECURITY_GROUP = NameRule(
        255,
        r"^(?!sg-)[A-Za-z0-9 ._:/()#,@\[\]+=&;{}!$*-]{1,255}$",
        "1-255 characters allowed in security group names, not beginning with sg-",
    )
    LAUNCH_TEMPLATE = NameRule(128, r"^[A-Za-z0-9()./_-]{3,128}$", "3-128 letters, digits, ( ) . / _ -")


def check_name(name: str, kind: ResourceKind) -> str:
    """Return `name` if it obeys `kind`'s rules, else raise NamingError."""
    rule = kind.value
    if len(name) > rule.max_length or not re.fullmatch(rule.pattern, name):
        raise NamingError(
            f"{kind.name.lower().replace('_', ' ')} name {name!r} ({len(name)} characters) "
            f"is invalid: expected {rule.expected}"
        )
    return name


def cdk_name(environment: str, name: str, kind: ResourceKind = ResourceKind.GENERIC) -> str:
    """`<env>-trading-<name>`, the physical-name pattern of the CDK app."""
    return check_name(f"{environment}-{PROJECT}-{name}", kind)


def tf_name(resource_type: str, environment: str, suffix: str, kind: ResourceKind = ResourceKind.GENERIC) -> str:
    """`<type>-<env>-<suffix>`, the physical-name pattern of the Terraform app."""
    return check_name(f"{resource_type}-{environment}-{suffix}", kind)


# The alarms that say a release is hurting the environment. CodeDeploy rolls
# the order processor back when one fires during a traffic shift, and
# `tradeinfra deploy --target aws` passes them to CloudFormation as rollback
# triggers (at most five). Names are `<env>-trading-<purpose>`.
RELEASE_ALARMS: tuple[str, ...] = (
    "order-processor-errors",
    "order-processor-throttles",
    "api-5xx",
    "orders-dlq-depth",
)


def alarm_name(environment: str, purpose: str) -> str:
    return cdk_name(environment, purpose, ResourceKind.CLOUDWATCH_ALARM)


def alarm_arn(environment: str, account: str, region: str, purpose: str, partition: str = "aws") -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name(environment, purpose)}"


def validator_role_name(environment: str) -> str:
    """The read-only role post-deployment validation assumes in the environment's account."""
    return cdk_name(environment, "post-deploy-validator", ResourceKind.IAM_ROLE)


def validation_step_role_name(pipeline_name: str, environment: str) -> str:
    """The tooling-account role the pipeline validates `environment` as; the
    environment's validator role trusts exactly this one."""
    return check_name(f"{pipeline_name}-validate-{environment}", ResourceKind.IAM_ROLE)


def web_tier_deployer_role_name(environment: str) -> str:
    """The role in the environment's account that deploys its web tier (Terraform)."""
    return cdk_name(environment, "web-tier-deployer", ResourceKind.IAM_ROLE)


def web_tier_step_role_name(pipeline_name: str, environment: str) -> str:
    """The tooling-account role the pipeline deploys `environment`'s web tier
    as; the environment's web-tier deployer role trusts exactly this one."""
    return check_name(f"{pipeline_name}-webtier-{environment}", ResourceKind.IAM_ROLE)


def state_access_role_name(environment: str) -> str:
    """The tooling-account role through which `environment`'s Terraform
    reaches its own state (and only its own) in the shared backend."""
    return check_name(f"{PROJECT}-tfstate-{environment}", ResourceKind.IAM_ROLE)


def state_reader_role_name(environment: str) -> str:
    """The tooling-account role through which `environment`'s plans read its
    web-tier state: read only, no lock, no ledger."""
    return check_name(f"{PROJECT}-tfstate-{environment}-reader", ResourceKind.IAM_ROLE)


def ledger_key_alias(ledger_table: str) -> str:
    """The alias of the deployment ledger's KMS key: how the state roles'
    grants name a key created by another stack."""
    return f"alias/{ledger_table}"


def state_key_alias(state_bucket: str) -> str:
    """The alias of the Terraform state's KMS key: how the backend of every
    workspace names the key it encrypts state with."""
    return f"alias/{state_bucket}"


def state_access_logs_bucket(state_bucket: str) -> str:
    """The bucket that receives the state bucket's server access logs."""
    return f"{state_bucket}-access-logs"


def state_key(workspace_key_prefix: str, environment: str, key: str) -> str:
    """The object key of a workspace's state in the S3 backend."""
    return f"{workspace_key_prefix}/{environment}/{key}"


def stack_name(environment: str, component: str) -> str:
    """CloudFormation stack name: `<env>-trading-<component>`."""
    return check_name(f"{environment}-{PROJECT}-{component}", ResourceKind.CLOUDFORMATION_STACK)


def ssm_prefix(environment: str) -> str:
    """Parameter Store prefix of the environment: `/trading/<env>/`."""
    return f"/{PROJECT}/{environment}/"


def ssm_parameter(environment: str, *parts: str) -> str:
    """`/trading/<env>/<part>/<part>`; parts must be path-safe."""
    for part in parts:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", part):
            raise NamingError(f"SSM parameter path part {part!r} is invalid: expected letters, digits, _ . -")
    name = ssm_prefix(environment) + "/".join(parts)
    if len(name) > 1011:
        raise NamingError(f"SSM parameter name {name!r} is longer than 1011 characters")
    return name
