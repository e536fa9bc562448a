"""Drift detection on AWS (CloudFormation, stubbed) and how a Terraform
refresh-only plan is read."""

from __future__ import annotations

from typing import Any

from tests.unit.conftest import stubbed
from tradeinfra.ops.drift import Drift, cloudformation_drifts, environment_stack_names, plan_drifts


def test_environment_stacks_are_found_by_name() -> None:
    with stubbed("cloudformation") as (client, stubber):
        stubber.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    _stack("prod-trading-compute"),
                    _stack("staging-trading-compute"),
                    _stack("prod-trading-api"),
                    _stack("CDKToolkit"),
                ]
            },
        )
        assert environment_stack_names(client, "prod") == ["prod-trading-api", "prod-trading-compute"]


def test_cloudformation_drift_names_resource_property_expected_and_actual() -> None:
    slept: list[float] = []
    with stubbed("cloudformation") as (client, stubber):
        for stack, detection in (("prod-trading-compute", "d1"), ("prod-trading-api", "d2")):
            stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": detection}, {"StackName": stack})
        # first round: compute still running, api done and in sync
        stubber.add_response("describe_stack_drift_detection_status", _status("d1", "DETECTION_IN_PROGRESS"))
        stubber.add_response("describe_stack_drift_detection_status", _status("d2", "DETECTION_COMPLETE", "IN_SYNC"))
        stubber.add_response("describe_stack_drift_detection_status", _status("d1", "DETECTION_COMPLETE", "DRIFTED"))
        stubber.add_response(
            "describe_stack_resource_drifts",
            {
                "StackResourceDrifts": [
                    {
                        **_resource("OrderProcessor", "prod-trading-order-processor", "MODIFIED"),
                        "PropertyDifferences": [
                            {
                                "PropertyPath": "/MemorySize",
                                "ExpectedValue": "2048",
                                "ActualValue": "512",
                                "DifferenceType": "NOT_EQUAL",
                            }
                        ],
                    },
                    _resource("MaxOrderQuantitySetting", "/trading/prod/runtime/max-order-quantity", "DELETED"),
                ]
            },
            {"StackName": "prod-trading-compute", "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]},
        )
        drifts = cloudformation_drifts(client, ["prod-trading-compute", "prod-trading-api"], slept.append, None)
    assert drifts == [
        Drift(
            "cloudformation",
            "prod-trading-compute/OrderProcessor (prod-trading-order-processor)",
            "/MemorySize",
            "2048",
            "512",
        ),
        Drift(
            "cloudformation",
            "prod-trading-compute/MaxOrderQuantitySetting (/trading/prod/runtime/max-order-quantity)",
            "resource",
            "present",
            "deleted",
        ),
    ]
    assert slept == [5]  # waited once for the detection still running


def test_failed_detection_is_reported_not_ignored() -> None:
    with stubbed("cloudformation") as (client, stubber):
        stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": "d1"})
        stubber.add_response(
            "describe_stack_drift_detection_status",
            {**_status("d1", "DETECTION_FAILED"), "DetectionStatusReason": "AccessDenied on lambda:GetFunction"},
        )
        (drift,) = cloudformation_drifts(client, ["dev-trading-compute"], lambda _: None, None)
    assert drift.property == "drift detection" and "AccessDenied" in drift.actual


def test_refresh_only_plan_drift_skips_volatile_attributes() -> None:
    plan = {
        "resource_drift": [
            {
                "address": "aws_autoscaling_group.compute_asg",
                "type": "aws_autoscaling_group",
                "change": {
                    "actions": ["update"],
                    "before": {"max_size": 10, "min_size": 3, "tag": [{"key": "Environment", "value": "prod"}]},
                    "after": {"max_size": 4, "min_size": 3, "tag": [{"key": "Environment", "value": "prod"}]},
                },
            },
            {
                "address": "aws_db_instance.database_instance",
                "type": "aws_db_instance",
                "change": {
                    "before": {"latest_restorable_time": "2026-11-22T08:00:00Z", "multi_az": True},
                    "after": {"latest_restorable_time": "2026-11-22T09:00:00Z", "multi_az": True},
                },
            },
            {
                "address": "aws_s3_bucket_policy.storage_policy",
                "type": "aws_s3_bucket_policy",
                "change": {"before": {"bucket": "web-prod-p9m3"}, "after": None},
            },
        ]
    }
    assert plan_drifts(plan) == [
        Drift("terraform", "aws_autoscaling_group.compute_asg", "max_size", "10", "4"),
        Drift("terraform", "aws_s3_bucket_policy.storage_policy", "resource", "present", "deleted"),
    ]


def _stack(name: str) -> dict[str, Any]:
    return {"StackName": name, "CreationTime": "2026-11-01T00:00:00Z", "StackStatus": "UPDATE_COMPLETE"}


def _status(detection: str, status: str, drift: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "StackId": "arn:aws:cloudformation:us-east-1:333333333333:stack/s/1",
        "StackDriftDetectionId": detection,
        "DetectionStatus": status,
        "Timestamp": "2026-11-22T00:00:00Z",
    }
    if drift:
        answer["StackDriftStatus"] = drift
    return answer


def _resource(logical: str, physical: str, status: str) -> dict[str, Any]:
    return {
        "StackId": "arn:aws:cloudformation:us-east-1:333333333333:stack/s/1",
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical,
        "ResourceType": "AWS::Lambda::Function",
        "StackResourceDriftStatus": status,
        "Timestamp": "2026-11-22T00:00:00Z",
    }
