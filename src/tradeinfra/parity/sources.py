"""Read what was synthesized: the CDK cloud assembly (one nested assembly per
environment, plus the cdk-nag report) and the Terraform side (stacks and
tfvars), and put the CDK side into normalized form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeinfra.cdk.assembly import read_assembly
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import read_json_object
from tradeinfra.parity.normalize import Identity, NormalizedStack, normalize_stack

VALIDATION_REPORT = "validation-report.json"
TFVARS_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$")


class ParityInputError(TradeinfraError):
    """What the gate needs to read is missing or unreadable."""


@dataclass
class EnvironmentSnapshot:
    name: str
    stacks: dict[str, NormalizedStack]
    acknowledgments: set[tuple[str, str]] = field(default_factory=set)  # (rule, normalized construct path)


@dataclass
class TerraformSide:
    variables: dict[str, dict[str, Any]]  # declared in the web-tier stack
    tfvars: dict[str, dict[str, Any]]  # environment -> variable -> value
    tfvars_lines: dict[str, dict[str, int]]  # environment -> variable -> line


def load_cdk(cdk_out: Path, platform: PlatformConfig) -> dict[str, EnvironmentSnapshot]:
    assembly = read_assembly(cdk_out)
    unknown = sorted(set(assembly) - set(platform.names))
    if unknown:
        raise ParityInputError(
            f"{cdk_out}: environment(s) {', '.join(unknown)} are not in the configuration "
            f"(expected {', '.join(platform.names)})"
        )
    missing = [name for name in platform.names if name not in assembly]
    if missing:
        raise ParityInputError(
            f"{cdk_out}: no stacks for {', '.join(missing)}: run 'tradeinfra synth' for every environment"
        )
    snapshots = {}
    for name in platform.names:
        stacks = {}
        for component, stack in assembly[name].items():
            identity = Identity(name, stack.account, stack.region)
            stacks[component] = normalize_stack(
                stack.template, identity, component, stack.stack_name, stack.termination_protection
            )
        snapshots[name] = EnvironmentSnapshot(name, stacks)
    _read_acknowledgments(cdk_out / VALIDATION_REPORT, snapshots, platform)
    return snapshots


def _read_acknowledgments(path: Path, snapshots: dict[str, EnvironmentSnapshot], platform: PlatformConfig) -> None:
    report = read_json_object(path, "cdk-nag report", "synthesize with 'tradeinfra synth' (it runs cdk-nag)")
    for plugin in report.get("pluginReports", []):
        for finding in plugin.get("suppressedViolations", []):
            for construct in finding.get("violatingConstructs", []):
                env, _, rest = construct["constructPath"].partition("/")
                if env in snapshots:
                    component = rest.split("/", 1)[0]
                    identity = Identity(env, platform.environment(env).account, platform.environment(env).region)
                    snapshots[env].acknowledgments.add(
                        (
                            identity.scrub(finding.get("acknowledgedId", finding["ruleName"]), component),
                            identity.scrub(rest, component),
                        )
                    )


def load_terraform(cdktf_out: Path, tfvars_dir: Path, platform: PlatformConfig) -> TerraformSide:
    stack_file = cdktf_out / "stacks" / "web-tier" / "cdk.tf.json"
    document = read_json_object(stack_file, "Terraform JSON", "run 'tradeinfra synth'")
    tfvars: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, int]] = {}
    for name in platform.names:
        tfvars[name], lines[name] = _read_tfvars(tfvars_dir / f"{name}.tfvars")
    return TerraformSide(document.get("variable", {}), tfvars, lines)


def _read_tfvars(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParityInputError(f"{path}: not found: run 'tradeinfra synth'") from None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", "//")):
            continue
        match = TFVARS_LINE.match(line)
        if not match:
            raise ParityInputError(f"{path}:{number}: expected 'name = value', got {line.strip()!r}")
        try:
            values[match[1]] = json.loads(match[2])
        except json.JSONDecodeError:
            raise ParityInputError(
                f"{path}:{number}: {match[1]}: expected a JSON-style literal (string, number, bool, list)"
            ) from None
        lines[match[1]] = number
    return values, lines
