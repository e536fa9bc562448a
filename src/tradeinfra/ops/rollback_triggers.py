"""CloudFormation rollback triggers for a deployment to AWS.

While CloudFormation updates a stack of the environment, and for the
monitoring window from config (`deployment.rollback_monitoring_minutes`)
after, it watches the environment's release alarms and rolls the update back
if one fires. CloudFormation refuses triggers on alarms that do not exist, so
the first deployment of an environment (which creates them) goes without.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import RELEASE_ALARMS, alarm_arn, alarm_name

MAX_TRIGGERS = 5  # CloudFormation's limit per stack

ExistingAlarms = Callable[[list[str]], set[str]]  # alarm names -> the ones that exist


@dataclass(frozen=True)
class RollbackConfiguration:
    alarm_arns: tuple[str, ...]
    monitoring_minutes: int

    def cdk_arguments(self) -> list[str]:
        """`cdk deploy` options; none when there is nothing to watch yet."""
        if not self.alarm_arns:
            return []
        return [
            "--rollback-trigger-alarm-arns",
            *self.alarm_arns,
            "--monitoring-time-minutes",
            str(self.monitoring_minutes),
        ]


def rollback_configuration(environment: EnvironmentConfig, existing: ExistingAlarms) -> RollbackConfiguration:
    names = [alarm_name(environment.name, purpose) for purpose in RELEASE_ALARMS]
    present = existing(names)
    arns = tuple(
        alarm_arn(environment.name, environment.account, environment.region, purpose)
        for purpose, name in zip(RELEASE_ALARMS, names, strict=True)
        if name in present
    )
    assert len(arns) <= MAX_TRIGGERS, "CloudFormation accepts at most five rollback triggers"
    return RollbackConfiguration(arns, environment.deployment.rollback_monitoring_minutes)


def cloudwatch_alarm_lookup(cloudwatch: Any) -> ExistingAlarms:
    """`ExistingAlarms` backed by CloudWatch DescribeAlarms (metric alarms)."""

    def existing(names: list[str]) -> set[str]:
        found: set[str] = set()
        for page in _pages(cloudwatch, names):
            found.update(alarm["AlarmName"] for alarm in page.get("MetricAlarms", []))
        return found

    return existing


def _pages(cloudwatch: Any, names: list[str]) -> Iterable[dict[str, Any]]:
    token: str | None = None
    while True:
        page: dict[str, Any] = cloudwatch.describe_alarms(
            AlarmNames=names, AlarmTypes=["MetricAlarm"], **({"NextToken": token} if token else {})
        )
        yield page
        token = page.get("NextToken")
        if not token:
            return
