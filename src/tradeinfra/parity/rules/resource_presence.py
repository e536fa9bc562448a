"""PAR003: a stack or resource exists in some environments and not in
others, and no declared variation creates it there."""

from __future__ import annotations

from collections.abc import Iterator

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.rules.base import Rule

ID = "PAR003"
PRESENCE = "(resource)"


def check(ctx: ParityContext) -> Iterator[Finding]:
    envs = ctx.environments
    for component in ctx.components:
        holders = [e for e in envs if component in ctx.snapshots[e].stacks]
        if len(holders) != len(envs):
            yield _finding(
                component, "(stack)", envs, holders, f"stack {component} exists only in {', '.join(holders)}"
            )
            continue
        for path in ctx.resource_paths(component):
            holders = [e for e in envs if path in ctx.snapshots[e].stacks[component].resources]
            if len(holders) == len(envs):
                continue
            if ctx.explainer.explain(component, path, PRESENCE) is not None:
                continue
            kind = next(ctx.snapshots[e].stacks[component].resources[path].type for e in holders)
            yield _finding(component, path, envs, holders, f"{kind} exists only in {', '.join(holders)}")


def _finding(stack: str, resource: str, envs: list[str], holders: list[str], message: str) -> Finding:
    absent = tuple(e for e in envs if e not in holders)
    return Finding(
        rule=ID,
        severity=Severity.HIGH,
        environments=absent if len(absent) <= len(holders) else tuple(holders),
        stack=stack,
        resource=resource,
        path=PRESENCE,
        values={e: e in holders for e in envs},
        message=message,
    )


RULE = Rule(ID, Severity.HIGH, "Resource present in some environments only", __doc__ or "", check)
