"""Reading the JSON files other tools wrote, with errors a user can act on."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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


def write_text_atomically(target: Path, content: str) -> None:
    """Write `target` via a temporary sibling and a rename: readers never see half a file."""
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(target)


@contextmanager
def replaced_directory(target: Path) -> Iterator[Path]:
    """A scratch directory beside `target` that replaces it when the block
    succeeds; on failure `target` is untouched and the scratch is removed."""
    scratch = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        yield scratch
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
