"""PAR001: a property has a different value in some environment and no
declared variation covers it (a timeout, a policy statement, an encryption
setting, a tag value...)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.rules.base import Rule

ID = "PAR001"


def odd_ones_out(values: dict[str, Any]) -> tuple[str, ...]:
    """The environments whose value differs from the most common one."""
    counts = Counter(repr(v) for v in values.values())
    common, _ = counts.most_common(1)[0]
    odd = tuple(env for env, v in values.items() if repr(v) != common)
    return odd or tuple(values)


def check(ctx: ParityContext) -> Iterator[Finding]:
    for difference in ctx.differences:
        if difference.resource.startswith("(output)"):
            continue  # PAR006
        if ctx.explainer.explain(difference.stack, difference.resource, difference.path) is not None:
            continue  # PAR002 checks the values
        yield Finding(
            rule=ID,
            severity=Severity.HIGH,
            environments=odd_ones_out(difference.values),
            stack=difference.stack,
            resource=difference.resource,
            path=difference.path,
            values=difference.values,
            message=f"{difference.path} differs between environments and no declared variation allows it",
        )


RULE = Rule(ID, Severity.HIGH, "Undeclared property difference", __doc__ or "", check)
