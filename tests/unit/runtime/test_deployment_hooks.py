"""The CodeDeploy hooks of the order processor: synthetic checks through the
real handler (moto-backed, in-process), conformance against stubbed Lambda
APIs, and the report to CodeDeploy in every case."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.conftest import stubbed
from tradeinfra.runtime.deployment_hooks import handler as hooks
from tradeinfra.runtime.deployment_hooks.checks import check_conformance, run_synthetic_checks
from tradeinfra.runtime.order_processor import handler as order_processor

VERSION_ARN = "arn:aws:lambda:us-east-1:111111111111:function:dev-trading-order-processor:7"
EXPECTED = {
    "MemorySize": 512,
    "Timeout": 30,
    "Runtime": "python3.14",
    "Architectures": ["arm64"],
    "Environment": {"ENVIRONMENT": "dev", "LOG_LEVEL": "INFO"},
    "ReservedConcurrentExecutions": 10,
}


class InProcessLambda:
    """`invoke` runs a handler in this process, as Lambda would run the version."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> None:
        self.handler = handler
        self.invoked: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self.invoked.append(FunctionName)
        try:
            result: Any = self.handler(json.loads(Payload), None)
        except Exception as exc:  # what Lambda reports as an unhandled function error
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(str(exc).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def test_synthetic_checks_pass_on_a_healthy_version_and_write_nothing(aws: dict[str, Any]) -> None:
    fake = InProcessLambda(order_processor.lambda_handler)
    assert run_synthetic_checks(fake, VERSION_ARN, "d-ABC123") == []
    assert fake.invoked == [VERSION_ARN, VERSION_ARN]  # the new version, not the alias
    assert aws["table"].scan()["Items"] == []
    assert "Messages" not in aws["sqs"].receive_message(QueueUrl=aws["queue_url"])


def test_synthetic_checks_fail_when_the_version_cannot_read_its_table(aws: dict[str, Any]) -> None:
    aws["table"].delete()
    failures = run_synthetic_checks(InProcessLambda(order_processor.lambda_handler), VERSION_ARN, "d-ABC123")
    assert failures == ["reads an order that does not exist: expected 404 not_found, got 500 internal"]


def test_synthetic_checks_fail_when_the_version_crashes() -> None:
    def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise ImportError("No module named 'order_processor.logic'")

    failures = run_synthetic_checks(InProcessLambda(crash), VERSION_ARN, "d-ABC123")
    assert len(failures) == 2 and all("the function failed (Unhandled)" in f for f in failures)


def test_synthetic_checks_fail_on_a_response_that_is_not_a_proxy_response() -> None:
    failures = run_synthetic_checks(InProcessLambda(lambda e, c: "ok"), VERSION_ARN, "d-1")  # type: ignore[arg-type,return-value]
    assert len(failures) == 2 and all("not an API Gateway proxy response" in f for f in failures)


@pytest.fixture
def lambda_stub() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("lambda") as client_and_stubber:
        yield client_and_stubber


def stub_live(
    stubber: Stubber,
    *,
    version: str = "7",
    weights: dict[str, float] | None = None,
    memory: int = 512,
    reserved: int = 10,
) -> None:
    alias: dict[str, Any] = {"Name": "live", "FunctionVersion": version}
    if weights:
        alias["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    stubber.add_response("get_alias", alias, {"FunctionName": "dev-trading-order-processor", "Name": "live"})
    stubber.add_response(
        "get_function_configuration",
        {
            "MemorySize": memory,
            "Timeout": 30,
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Environment": {"Variables": {"ENVIRONMENT": "dev", "LOG_LEVEL": "INFO", "ORDERS_TABLE": "t"}},
        },
        {"FunctionName": "dev-trading-order-processor", "Qualifier": "live"},
    )
    stubber.add_response(
        "get_function_concurrency",
        {"ReservedConcurrentExecutions": reserved},
        {"FunctionName": "dev-trading-order-processor"},
    )


def conformance(client: Any) -> list[str]:
    return check_conformance(client, "dev-trading-order-processor", "live", VERSION_ARN, EXPECTED)


def test_conformance_passes_when_live_settings_match(lambda_stub: tuple[Any, Stubber]) -> None:
    client, stubber = lambda_stub
    stub_live(stubber)
    assert conformance(client) == []


def test_conformance_names_each_setting_that_differs(lambda_stub: tuple[Any, Stubber]) -> None:
    client, stubber = lambda_stub
    stub_live(stubber, memory=1024, reserved=5)
    assert conformance(client) == ["MemorySize is 1024, expected 512", "reserved concurrency is 5, expected 10"]


def test_conformance_fails_while_the_alias_is_not_fully_on_the_new_version(lambda_stub: tuple[Any, Stubber]) -> None:
    client, stubber = lambda_stub
    stub_live(stubber, version="6", weights={"7": 0.1})
    assert conformance(client) == [
        "alias live serves version 6, expected 7",
        "alias live still splits traffic: {'7': 0.1}",
    ]


@pytest.fixture
def codedeploy() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("codedeploy") as client_and_stubber:
        yield client_and_stubber


EVENT = {"DeploymentId": "d-ABC123", "LifecycleEventHookExecutionId": "hook-execution-1"}


def expect_report(stubber: Stubber, status: str) -> None:
    stubber.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": "hook-execution-1"},
        {"deploymentId": "d-ABC123", "lifecycleEventHookExecutionId": "hook-execution-1", "status": status},
    )


@pytest.mark.parametrize(("failures", "status"), [([], "Succeeded"), (["MemorySize is 1024"], "Failed")])
def test_hook_reports_the_outcome(codedeploy: tuple[Any, Stubber], failures: list[str], status: str) -> None:
    client, stubber = codedeploy
    expect_report(stubber, status)
    assert hooks._run_hook(EVENT, "check", lambda: failures, client)["status"] == status


def test_hook_reports_failed_when_the_check_itself_errors(codedeploy: tuple[Any, Stubber]) -> None:
    client, stubber = codedeploy
    expect_report(stubber, "Failed")

    def denied() -> list[str]:
        raise PermissionError("AccessDenied: lambda:GetAlias")

    result = hooks._run_hook(EVENT, "post-traffic conformance check", denied, client)
    assert result == {
        "status": "Failed",
        "failures": "post-traffic conformance check could not run: PermissionError: AccessDenied: lambda:GetAlias",
    }


def test_post_traffic_entry_point_reads_its_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, codedeploy: tuple[Any, Stubber], lambda_stub: tuple[Any, Stubber]
) -> None:
    (lambda_client, lambda_stubber), (deploy_client, deploy_stubber) = lambda_stub, codedeploy
    stub_live(lambda_stubber)
    expect_report(deploy_stubber, "Succeeded")
    for name, value in {
        "EXPECTED_MEMORY_SIZE": "512",
        "EXPECTED_TIMEOUT": "30",
        "EXPECTED_RUNTIME": "python3.14",
        "EXPECTED_ARCHITECTURE": "arm64",
        "EXPECTED_RESERVED_CONCURRENCY": "10",
        "EXPECTED_ENVIRONMENT": "dev",
        "EXPECTED_LOG_LEVEL": "INFO",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FUNCTION_NAME", "dev-trading-order-processor")
    monkeypatch.setenv("ALIAS_NAME", "live")
    monkeypatch.setenv("TARGET_VERSION_ARN", VERSION_ARN)
    clients = {"lambda": lambda_client, "codedeploy": deploy_client}
    monkeypatch.setattr(hooks.boto3, "client", lambda name: clients[name])
    assert hooks.post_traffic(EVENT, None) == {"status": "Succeeded", "failures": ""}
