"""A consumer deployed against an older value of a published parameter is
found by comparing what CloudFormation resolved with the parameter now."""

from __future__ import annotations

from typing import Any

from tests.unit.conftest import stubbed
from tradeinfra.ops.references import ConsumedReference, consumed_references

QUEUE_ARN = "/trading/prod/messaging/queue-arn"
TABLE_ARN = "/trading/prod/data/table-arn"


def _stack(name: str, parameters: list[dict[str, str]], status: str = "UPDATE_COMPLETE") -> dict[str, Any]:
    return {"StackName": name, "CreationTime": "2026-01-01T00:00:00Z", "StackStatus": status, "Parameters": parameters}


def test_stale_deleted_and_current_references_are_told_apart() -> None:
    with stubbed("cloudformation") as (cloudformation, cf_stub), stubbed("ssm") as (ssm, ssm_stub):
        cf_stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    _stack(
                        "prod-trading-compute",
                        [
                            {
                                "ParameterKey": "MessagingQueueArn",
                                "ParameterValue": QUEUE_ARN,
                                "ResolvedValue": "arn:old",
                            },
                            {"ParameterKey": "DataTableArn", "ParameterValue": TABLE_ARN, "ResolvedValue": "arn:table"},
                            {"ParameterKey": "Gone", "ParameterValue": "/trading/prod/x/gone", "ResolvedValue": "v"},
                            # CDK's own SSM-backed parameter: not a reference between the stacks
                            {
                                "ParameterKey": "BootstrapVersion",
                                "ParameterValue": "/cdk-bootstrap/hnb659fds/version",
                                "ResolvedValue": "27",
                            },
                        ],
                    ),
                    # another environment's stack is not read
                    _stack(
                        "staging-trading-compute",
                        [{"ParameterKey": "P", "ParameterValue": "/trading/staging/a", "ResolvedValue": "v"}],
                    ),
                ]
            },
        )
        ssm_stub.add_response(
            "get_parameters",
            {
                "Parameters": [
                    {"Name": QUEUE_ARN, "Value": "arn:new", "Type": "String"},
                    {"Name": TABLE_ARN, "Value": "arn:table", "Type": "String"},
                ],
                "InvalidParameters": ["/trading/prod/x/gone"],
            },
            {"Names": [TABLE_ARN, QUEUE_ARN, "/trading/prod/x/gone"]},
        )
        found = consumed_references(cloudformation, ssm, "prod")
    assert found == [
        ConsumedReference("prod-trading-compute", "DataTableArn", TABLE_ARN, "arn:table", "arn:table"),
        ConsumedReference("prod-trading-compute", "Gone", "/trading/prod/x/gone", "v", None),
        ConsumedReference("prod-trading-compute", "MessagingQueueArn", QUEUE_ARN, "arn:old", "arn:new"),
    ]
    assert [reference.stale for reference in found] == [False, True, True]
