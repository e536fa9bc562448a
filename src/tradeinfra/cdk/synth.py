"""Synthesize the CDK app in-process into a cloud assembly directory.

The assembly is built in a scratch directory beside the target and swapped
in only when synthesis (including the cdk-nag checks) succeeded, so a failed
synth never leaves a half-written `cdk.out`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.cdk.app import build_app
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import CheckFailedError
from tradeinfra.files import replaced_directory

REPORT = "validation-report.json"


@dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    stacks: list[str]  # stack names, e.g. prod-trading-compute


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str
    description: str


def synth_cdk(platform: PlatformConfig, environments: Sequence[str], out_dir: Path) -> SynthResult:
    for name in environments:
        platform.environment(name)  # unknown names fail before any work
    with replaced_directory(out_dir) as scratch:
        app = build_app(platform, environments, scratch)
        try:
            assembly = app.synth()
        except RuntimeError as exc:
            if "ValidationFailed" not in str(exc):
                raise
            raise CheckFailedError(_describe_violations(scratch / REPORT, out_dir)) from None
        stacks = sorted(stack.stack_name for stack in assembly.stacks_recursively)
    return SynthResult(out_dir, stacks)


def unacknowledged_violations(report_path: Path) -> list[Violation]:
    """Findings of the cdk-nag packs that nobody acknowledged."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return [
        Violation(violation["ruleName"], construct["constructPath"], violation["description"])
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    ]


def _describe_violations(report_path: Path, out_dir: Path) -> str:
    if not report_path.is_file():
        return "CDK validation failed (no report was written)"
    kept = out_dir.with_name(f"{out_dir.name}-{REPORT}")
    shutil.copyfile(report_path, kept)
    violations = unacknowledged_violations(report_path)
    lines = [f"compliance checks failed: {len(violations)} unacknowledged finding(s); full report: {kept}"]
    lines += [f"  {v.path}: {v.rule}" for v in violations[:50]]
    return "\n".join(lines)
