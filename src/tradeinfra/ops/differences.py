"""Where two JSON values differ, path by path, and how a value is shown:
what drift (the live state against the recorded one) and plan (the
deployed against the synthesized) both report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# Attributes that change on their own; a difference there is not drift.
VOLATILE_ATTRIBUTES = {
    "aws_db_instance": {"latest_restorable_time", "status"},
    "aws_autoscaling_group": {"desired_capacity_type"},
    "aws_lb": {"dns_name"},
}


def differences(before: Any, after: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted path, before, after) of each leaf that differs; lists of another
    length differ as a whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from differences(old, new, f"{path}[{index}]")
    elif before != after and not (empty(before) and empty(after)):
        yield path, before, after


def empty(value: Any) -> bool:
    """null, "", [] and {}: the provider writes an unset attribute either way."""
    return value is None or value in ("", [], {})


def show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)
