"""Orders, limits and the function's environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

# The principal of a direct Lambda invocation (the release hooks, local
# validation): no API Gateway request context. Only principals allowed
# lambda:InvokeFunction can invoke directly; API Gateway always names the caller.
DIRECT_INVOCATION = "direct-invocation"


@dataclass(frozen=True)
class Order:
    """A validated limit order. `order_id` is the client's order id, which
    makes a resubmission of the same order idempotent; `placed_by` is the
    principal that placed it, the only one that may read it."""

    order_id: str
    symbol: str
    side: str
    quantity: int
    limit_price: Decimal
    placed_by: str = DIRECT_INVOCATION

    @property
    def notional(self) -> Decimal:
        return self.limit_price * self.quantity

    def same_terms(self, other: Order) -> bool:
        return (self.symbol, self.side, self.quantity, self.limit_price) == (
            other.symbol,
            other.side,
            other.quantity,
            other.limit_price,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["limit_price"] = str(self.limit_price)
        del data["placed_by"]  # a caller sees only its own orders: no need to echo who it is
        return data


# Post-deployment validation sends validate-only requests: the same checks and
# the same table permissions as an order, on a reserved id, with a record
# that expires by itself and never reaches the queue.
VALIDATION_PREFIX = "validation-"
VALIDATION_STATUS = "VALIDATION"
VALIDATION_TTL_SECONDS = 900
EXPIRES_AT_ATTRIBUTE = "expires_at"
VALIDATE_ONLY_HEADER = "x-trading-validate-only"


@dataclass(frozen=True)
class StoredOrder:
    order: Order
    status: str  # PENDING_ENQUEUE until the message is on the queue, then ACCEPTED
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {**self.order.to_json(), "status": self.status, "created_at": self.created_at}


@dataclass(frozen=True)
class OrderLimits:
    """Risk limits published per environment in SSM Parameter Store."""

    max_order_quantity: int
    max_order_notional: Decimal
    trading_enabled: bool


@dataclass(frozen=True)
class FunctionEnvironment:
    """The function's configuration, read once from its environment variables."""

    table_name: str
    queue_url: str
    runtime_parameter_path: str  # e.g. /trading/prod/runtime/
    environment_name: str
    limits_ttl_seconds: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> FunctionEnvironment:
        source = os.environ if environ is None else environ
        missing = [
            name for name in ("ORDERS_TABLE", "ORDERS_QUEUE_URL", "RUNTIME_PARAMETER_PATH") if not source.get(name)
        ]
        if missing:
            raise RuntimeError(f"order processor misconfigured: missing environment variables {', '.join(missing)}")
        return cls(
            table_name=source["ORDERS_TABLE"],
            queue_url=source["ORDERS_QUEUE_URL"],
            runtime_parameter_path=source["RUNTIME_PARAMETER_PATH"],
            environment_name=source.get("ENVIRONMENT", "unknown"),
            limits_ttl_seconds=int(source.get("LIMITS_TTL_SECONDS", "60")),
        )
