"""Shared by the CDK tests; the session's synth lives in tests/infra/conftest.py."""

from __future__ import annotations

from typing import Any

from tradeinfra.synthesized.cloud_assembly import SynthesizedStack

Assembly = dict[str, dict[str, SynthesizedStack]]


def by_name(resources: dict[str, dict[str, Any]], key: str, name: str) -> tuple[str, dict[str, Any]]:
    """The one resource whose property `key` is `name`: (logical ID, resource)."""
    matches = [(lid, r) for lid, r in resources.items() if r["Properties"].get(key) == name]
    assert len(matches) == 1, f"{key}={name}: {[lid for lid, _ in matches]}"
    return matches[0]


def order_processor(stack: SynthesizedStack) -> dict[str, Any]:
    """The properties of the order-processor function of a compute stack."""
    name = stack.stack_name.replace("-trading-compute", "-trading-order-processor")
    return by_name(stack.resources("AWS::Lambda::Function"), "FunctionName", name)[1]["Properties"]
