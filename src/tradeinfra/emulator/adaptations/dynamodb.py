"""DynamoDB on moto 5.2.5.

- A conditional write is checked and applied in two steps, so two writers
  served by two threads can both pass `attribute_not_exists`. DynamoDB
  applies each write atomically; the deployment ledger's version numbers
  and locks rely on it. Writes to one backend are serialized here.
- Under load the SDK sometimes sends a conditional `PutItem` again after the
  emulator applied it (seen as 200 then 400 for Terraform's state lock: the
  run then meets its own lock and fails, "state is locked"). A conditional
  put whose item is already there, attribute for attribute, is that same
  write: it succeeds again here. Two different writers never put identical
  items (a lock holds its holder's ID and time, a version its number and
  commit), so no real conflict passes."""

from __future__ import annotations

import functools
import importlib
import threading
from typing import Any

_WRITES = threading.Lock()


def apply() -> None:
    models: Any = importlib.import_module("moto.dynamodb.models")
    backend = models.DynamoDBBackend
    if not getattr(backend.put_item, "_serialized", False):
        backend.put_item = _repeated_put_succeeds(backend.put_item)
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


def _repeated_put_succeeds(original: Any) -> Any:
    exceptions: Any = importlib.import_module("moto.dynamodb.exceptions")
    types: Any = importlib.import_module("moto.dynamodb.models.dynamo_type")

    @functools.wraps(original)
    def put_item(self: Any, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, table_name, item_attrs, *args, **kwargs)
        except exceptions.ConditionalCheckFailed:
            table = self.get_table(table_name)
            hash_value = types.DynamoType(item_attrs[table.hash_key_attr])
            range_value = types.DynamoType(item_attrs[table.range_key_attr]) if table.range_key_attr else None
            current = table.get_item(hash_value, range_value)
            if current is not None and current.to_json()["Attributes"] == item_attrs:
                return current
            raise

    return put_item
