"""The order-processor handler against moto's DynamoDB, SQS and SSM (no network)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.runtime.conftest import PATH
from tradeinfra.runtime.order_processor import handler
from tradeinfra.runtime.order_processor.models import FunctionEnvironment, OrderLimits
from tradeinfra.runtime.order_processor.repository import SsmLimitsSource

ORDER = {"client_order_id": "ord-0001-abcd", "symbol": "AAPL", "side": "BUY", "quantity": 10, "limit_price": "187.25"}


def post(body: Any) -> dict[str, Any]:
    raw = body if isinstance(body, str) else json.dumps(body)
    return handler.lambda_handler({"httpMethod": "POST", "resource": "/orders", "body": raw}, None)


def get(order_id: str) -> dict[str, Any]:
    event = {"httpMethod": "GET", "resource": "/orders/{id}", "pathParameters": {"id": order_id}}
    return handler.lambda_handler(event, None)


def messages(aws: dict[str, Any]) -> list[dict[str, Any]]:
    received = aws["sqs"].receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in received.get("Messages", [])]


def test_valid_order_is_stored_queued_and_created(aws: dict[str, Any]) -> None:
    result = post(ORDER)
    assert result["statusCode"] == 201
    body = json.loads(result["body"])
    assert body["order_id"] == "ord-0001-abcd" and body["status"] == "ACCEPTED"
    item = aws["table"].get_item(Key={"order_id": "ord-0001-abcd"})["Item"]
    assert item["symbol"] == "AAPL" and item["quantity"] == 10 and item["limit_price"] == Decimal("187.25")
    (message,) = messages(aws)
    assert message["order_id"] == "ord-0001-abcd" and message["limit_price"] == "187.25"


def test_same_order_again_is_an_idempotent_replay(aws: dict[str, Any]) -> None:
    assert post(ORDER)["statusCode"] == 201
    replay = post(ORDER)
    assert replay["statusCode"] == 200
    assert json.loads(replay["body"])["status"] == "ACCEPTED"
    assert len(messages(aws)) == 1  # queued once


def test_same_id_with_different_terms_is_a_conflict(aws: dict[str, Any]) -> None:
    assert post(ORDER)["statusCode"] == 201
    conflict = post({**ORDER, "quantity": 11})
    assert conflict["statusCode"] == 409
    body = json.loads(conflict["body"])
    assert body["error"] == "conflict" and body["existing"]["quantity"] == 10


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"symbol": "aapl"}, "symbol"),
        ({"side": "HOLD"}, "side"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"limit_price": "-1"}, "limit_price"),
        ({"limit_price": "1.23456"}, "limit_price"),
        ({"limit_price": "NaN"}, "limit_price"),
        ({"client_order_id": "short"}, "client_order_id"),
        ({"venue": "XNYS"}, "venue"),
    ],
)
def test_invalid_fields_are_named(aws: dict[str, Any], change: dict[str, Any], field: str) -> None:
    result = post({**ORDER, **change})
    assert result["statusCode"] == 400
    assert field in json.loads(result["body"])["fields"]
    assert aws["table"].scan()["Count"] == 0


def test_missing_fields_are_each_reported(aws: dict[str, Any]) -> None:
    body = json.loads(post({"symbol": "AAPL"})["body"])
    assert set(body["fields"]) == {"client_order_id", "side", "quantity", "limit_price"}


def test_limits_come_from_ssm(aws: dict[str, Any]) -> None:
    too_many = post({**ORDER, "quantity": 1001})
    assert too_many["statusCode"] == 400
    assert "limit of 1000" in json.loads(too_many["body"])["fields"]["quantity"]
    too_big = post({**ORDER, "quantity": 1000, "limit_price": "100.01"})
    assert too_big["statusCode"] == 400 and "notional" in json.loads(too_big["body"])["fields"]["limit_price"]


def test_kill_switch_rejects_orders(aws: dict[str, Any]) -> None:
    aws["ssm"].put_parameter(Name=PATH + "trading-enabled", Value="false", Type="String", Overwrite=True)
    result = post(ORDER)
    assert result["statusCode"] == 503
    assert aws["table"].scan()["Count"] == 0


def test_bad_json(aws: dict[str, Any]) -> None:
    result = post("{not json")
    assert result["statusCode"] == 400 and json.loads(result["body"])["error"] == "invalid_json"
    assert post("[1, 2]")["statusCode"] == 400


def test_get_returns_the_stored_order(aws: dict[str, Any]) -> None:
    post(ORDER)
    result = get("ord-0001-abcd")
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["symbol"] == "AAPL"
    assert get("ord-9999-none")["statusCode"] == 404


def test_unknown_route(aws: dict[str, Any]) -> None:
    assert handler.lambda_handler({"httpMethod": "DELETE", "resource": "/orders"}, None)["statusCode"] == 404


def test_failed_enqueue_is_finished_by_the_retry(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    deps = handler.dependencies()
    original = deps.queue.send

    def broken(order: Any) -> None:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(deps.queue, "send", broken)
    failed = post(ORDER)
    assert failed["statusCode"] == 500 and "request_id" in json.loads(failed["body"])
    stored = aws["table"].get_item(Key={"order_id": "ord-0001-abcd"})["Item"]
    assert stored["status"] == "PENDING_ENQUEUE"
    monkeypatch.setattr(deps.queue, "send", original)
    retry = post(ORDER)
    assert retry["statusCode"] == 200 and json.loads(retry["body"])["status"] == "ACCEPTED"
    assert len(messages(aws)) == 1


def test_limits_are_cached_for_the_ttl() -> None:
    class FakeSsm:
        calls = 0

        def get_paginator(self, _: str) -> Any:
            outer = self

            class Pages:
                def paginate(self, **_: Any) -> list[dict[str, Any]]:
                    outer.calls += 1
                    values = {"max-order-quantity": "5", "max-order-notional": "50", "trading-enabled": "TRUE"}
                    return [{"Parameters": [{"Name": PATH + k, "Value": v} for k, v in values.items()]}]

            return Pages()

    now = [0.0]
    ssm = FakeSsm()
    source = SsmLimitsSource(ssm, PATH, ttl_seconds=60, clock=lambda: now[0])
    assert source.limits() == OrderLimits(5, Decimal(50), True)
    now[0] = 59
    source.limits()
    assert ssm.calls == 1
    now[0] = 61
    source.limits()
    assert ssm.calls == 2


def test_missing_environment_variables_are_named() -> None:
    with pytest.raises(RuntimeError, match="ORDERS_QUEUE_URL, RUNTIME_PARAMETER_PATH"):
        FunctionEnvironment.from_environ({"ORDERS_TABLE": "t"})


VALIDATION = {**ORDER, "client_order_id": "validation-0001-abcd"}


def validate_only(body: Any, header: str = "true") -> dict[str, Any]:
    event = {"httpMethod": "POST", "resource": "/orders", "body": json.dumps(body)}
    return handler.lambda_handler({**event, "headers": {"X-Trading-Validate-Only": header}}, None)


def test_a_validate_only_request_writes_a_self_expiring_record_and_queues_nothing(aws: dict[str, Any]) -> None:
    result = validate_only(VALIDATION)
    assert result["statusCode"] == 200
    body = json.loads(result["body"])
    assert body["validated"] is True and body["queued"] is False and body["status"] == "VALIDATION"
    assert messages(aws) == []  # nothing reaches the queue
    item = aws["table"].get_item(Key={"order_id": "validation-0001-abcd"})["Item"]
    assert item["status"] == "VALIDATION"
    assert 0 < int(item["expires_at"]) - time.time() <= 900  # gone within 15 minutes (table TTL)
    read = get("validation-0001-abcd")
    assert read["statusCode"] == 200 and json.loads(read["body"])["status"] == "VALIDATION"


def test_a_validate_only_request_obeys_every_order_rule(aws: dict[str, Any]) -> None:
    assert validate_only({**VALIDATION, "quantity": 10**9})["statusCode"] == 400  # limits
    assert json.loads(validate_only(ORDER)["body"])["fields"]["client_order_id"].startswith(
        "validate-only requests use"
    )
    aws["ssm"].put_parameter(Name=PATH + "trading-enabled", Value="false", Type="String", Overwrite=True)
    assert validate_only(VALIDATION)["statusCode"] == 503  # the kill switch: a halted release fails validation
    assert aws["table"].scan()["Count"] == 0


def test_reserved_ids_are_refused_for_real_orders(aws: dict[str, Any]) -> None:
    result = post(VALIDATION)
    assert result["statusCode"] == 400
    assert "reserved for post-deployment validation" in json.loads(result["body"])["fields"]["client_order_id"]
    assert validate_only(VALIDATION, header="false")["statusCode"] == 400  # only "true" asks for validation
    assert messages(aws) == [] and aws["table"].scan()["Count"] == 0


TRADER = "arn:aws:sts::111111111111:assumed-role/dev-trading-desk"
OTHER = "arn:aws:iam::111111111111:user/another-desk"


def as_caller(user_arn: str, event: dict[str, Any]) -> dict[str, Any]:
    """The event API Gateway sends after IAM (SigV4) authorization."""
    return handler.lambda_handler({**event, "requestContext": {"identity": {"userArn": user_arn}}}, None)


def post_as(user_arn: str, body: dict[str, Any]) -> dict[str, Any]:
    return as_caller(user_arn, {"httpMethod": "POST", "resource": "/orders", "body": json.dumps(body)})


def get_as(user_arn: str, order_id: str) -> dict[str, Any]:
    return as_caller(user_arn, {"httpMethod": "GET", "resource": "/orders/{id}", "pathParameters": {"id": order_id}})


def test_an_order_is_readable_only_by_the_principal_that_placed_it(aws: dict[str, Any]) -> None:
    assert post_as(f"{TRADER}/session-1", ORDER)["statusCode"] == 201
    own = get_as(f"{TRADER}/session-2", ORDER["client_order_id"])  # another session of the same role
    assert own["statusCode"] == 200 and json.loads(own["body"])["quantity"] == 10
    missing = get_as(OTHER, "ord-9999-none")
    for stranger in (get_as(OTHER, ORDER["client_order_id"]), get(ORDER["client_order_id"])):
        assert stranger["statusCode"] == 404  # not 403: nobody learns another's order ids
        assert json.loads(stranger["body"])["error"] == json.loads(missing["body"])["error"] == "not_found"
        assert "AAPL" not in stranger["body"]
    item = aws["table"].get_item(Key={"order_id": ORDER["client_order_id"]})["Item"]
    assert item["placed_by"] == TRADER


def test_another_principal_reusing_an_order_id_learns_nothing_of_the_order(aws: dict[str, Any]) -> None:
    assert post_as(TRADER + "/s", ORDER)["statusCode"] == 201
    taken = post_as(OTHER, ORDER)  # same terms, different principal: not a replay
    assert taken["statusCode"] == 409
    body = json.loads(taken["body"])
    assert body["error"] == "conflict" and "existing" not in body
    assert len(messages(aws)) == 1


def test_a_request_context_that_names_nobody_is_refused(aws: dict[str, Any]) -> None:
    event = {"httpMethod": "GET", "resource": "/orders/{id}", "pathParameters": {"id": ORDER["client_order_id"]}}
    refused = handler.lambda_handler({**event, "requestContext": {"identity": {"userArn": None}}}, None)
    assert refused["statusCode"] == 403


def test_orders_stored_before_owners_were_recorded_are_readable_by_nobody(aws: dict[str, Any]) -> None:
    assert post(ORDER)["statusCode"] == 201
    aws["table"].update_item(Key={"order_id": ORDER["client_order_id"]}, UpdateExpression="REMOVE placed_by")
    assert get(ORDER["client_order_id"])["statusCode"] == 404
    assert get_as(TRADER, ORDER["client_order_id"])["statusCode"] == 404
