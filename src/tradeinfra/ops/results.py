"""The latest result of each check per target and environment, kept under
`<state dir>/results/<target>/<env>/<check>.json` for the HTML report.
Read back through one schema per check: a truncated or edited file is an
error naming the file, never a crash in the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tradeinfra.errors import TradeinfraError
from tradeinfra.files import write_text_atomically

CHECKS = ("validation", "drift", "plan")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CheckRecord(_Record):
    resource: str
    setting: str
    expected: str
    actual: str
    outcome: str


class ValidationResult(_Record):
    environment: str
    target: str
    ok: bool
    checks: list[CheckRecord]


class DriftRecord(_Record):
    source: str
    resource: str
    property: str
    expected: str
    actual: str


class DriftResult(_Record):
    environment: str
    target: str
    versions: str
    drifted: bool
    checked: list[str]
    drifts: list[DriftRecord]


class PropertyRecord(_Record):
    path: str
    before: str
    after: str
    replaces: bool


class ChangeRecord(_Record):
    app: str
    container: str
    address: str
    resource_type: str
    action: str
    physical_name: str
    properties: list[PropertyRecord]
    loses_data: bool


class PlanResult(_Record):
    environment: str
    target: str
    version: str
    counts: dict[str, int]
    caveats: list[str]
    findings: list[ChangeRecord]
    acknowledged: list[ChangeRecord]
    changes: list[ChangeRecord]


SCHEMAS: dict[str, type[_Record]] = {"validation": ValidationResult, "drift": DriftResult, "plan": PlanResult}


def save_result(state_dir: Path, target: str, environment: str, check: str, result: dict[str, Any]) -> None:
    SCHEMAS[check].model_validate(result)  # what is written must read back
    directory = state_dir / "results" / target / environment
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomically(directory / f"{check}.json", json.dumps(result, indent=2) + "\n")


def load_result(state_dir: Path, target: str, environment: str, check: str) -> dict[str, Any] | None:
    """The stored result, validated; None when the check never ran."""
    path = state_dir / "results" / target / environment / f"{check}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SCHEMAS[check].model_validate(data).model_dump()
    except (OSError, UnicodeDecodeError) as exc:
        raise TradeinfraError(f"{path}: unreadable {check} result ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TradeinfraError(f"{path}: unreadable {check} result (not JSON: {exc.msg}, line {exc.lineno})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "result"
        raise TradeinfraError(f"{path}: unreadable {check} result: {where}: {first['msg']}") from None
