"""Read the synthesized Terraform side: the web-tier stack's JSON and each
environment's tfvars."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import read_json_object

TFVARS_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$")
WEB_TIER_STACK = "web-tier"
STATE_BACKEND_STACK = "state-backend"
LEDGER_STACK = "ledger"


class TerraformInputError(TradeinfraError):
    """The synthesized Terraform output is missing or unreadable."""


@dataclass
class TerraformSide:
    variables: dict[str, dict[str, Any]]  # declared in the web-tier stack
    tfvars: dict[str, dict[str, Any]]  # environment -> variable -> value
    tfvars_lines: dict[str, dict[str, int]]  # environment -> variable -> line
    document: dict[str, Any] = field(default_factory=dict, repr=False)  # the web-tier stack


def read_stack(cdktf_out: Path, stack: str) -> dict[str, Any]:
    """The Terraform JSON of one synthesized stack."""
    return read_json_object(cdktf_out / "stacks" / stack / "cdk.tf.json", "Terraform JSON", "run 'tradeinfra synth'")


def load_terraform(cdktf_out: Path, tfvars_dir: Path, platform: PlatformConfig) -> TerraformSide:
    document = read_stack(cdktf_out, WEB_TIER_STACK)
    tfvars: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, int]] = {}
    for name in platform.names:
        tfvars[name], lines[name] = read_tfvars(tfvars_dir / f"{name}.tfvars")
    return TerraformSide(document.get("variable", {}), tfvars, lines, document)


def read_tfvars(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TerraformInputError(f"{path}: not found: run 'tradeinfra synth'") from None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", "//")):
            continue
        match = TFVARS_LINE.match(line)
        if not match:
            raise TerraformInputError(f"{path}:{number}: expected 'name = value', got {line.strip()!r}")
        try:
            values[match[1]] = json.loads(match[2])
        except json.JSONDecodeError:
            raise TerraformInputError(
                f"{path}:{number}: {match[1]}: expected a JSON-style literal (string, number, bool, list)"
            ) from None
        lines[match[1]] = number
    return values, lines
