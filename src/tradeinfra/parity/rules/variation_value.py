"""PAR002: a declared variation explains a difference, but the value in some
environment is not the one the configuration resolves for it."""

from __future__ import annotations

from collections.abc import Iterator

from tradeinfra.parity.context import MISSING, ParityContext
from tradeinfra.parity.model import ExplainedDifference, Finding, Severity
from tradeinfra.parity.rules.base import Rule

ID = "PAR002"


def check(ctx: ParityContext) -> Iterator[Finding]:
    """Every place a declared variation affects must hold the configured
    value, in every environment, whether or not the environments differ."""
    for env in ctx.environments:
        for (stack, resource), properties in ctx.flattened[env].items():
            if not ctx.explainer.affects(stack, resource):
                continue
            for path, actual in properties.items():
                explanation = ctx.explainer.explain(stack, resource, path)
                if explanation is None or explanation.effect.derived:
                    continue
                expected = ctx.explainer.expected(explanation, env)
                expected = MISSING if expected is None else expected
                if actual != expected:
                    yield Finding(
                        rule=ID,
                        severity=Severity.HIGH,
                        environments=(env,),
                        stack=stack,
                        resource=resource,
                        path=path,
                        values={
                            e: ctx.flattened[e].get((stack, resource), {}).get(path, MISSING) for e in ctx.environments
                        },
                        message=f"{path} is {actual} in {env}, but {explanation.setting} resolves {expected} there",
                    )


def explained(ctx: ParityContext) -> list[ExplainedDifference]:
    result = []
    for difference in ctx.differences:
        explanation = ctx.explainer.explain(difference.stack, difference.resource, difference.path)
        if explanation is not None:
            result.append(
                ExplainedDifference(
                    difference.stack, difference.resource, difference.path, explanation.setting, difference.values
                )
            )
    return result


RULE = Rule(ID, Severity.HIGH, "Declared variation with the wrong value", __doc__ or "", check)
