"""Customer-managed KMS keys and the log groups they encrypt."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from tradeinfra.config.naming import ResourceKind, check_name

# CloudWatch Logs retention periods (config.models.LogRetentionDays) by day count.
RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def removal_policy(retain: bool) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.RETAIN if retain else cdk.RemovalPolicy.DESTROY


def retains_audit_logs(scope: Construct) -> bool:
    """Whether the environment keeps its log groups and their keys
    (`security.retain_audit_logs`), read from the stack `scope` is in."""
    stack = cdk.Stack.of(scope)
    retain = getattr(stack, "retain_audit_logs", None)
    assert isinstance(retain, bool), f"{stack.node.path} is not a stack of an environment"
    return retain


class EncryptionKey(Construct):
    """A rotating customer-managed key, `alias/<env>-trading-<purpose>`.

    With `for_logs`, CloudWatch Logs of this account and region may use it,
    and only for log groups of this account (encryption-context condition);
    such a key lives as long as the logs it encrypts (`retain` is ignored).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        description: str,
        retain: bool = False,
        for_logs: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        retain = retains_audit_logs(self) if for_logs else retain
        self.key = kms.Key(
            self,
            "Key",
            alias=check_name(f"alias/{alias}", ResourceKind.KMS_ALIAS),
            description=description,
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(30) if retain else cdk.Duration.days(7),
            removal_policy=removal_policy(retain),
        )
        if for_logs:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowCloudWatchLogsOfThisAccount",
                    principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                    actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                    resources=["*"],  # in a key policy, "*" means this key
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                                service="logs",
                                resource="log-group",
                                resource_name="*",
                                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                            )
                        }
                    },
                )
            )


def encrypted_log_group(
    scope: Construct, construct_id: str, *, name: str, retention_days: int, key: kms.IKey
) -> logs.LogGroup:
    """A KMS-encrypted log group with a fixed retention, kept on stack
    deletion where the environment keeps its audit logs."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=check_name(name, ResourceKind.LOG_GROUP),
        retention=RETENTION[retention_days],
        encryption_key=key,
        removal_policy=removal_policy(retains_audit_logs(scope)),
    )
