"""API Gateway (REST, Lambda proxy) entry point: routing, parsing, HTTP
responses. Business rules live in `logic`, data access in `repository`."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

from .logic import (
    ConflictingOrderError,
    InvalidOrderError,
    TradingHaltedError,
    check_order,
    parse_order,
    place_order,
    read_order,
)
from .models import DIRECT_INVOCATION, VALIDATE_ONLY_HEADER, FunctionEnvironment
from .repository import DynamoOrderStore, SqsOrderQueue, SsmLimitsSource

logger = logging.getLogger("order_processor")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


class Dependencies:
    """Clients and settings, created once per execution environment (cold start)."""

    def __init__(self, environment: FunctionEnvironment) -> None:
        self.environment = environment
        self.store = DynamoOrderStore(boto3.resource("dynamodb").Table(environment.table_name))
        self.queue = SqsOrderQueue(boto3.client("sqs"), environment.queue_url)
        self.limits = SsmLimitsSource(
            boto3.client("ssm"), environment.runtime_parameter_path, environment.limits_ttl_seconds
        )


_dependencies: Dependencies | None = None


def dependencies() -> Dependencies:
    global _dependencies
    if _dependencies is None:
        _dependencies = Dependencies(FunctionEnvironment.from_environ())
    return _dependencies


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body, sort_keys=True),
    }


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    request_id = getattr(context, "aws_request_id", "local")
    method, resource = event.get("httpMethod"), event.get("resource")
    caller = caller_of(event)
    if caller is None:
        return response(403, {"error": "forbidden", "message": "the caller is not identified (IAM authorization)"})
    try:
        if method == "POST" and resource == "/orders":
            return _post_order(event, caller, deps)
        if method == "GET" and resource == "/orders/{id}":
            return _get_order(event, caller, deps)
        return response(404, {"error": "not_found", "message": f"no route for {method} {resource}"})
    except Exception:
        logger.exception("unhandled error", extra={"request_id": request_id})
        return response(500, {"error": "internal", "message": "internal error", "request_id": request_id})


def caller_of(event: dict[str, Any]) -> str | None:
    """The principal that sent the request: the IAM identity API Gateway
    authenticated (an assumed role's session name dropped, so every session
    of a role is one principal), or DIRECT_INVOCATION without a request
    context. None: a request context that names nobody."""
    context = event.get("requestContext")
    if context is None:
        return DIRECT_INVOCATION
    arn = ((context or {}).get("identity") or {}).get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    if ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[0]
    return arn


def _post_order(event: dict[str, Any], caller: str, deps: Dependencies) -> dict[str, Any]:
    try:
        payload = json.loads(event.get("body") or "")
    except json.JSONDecodeError as exc:
        return response(400, {"error": "invalid_json", "message": f"request body is not JSON: {exc.msg}"})
    limits = deps.limits.limits()
    validate_only = _validate_only(event)
    try:
        order = parse_order(payload, limits, placed_by=caller, validate_only=validate_only)
        if validate_only:
            checked = check_order(order, limits, deps.store)
            logger.info("validation %s passed (not queued)", order.order_id)
            return response(200, {**checked.to_json(), "validated": True, "queued": False})
        result = place_order(order, limits, deps.store, deps.queue)
    except InvalidOrderError as exc:
        return response(400, {"error": "invalid_order", "message": "the order is invalid", "fields": exc.errors})
    except ConflictingOrderError as exc:
        body = {"error": "conflict", "message": str(exc)}
        return response(409, body | ({"existing": exc.existing.to_json()} if exc.existing else {}))
    except TradingHaltedError as exc:
        return response(503, {"error": "trading_halted", "message": str(exc)})
    logger.info("order %s %s", result.order.order.order_id, "created" if result.created else "replayed")
    return response(201 if result.created else 200, result.order.to_json())


def _validate_only(event: dict[str, Any]) -> bool:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return headers.get(VALIDATE_ONLY_HEADER, "").lower() == "true"


def _get_order(event: dict[str, Any], caller: str, deps: Dependencies) -> dict[str, Any]:
    order_id = (event.get("pathParameters") or {}).get("id", "")
    stored = read_order(order_id, caller, deps.store)
    if stored is None:
        return response(404, {"error": "not_found", "message": f"no order {order_id!r}"})
    return response(200, stored.to_json())
