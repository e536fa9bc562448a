"""Run every parity rule over what was synthesized."""

from __future__ import annotations

from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import ParityReport
from tradeinfra.parity.rules import RULES
from tradeinfra.parity.rules.variation_value import explained
from tradeinfra.parity.sources import load_cdk
from tradeinfra.synthesized.terraform import load_terraform

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def run_parity(platform: PlatformConfig, cdk_out: Path, cdktf_out: Path, tfvars_dir: Path) -> ParityReport:
    context = ParityContext(platform, load_cdk(cdk_out, platform), load_terraform(cdktf_out, tfvars_dir, platform))
    return check(context)


def check(context: ParityContext) -> ParityReport:
    report = ParityReport(environments=context.environments)
    for rule in RULES:
        report.findings.extend(rule.check(context))
    report.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.stack, f.resource, f.path))
    report.explained = explained(context)
    report.inventory = {
        env: {
            component: sorted((path, resource.type) for path, resource in stack.resources.items())
            for component, stack in snapshot.stacks.items()
        }
        for env, snapshot in context.snapshots.items()
    }
    return report
