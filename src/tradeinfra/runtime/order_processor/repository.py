"""Data access: the orders table, the orders queue, limits in SSM."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from .models import (
    EXPIRES_AT_ATTRIBUTE,
    VALIDATION_PREFIX,
    VALIDATION_STATUS,
    VALIDATION_TTL_SECONDS,
    Order,
    OrderLimits,
    StoredOrder,
)


class DynamoOrderStore:
    def __init__(self, table: Any) -> None:  # a boto3 DynamoDB Table resource
        self._table = table

    def put_if_absent(self, order: Order) -> StoredOrder | None:
        stored = StoredOrder(order, "PENDING_ENQUEUE", datetime.now(UTC).isoformat(timespec="milliseconds"))
        try:
            self._table.put_item(Item=_item(stored), ConditionExpression="attribute_not_exists(order_id)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return stored

    def put_validation(self, order: Order) -> StoredOrder:
        """A validation record: written like an order (PutItem on the table, with
        its key), marked VALIDATION, gone after VALIDATION_TTL_SECONDS."""
        if not order.order_id.startswith(VALIDATION_PREFIX):
            raise ValueError(f"validation records use ids starting {VALIDATION_PREFIX!r}")
        stored = StoredOrder(order, VALIDATION_STATUS, datetime.now(UTC).isoformat(timespec="milliseconds"))
        expires = int(time.time()) + VALIDATION_TTL_SECONDS
        self._table.put_item(Item={**_item(stored), EXPIRES_AT_ATTRIBUTE: expires})
        return stored

    def get(self, order_id: str) -> StoredOrder | None:
        item = self._table.get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")
        return _stored(item) if item else None

    def mark_accepted(self, order_id: str) -> StoredOrder:
        attributes = self._table.update_item(
            Key={"order_id": order_id},
            UpdateExpression="SET #s = :accepted",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":accepted": "ACCEPTED"},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _stored(attributes)


def _item(stored: StoredOrder) -> dict[str, Any]:
    order = stored.order
    return {
        "order_id": order.order_id,
        "symbol": order.symbol,
        "side": order.side,
        "quantity": order.quantity,
        "limit_price": order.limit_price,
        "status": stored.status,
        "created_at": stored.created_at,
        "placed_by": order.placed_by,
    }


def _stored(item: dict[str, Any]) -> StoredOrder:
    order = Order(
        order_id=str(item["order_id"]),
        symbol=str(item["symbol"]),
        side=str(item["side"]),
        quantity=int(item["quantity"]),
        limit_price=Decimal(str(item["limit_price"])),
        # Orders stored before owners were recorded belong to nobody: unreadable.
        placed_by=str(item.get("placed_by", "")),
    )
    return StoredOrder(order, str(item["status"]), str(item["created_at"]))


class SqsOrderQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, order: StoredOrder) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(order.to_json(), sort_keys=True),
            MessageAttributes={"order_id": {"DataType": "String", "StringValue": order.order.order_id}},
        )


class SsmLimitsSource:
    """Reads the environment's limits from SSM, cached for `ttl_seconds` so a
    changed limit takes effect within a minute without a redeploy."""

    NAMES = {"max-order-quantity", "max-order-notional", "trading-enabled"}

    def __init__(self, client: Any, path: str, ttl_seconds: int, clock: Any = time.monotonic) -> None:
        self._client = client
        self._path = path if path.endswith("/") else path + "/"
        self._ttl = ttl_seconds
        self._clock = clock
        self._cached: tuple[float, OrderLimits] | None = None

    def limits(self) -> OrderLimits:
        now = self._clock()
        if self._cached is None or now - self._cached[0] >= self._ttl:
            self._cached = (now, self._fetch())
        return self._cached[1]

    def _fetch(self) -> OrderLimits:
        values: dict[str, str] = {}
        paginator = self._client.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=self._path, Recursive=False):
            for parameter in page["Parameters"]:
                values[parameter["Name"].removeprefix(self._path)] = parameter["Value"]
        missing = sorted(self.NAMES - set(values))
        if missing:
            raise RuntimeError(f"SSM parameters missing under {self._path}: {', '.join(missing)}")
        return OrderLimits(
            max_order_quantity=int(values["max-order-quantity"]),
            max_order_notional=Decimal(values["max-order-notional"]),
            trading_enabled=values["trading-enabled"].lower() == "true",
        )
