"""Parity rules: small pure functions over a `ParityContext`, one per module,
each with an id, a severity and an explanation (the cdk-nag / cfn-lint model)."""

from __future__ import annotations

from tradeinfra.parity.rules import (
    acknowledgments,
    naming,
    outputs,
    property_differs,
    resource_presence,
    tfvars,
    variation_value,
)
from tradeinfra.parity.rules.base import Rule

RULES: tuple[Rule, ...] = (
    property_differs.RULE,
    variation_value.RULE,
    resource_presence.RULE,
    naming.RULE,
    acknowledgments.RULE,
    outputs.RULE,
    tfvars.RULE,
)
