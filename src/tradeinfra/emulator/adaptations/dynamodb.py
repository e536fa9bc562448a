"""DynamoDB on moto 5.2.5: a conditional write is checked and applied in
two steps, so two writers served by two threads can both pass
`attribute_not_exists`. DynamoDB applies each write atomically; the
deployment ledger's version numbers and locks rely on it. Writes to one
backend are serialized here."""

from __future__ import annotations

import functools
import importlib
import threading
from typing import Any

_WRITES = threading.Lock()


def apply() -> None:
    models: Any = importlib.import_module("moto.dynamodb.models")
    backend = models.DynamoDBBackend
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(backend, name)
        if getattr(original, "_serialized", False):
            continue

        @functools.wraps(original)
        def serialized(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _WRITES:
                return _original(self, *args, **kwargs)

        serialized._serialized = True  # type: ignore[attr-defined]
        setattr(backend, name, serialized)
