"""PAR005: a cdk-nag acknowledgment present in some environments only, when
no declared variation lists the rule it silences. (checkov skips are global
to the one web-tier stack, so they cannot differ by environment.)"""

from __future__ import annotations

from collections.abc import Iterator

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.rules.base import Rule

ID = "PAR005"


def check(ctx: ParityContext) -> Iterator[Finding]:
    envs = ctx.environments
    every = set.union(*(ctx.snapshots[e].acknowledgments for e in envs)) if envs else set()
    for rule, path in sorted(every):
        holders = [e for e in envs if (rule, path) in ctx.snapshots[e].acknowledgments]
        if len(holders) == len(envs) or ctx.explainer.acknowledgment_explained(rule):
            continue
        stack, _, resource = path.partition("/")
        yield Finding(
            rule=ID,
            severity=Severity.HIGH,
            environments=tuple(holders),
            stack=stack,
            resource=resource,
            path=rule,
            values={e: e in holders for e in envs},
            message=f"{rule} is acknowledged only in {', '.join(holders)}",
        )


RULE = Rule(ID, Severity.HIGH, "Compliance acknowledgment in some environments only", __doc__ or "", check)
