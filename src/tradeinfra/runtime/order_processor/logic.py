"""Business rules: validate an order request, place it idempotently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from .models import DIRECT_INVOCATION, VALIDATION_PREFIX, Order, OrderLimits, StoredOrder

SYMBOL = re.compile(r"^[A-Z]{1,8}(\.[A-Z]{1,2})?$")
CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SIDES = ("BUY", "SELL")
FIELDS = ("client_order_id", "symbol", "side", "quantity", "limit_price")
MAX_PRICE_DECIMALS = 4


class InvalidOrderError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TradingHaltedError(Exception):
    """The environment's kill switch is off."""


class ConflictingOrderError(Exception):
    """The client order id is taken by an order with different terms, or by
    another principal's order (whose terms are then not disclosed)."""

    def __init__(self, existing: StoredOrder, *, disclose: bool = True) -> None:
        super().__init__(f"client_order_id {existing.order.order_id} already used for a different order")
        self.existing = existing if disclose else None


class OrderStore(Protocol):
    def put_if_absent(self, order: Order) -> StoredOrder | None: ...
    def put_validation(self, order: Order) -> StoredOrder: ...
    def get(self, order_id: str) -> StoredOrder | None: ...
    def mark_accepted(self, order_id: str) -> StoredOrder: ...


class OrderQueue(Protocol):
    def send(self, order: StoredOrder) -> None: ...


@dataclass(frozen=True)
class PlacementResult:
    order: StoredOrder
    created: bool  # False: an identical earlier submission (idempotent replay)


def parse_order(
    payload: Any, limits: OrderLimits, *, placed_by: str = DIRECT_INVOCATION, validate_only: bool = False
) -> Order:
    """Validate a request body against the format rules and the environment's
    limits. Ids starting `validation-` are reserved for validate-only requests,
    and validate-only requests must use them."""
    if not isinstance(payload, dict):
        raise InvalidOrderError({"body": "expected a JSON object"})
    errors: dict[str, str] = {}
    for unknown in sorted(set(payload) - set(FIELDS)):
        errors[unknown] = "unknown field"
    for name in FIELDS:
        if name not in payload:
            errors[name] = "required"

    client_order_id = payload.get("client_order_id")
    if "client_order_id" not in errors and not (
        isinstance(client_order_id, str) and CLIENT_ORDER_ID.match(client_order_id)
    ):
        errors["client_order_id"] = "expected 8-64 letters, digits, _ or -"
    elif isinstance(client_order_id, str) and client_order_id.startswith(VALIDATION_PREFIX) != validate_only:
        errors["client_order_id"] = (
            f"validate-only requests use ids starting {VALIDATION_PREFIX!r}"
            if validate_only
            else f"ids starting {VALIDATION_PREFIX!r} are reserved for post-deployment validation"
        )
    symbol = payload.get("symbol")
    if "symbol" not in errors and not (isinstance(symbol, str) and SYMBOL.match(symbol)):
        errors["symbol"] = "expected an upper-case ticker such as AAPL or BRK.B"
    side = payload.get("side")
    if "side" not in errors and side not in SIDES:
        errors["side"] = "expected BUY or SELL"
    quantity = payload.get("quantity")
    if "quantity" not in errors:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors["quantity"] = "expected a whole number of at least 1"
        elif quantity > limits.max_order_quantity:
            errors["quantity"] = f"exceeds this environment's limit of {limits.max_order_quantity}"
    price = _decimal(payload.get("limit_price")) if "limit_price" not in errors else None
    if "limit_price" not in errors and (price is None or price <= 0 or _decimals(price) > MAX_PRICE_DECIMALS):
        errors["limit_price"] = f'expected a positive price with at most {MAX_PRICE_DECIMALS} decimals, e.g. "187.25"'
    if errors:
        raise InvalidOrderError(errors)

    assert isinstance(client_order_id, str) and isinstance(symbol, str) and isinstance(side, str)
    assert isinstance(quantity, int) and price is not None
    order = Order(
        order_id=client_order_id, symbol=symbol, side=side, quantity=quantity, limit_price=price, placed_by=placed_by
    )
    if order.notional > limits.max_order_notional:
        raise InvalidOrderError(
            {
                "limit_price": f"notional {order.notional} exceeds this environment's limit of {limits.max_order_notional}"
            }
        )
    return order


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def place_order(order: Order, limits: OrderLimits, store: OrderStore, queue: OrderQueue) -> PlacementResult:
    """Store the order once per client order id and put it on the queue.

    A resubmission with the same terms is a replay: it returns the stored
    order (and finishes an enqueue that an earlier attempt did not). Different
    terms under the same id are a conflict.
    """
    if not limits.trading_enabled:
        raise TradingHaltedError("trading is disabled in this environment")
    stored = store.put_if_absent(order)
    created = stored is not None
    if stored is None:
        existing = store.get(order.order_id)
        if existing is None:
            raise RuntimeError(f"order {order.order_id} was deleted while being placed")
        if existing.order.placed_by != order.placed_by:
            raise ConflictingOrderError(existing, disclose=False)
        if not existing.order.same_terms(order):
            raise ConflictingOrderError(existing)
        stored = existing
    if stored.status != "ACCEPTED":
        queue.send(stored)
        stored = store.mark_accepted(order.order_id)
    return PlacementResult(stored, created)


def read_order(order_id: str, caller: str, store: OrderStore) -> StoredOrder | None:
    """The order, when `caller` placed it; anyone else is told it does not
    exist (no answer tells one client another's order ids)."""
    stored = store.get(order_id) if order_id else None
    if stored is None or stored.order.placed_by != caller:
        return None
    return stored


def check_order(order: Order, limits: OrderLimits, store: OrderStore) -> StoredOrder:
    """A validate-only request: every rule of `place_order` and the same table
    writes and reads, on a reserved, self-expiring record; never queued."""
    if not limits.trading_enabled:
        raise TradingHaltedError("trading is disabled in this environment")
    store.put_validation(order)
    stored = store.get(order.order_id)
    if stored is None:
        raise RuntimeError(f"validation record {order.order_id} was not readable after writing it")
    return stored
