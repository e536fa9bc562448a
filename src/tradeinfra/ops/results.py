"""The latest result of each check per target and environment, kept under
`<state dir>/results/<target>/<env>/<check>.json` for the HTML report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeinfra.files import write_text_atomically

CHECKS = ("validation", "drift")


def save_result(state_dir: Path, target: str, environment: str, check: str, result: dict[str, Any]) -> None:
    directory = state_dir / "results" / target / environment
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomically(directory / f"{check}.json", json.dumps(result, indent=2) + "\n")


def load_result(state_dir: Path, target: str, environment: str, check: str) -> dict[str, Any] | None:
    path = state_dir / "results" / target / environment / f"{check}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None
