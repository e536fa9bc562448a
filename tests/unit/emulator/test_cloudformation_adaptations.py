"""The emulator resolves a stack's Parameter Store references as
CloudFormation does: it says which value each stack was deployed with, and an
update resolves them again, changing the resources that use a new value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.unit.conftest import use_fake_credentials
from tradeinfra.emulator.adaptations import cloudformation

PUBLISHED = "/trading/dev/messaging/queue-arn"
CONSUMER = {
    "Parameters": {
        "MessagingQueueArn": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": PUBLISHED},
    },
    "Resources": {
        "Uses": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": "/trading/dev/compute/uses",
                "Type": "String",
                "Value": {"Ref": "MessagingQueueArn"},
            },
        }
    },
}
APPLIED: list[bool] = []


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    if not APPLIED:  # as the emulator process does before it serves (these patch moto for good)
        cloudformation._previous_parameter_values()
        cloudformation._resolved_parameter_values()
        cloudformation._updates_resolve_parameters_again()
        APPLIED.append(True)
    use_fake_credentials(monkeypatch)
    with mock_aws():
        ssm, stacks = boto3.client("ssm"), boto3.client("cloudformation")
        ssm.put_parameter(Name=PUBLISHED, Value="arn:queue-1", Type="String")
        stacks.create_stack(StackName="dev-trading-compute", TemplateBody=json.dumps(CONSUMER))
        yield ssm, stacks


def described(stacks: Any) -> dict[str, Any]:
    (parameter,) = stacks.describe_stacks(StackName="dev-trading-compute")["Stacks"][0]["Parameters"]
    return dict(parameter)


def test_a_resolved_parameter_is_described_by_name_and_resolved_value(clients: tuple[Any, Any]) -> None:
    _, stacks = clients
    assert described(stacks) == {
        "ParameterKey": "MessagingQueueArn",
        "ParameterValue": PUBLISHED,
        "ResolvedValue": "arn:queue-1",
    }


def test_an_unchanged_update_resolves_a_new_value_and_updates_what_uses_it(clients: tuple[Any, Any]) -> None:
    ssm, stacks = clients
    previous = [{"ParameterKey": "MessagingQueueArn", "UsePreviousValue": True}]  # as the CDK CLI sends it
    with pytest.raises(stacks.exceptions.ClientError, match="No updates are to be performed"):
        stacks.update_stack(StackName="dev-trading-compute", TemplateBody=json.dumps(CONSUMER), Parameters=previous)

    ssm.put_parameter(Name=PUBLISHED, Value="arn:queue-2", Type="String", Overwrite=True)
    stacks.update_stack(StackName="dev-trading-compute", TemplateBody=json.dumps(CONSUMER), Parameters=previous)
    assert described(stacks)["ResolvedValue"] == "arn:queue-2"
    assert ssm.get_parameter(Name="/trading/dev/compute/uses")["Parameter"]["Value"] == "arn:queue-2"
