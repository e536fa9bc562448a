"""PAR006: a stack output (each is also an SSM export) present in some
environments only, or with a different value."""

from __future__ import annotations

from collections.abc import Iterator

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.rules.base import Rule
from tradeinfra.parity.rules.property_differs import odd_ones_out

ID = "PAR006"


def check(ctx: ParityContext) -> Iterator[Finding]:
    envs = ctx.environments
    for component in ctx.components:
        stacks = {e: ctx.snapshots[e].stacks.get(component) for e in envs}
        if any(s is None for s in stacks.values()):
            continue
        names = sorted({name for s in stacks.values() if s for name in s.outputs})
        for name in names:
            holders = [e for e, s in stacks.items() if s and name in s.outputs]
            if len(holders) != len(envs):
                yield Finding(
                    rule=ID,
                    severity=Severity.MEDIUM,
                    environments=tuple(e for e in envs if e not in holders),
                    stack=component,
                    resource=f"(output) {name}",
                    path="(presence)",
                    values={e: e in holders for e in envs},
                    message=f"output {name} exists only in {', '.join(holders)}",
                )
    for difference in ctx.differences:
        if difference.resource.startswith("(output)"):
            yield Finding(
                rule=ID,
                severity=Severity.MEDIUM,
                environments=odd_ones_out(difference.values),
                stack=difference.stack,
                resource=difference.resource,
                path=difference.path,
                values=difference.values,
                message=f"{difference.resource} has a different value in some environments",
            )


RULE = Rule(ID, Severity.MEDIUM, "Output in some environments only", __doc__ or "", check)
