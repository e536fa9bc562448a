"""Rollback triggers passed to CloudFormation on `deploy --target aws`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.conftest import stubbed
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.rollback_triggers import cloudwatch_alarm_lookup, rollback_configuration

RELEASE = ["order-processor-errors", "order-processor-throttles", "api-5xx", "orders-dlq-depth"]


def test_every_release_alarm_is_a_trigger_with_the_configured_window(platform: PlatformConfig) -> None:
    prod = platform.environment("prod")
    config = rollback_configuration(prod, lambda names: set(names))
    assert config.alarm_arns == tuple(
        f"arn:aws:cloudwatch:us-east-1:333333333333:alarm:prod-trading-{purpose}" for purpose in RELEASE
    )
    assert config.monitoring_minutes == prod.deployment.rollback_monitoring_minutes == 15
    arguments = config.cdk_arguments()
    assert arguments[0] == "--rollback-trigger-alarm-arns"
    assert arguments[-2:] == ["--monitoring-time-minutes", "15"]


def test_first_deployment_has_no_triggers(platform: PlatformConfig) -> None:
    config = rollback_configuration(platform.environment("dev"), lambda names: set())
    assert config.alarm_arns == () and config.cdk_arguments() == []


def test_only_existing_alarms_become_triggers(platform: PlatformConfig) -> None:
    config = rollback_configuration(platform.environment("staging"), lambda names: {"staging-trading-api-5xx"})
    assert config.alarm_arns == ("arn:aws:cloudwatch:us-east-2:222222222222:alarm:staging-trading-api-5xx",)


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("cloudwatch") as client_and_stubber:
        yield client_and_stubber


def test_cloudwatch_lookup_follows_pages(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    names = ["dev-trading-api-5xx", "dev-trading-orders-dlq-depth"]
    request = {"AlarmNames": names, "AlarmTypes": ["MetricAlarm"]}
    stubber.add_response("describe_alarms", {"MetricAlarms": [{"AlarmName": names[0]}], "NextToken": "t"}, request)
    stubber.add_response("describe_alarms", {"MetricAlarms": [{"AlarmName": names[1]}]}, {**request, "NextToken": "t"})
    assert cloudwatch_alarm_lookup(client)(names) == set(names)
