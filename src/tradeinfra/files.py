"""Reading the JSON files other tools wrote, with errors a user can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeinfra.errors import TradeinfraError


def read_json_object(path: Path, kind: str, hint: str) -> dict[str, Any]:
    """The JSON object in `path`; a missing, unreadable or non-object file is
    a TradeinfraError naming the file, what it should be (`kind`) and what to do (`hint`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TradeinfraError(f"{path}: not found: {hint}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise TradeinfraError(f"{path}: unreadable {kind} ({exc})") from None
    if not isinstance(data, dict):
        raise TradeinfraError(f"{path}: expected a JSON object ({kind})")
    return data
