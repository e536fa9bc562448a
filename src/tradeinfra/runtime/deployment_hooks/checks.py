"""What a new order-processor version must pass.

Before traffic (synthetic requests through the new version): an order that
must be refused and a read of an order that does not exist. Together they
exercise routing, the runtime limits from SSM, validation and the table read
path, and write nothing: a synthetic order must never reach the order queue
of a live environment.

After traffic (configuration conformance): the alias serves the new version
with all traffic, and the function's live settings are the configured ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SYNTHETIC_SYMBOL = "SYNTHETIC-CHECK"  # fails the symbol pattern on purpose


def synthetic_requests(deployment_id: str) -> list[tuple[str, dict[str, Any], int, str]]:
    """(name, API Gateway proxy event, expected status, expected error code)."""
    order = {
        "client_order_id": f"synthetic-{deployment_id}"[:64],
        "symbol": SYNTHETIC_SYMBOL,
        "side": "BUY",
        "quantity": 1,
        "limit_price": "1.00",
    }
    return [
        (
            "refuses an invalid order",
            {"httpMethod": "POST", "resource": "/orders", "body": json.dumps(order)},
            400,
            "invalid_order",
        ),
        (
            "reads an order that does not exist",
            {
                "httpMethod": "GET",
                "resource": "/orders/{id}",
                "pathParameters": {"id": f"synthetic-{deployment_id}"},
            },
            404,
            "not_found",
        ),
    ]


def run_synthetic_checks(lambda_client: Any, version_arn: str, deployment_id: str) -> list[str]:
    """Invoke `version_arn` directly; return one message per failed check."""
    failures: list[str] = []
    for name, event, status, error in synthetic_requests(deployment_id):
        result = lambda_client.invoke(FunctionName=version_arn, Payload=json.dumps(event).encode())
        payload = result["Payload"].read()
        if result.get("FunctionError"):
            failures.append(f"{name}: the function failed ({result['FunctionError']}): {payload[:300]!r}")
            continue
        try:
            response = json.loads(payload)
            body = json.loads(response.get("body") or "{}")
        except (json.JSONDecodeError, AttributeError):
            failures.append(f"{name}: not an API Gateway proxy response: {payload[:300]!r}")
            continue
        got = (response.get("statusCode"), body.get("error"))
        if got != (status, error):
            failures.append(f"{name}: expected {status} {error}, got {got[0]} {got[1]}")
    return failures


def check_conformance(
    lambda_client: Any, function_name: str, alias: str, version_arn: str, expected: Mapping[str, Any]
) -> list[str]:
    """Compare the live function behind `alias` with `expected`; one message per difference."""
    failures: list[str] = []
    version = version_arn.rsplit(":", 1)[1]
    live_alias = lambda_client.get_alias(FunctionName=function_name, Name=alias)
    if live_alias["FunctionVersion"] != version:
        failures.append(f"alias {alias} serves version {live_alias['FunctionVersion']}, expected {version}")
    weights = (live_alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if weights:
        failures.append(f"alias {alias} still splits traffic: {weights}")
    config = lambda_client.get_function_configuration(FunctionName=function_name, Qualifier=alias)
    for key in ("MemorySize", "Timeout", "Runtime", "Architectures"):
        if key in expected and config.get(key) != expected[key]:
            failures.append(f"{key} is {config.get(key)!r}, expected {expected[key]!r}")
    variables = (config.get("Environment") or {}).get("Variables") or {}
    for key, value in (expected.get("Environment") or {}).items():
        if variables.get(key) != value:
            failures.append(f"environment variable {key} is {variables.get(key)!r}, expected {value!r}")
    if "ReservedConcurrentExecutions" in expected:
        reserved = lambda_client.get_function_concurrency(FunctionName=function_name).get(
            "ReservedConcurrentExecutions"
        )
        if reserved != expected["ReservedConcurrentExecutions"]:
            failures.append(f"reserved concurrency is {reserved}, expected {expected['ReservedConcurrentExecutions']}")
    return failures
