"""The drift detector against botocore's Stubber (moto has no drift APIs)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from tests.unit.conftest import stubbed
from tradeinfra.runtime.drift_detector.detector import ACTIVE_STATUSES, DriftDetector, Settings, StackDrift
from tradeinfra.runtime.drift_detector.metrics import metric_data


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def cfn() -> Iterator[tuple[object, Stubber]]:
    with stubbed("cloudformation") as client_and_stubber:
        yield client_and_stubber


def detector(client: object, fake: FakeTime, max_wait: float = 30) -> DriftDetector:
    return DriftDetector(
        client, Settings(poll_seconds=5, max_wait_seconds=max_wait, max_retries=3), fake.sleep, fake.clock
    )


def start(stubber: Stubber, stack: str, detection_id: str) -> None:
    stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": detection_id}, {"StackName": stack})


def status(
    stubber: Stubber, detection_id: str, state: str, drift: str = "IN_SYNC", count: int = 0, reason: str = ""
) -> None:
    response = {
        "StackId": f"arn:aws:cloudformation:us-east-1:111111111111:stack/{detection_id}/x",
        "StackDriftDetectionId": detection_id,
        "DetectionStatus": state,
        "Timestamp": "2026-11-22T00:00:00Z",
        "DriftedStackResourceCount": count,
    }
    if state == "DETECTION_COMPLETE":
        response["StackDriftStatus"] = drift
    if reason:
        response["DetectionStatusReason"] = reason
    stubber.add_response("describe_stack_drift_detection_status", response, {"StackDriftDetectionId": detection_id})


def test_all_stacks_in_sync(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    start(stubber, "dev-trading-data", "d1")
    start(stubber, "dev-trading-api", "d2")
    status(stubber, "d1", "DETECTION_COMPLETE")
    status(stubber, "d2", "DETECTION_COMPLETE")
    results = detector(client, FakeTime()).detect(["dev-trading-data", "dev-trading-api"])
    assert results == [StackDrift("dev-trading-data", "IN_SYNC", 0), StackDrift("dev-trading-api", "IN_SYNC", 0)]


def test_one_stack_drifted(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    start(stubber, "prod-trading-data", "d1")
    start(stubber, "prod-trading-compute", "d2")
    status(stubber, "d1", "DETECTION_COMPLETE", "DRIFTED", 2)
    status(stubber, "d2", "DETECTION_COMPLETE")
    results = detector(client, FakeTime()).detect(["prod-trading-data", "prod-trading-compute"])
    assert [r.drifted for r in results] == [True, False]
    assert results[0].drifted_resources == 2
    by_name = {m["MetricName"]: m for m in metric_data("prod", results) if m["MetricName"] != "DriftedResources"}
    assert by_name["DriftedStacks"]["Value"] == 1
    assert by_name["DriftedStacks"]["Dimensions"] == [{"Name": "Environment", "Value": "prod"}]
    per_stack = [m for m in metric_data("prod", results) if m["MetricName"] == "DriftedResources"]
    assert {m["Dimensions"][1]["Value"]: m["Value"] for m in per_stack} == {
        "prod-trading-data": 2,
        "prod-trading-compute": 0,
    }


def test_detection_failed(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    start(stubber, "staging-trading-network", "d1")
    status(stubber, "d1", "DETECTION_FAILED", count=1, reason="Failed to detect drift on resource Vpc")
    (result,) = detector(client, FakeTime()).detect(["staging-trading-network"])
    assert result.status == "DETECTION_FAILED" and "Vpc" in result.reason
    assert next(m for m in metric_data("staging", [result]) if m["MetricName"] == "DetectionFailures")["Value"] == 1


def test_detection_still_running_is_bounded(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    fake = FakeTime()
    start(stubber, "dev-trading-api", "d1")
    for _ in range(3):  # t = 0, 5, 10: still running; at t = 10 the 10 s bound is reached
        status(stubber, "d1", "DETECTION_IN_PROGRESS")
    (result,) = detector(client, fake, max_wait=10).detect(["dev-trading-api"])
    assert result.status == "TIMED_OUT"
    assert fake.sleeps == [5, 5]


def test_polls_until_complete(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    fake = FakeTime()
    start(stubber, "dev-trading-api", "d1")
    status(stubber, "d1", "DETECTION_IN_PROGRESS")
    status(stubber, "d1", "DETECTION_COMPLETE", "DRIFTED", 1)
    (result,) = detector(client, fake).detect(["dev-trading-api"])
    assert result == StackDrift("dev-trading-api", "DRIFTED", 1)
    assert fake.sleeps == [5]


def test_throttling_is_retried(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn
    fake = FakeTime()
    stubber.add_client_error("detect_stack_drift", service_error_code="Throttling", http_status_code=400)
    stubber.add_client_error("detect_stack_drift", service_error_code="Throttling", http_status_code=400)
    start(stubber, "dev-trading-data", "d1")
    status(stubber, "d1", "DETECTION_COMPLETE")
    (result,) = detector(client, fake).detect(["dev-trading-data"])
    assert result.status == "IN_SYNC"
    assert fake.sleeps == [1, 2]  # exponential backoff


def test_throttling_gives_up_after_the_bound(cfn: tuple[object, Stubber]) -> None:
    from botocore.exceptions import ClientError

    client, stubber = cfn
    for _ in range(4):
        stubber.add_client_error("detect_stack_drift", service_error_code="Throttling", http_status_code=400)
    with pytest.raises(ClientError):
        detector(client, FakeTime()).detect(["dev-trading-data"])


def test_stacks_are_listed_across_pages(cfn: tuple[object, Stubber]) -> None:
    client, stubber = cfn

    def summary(name: str) -> dict[str, object]:
        return {"StackName": name, "CreationTime": "2026-11-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}

    stubber.add_response(
        "list_stacks",
        {"StackSummaries": [summary("prod-trading-api"), summary("other-app")], "NextToken": "page2"},
        {"StackStatusFilter": ACTIVE_STATUSES},
    )
    stubber.add_response(
        "list_stacks",
        {"StackSummaries": [summary("prod-trading-data"), summary("dev-trading-data")]},
        {"StackStatusFilter": ACTIVE_STATUSES, "NextToken": "page2"},
    )
    assert detector(client, FakeTime()).stacks("prod-trading-") == ["prod-trading-api", "prod-trading-data"]


def test_other_errors_are_not_retried(cfn: tuple[object, Stubber]) -> None:
    from botocore.exceptions import ClientError

    client, stubber = cfn
    fake = FakeTime()
    stubber.add_client_error("detect_stack_drift", service_error_code="ValidationError", http_status_code=400)
    with pytest.raises(ClientError):
        detector(client, fake).detect(["missing-stack"])
    assert fake.sleeps == []


def test_handler_checks_the_stack_of_a_cloudformation_event(monkeypatch: pytest.MonkeyPatch) -> None:
    from tradeinfra.runtime.drift_detector import handler

    cfn = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setattr(
        handler.boto3, "client", lambda service: {"cloudformation": cfn, "cloudwatch": cloudwatch}[service]
    )
    with Stubber(cfn) as cfn_stub, Stubber(cloudwatch) as cw_stub:
        start(cfn_stub, "prod-trading-data", "d1")
        status(cfn_stub, "d1", "DETECTION_COMPLETE", "DRIFTED", 3)
        cw_stub.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Trading/Drift",
                "MetricData": metric_data("prod", [StackDrift("prod-trading-data", "DRIFTED", 3)]),
            },
        )
        event = {
            "source": "aws.cloudformation",
            "detail": {"stack-id": "arn:aws:cloudformation:us-east-1:333333333333:stack/prod-trading-data/abc"},
        }
        summary = handler.lambda_handler(event, None)
        cfn_stub.assert_no_pending_responses()
        cw_stub.assert_no_pending_responses()
    assert summary == {"environment": "prod", "stacks": 1, "drifted": ["prod-trading-data"], "failed": []}
