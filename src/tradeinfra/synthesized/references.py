"""The references between the stacks of one environment, as synthesized:
which stack reads which Parameter Store value, and which stack writes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tradeinfra.config.references import is_reference
from tradeinfra.synthesized.cloud_assembly import SynthesizedStack


@dataclass(frozen=True)
class TemplateReference:
    consumer: str  # the stack name of the reader
    key: str  # its template parameter
    parameter: str  # e.g. /trading/dev/data/table-arn
    producer: str | None  # the stack whose AWS::SSM::Parameter writes it; None: no stack does


def template_references(environment: str, stacks: Mapping[str, SynthesizedStack]) -> list[TemplateReference]:
    """Every reference a stack of `environment` makes to a value the
    environment publishes, with the stack that writes the value."""
    writers = {
        name: stack.stack_name
        for stack in stacks.values()
        for resource in stack.resources("AWS::SSM::Parameter").values()
        if isinstance(name := resource.get("Properties", {}).get("Name"), str)
    }
    return [
        TemplateReference(stack.stack_name, key, default, writers.get(default))
        for stack in stacks.values()
        for key, declared in stack.template.get("Parameters", {}).items()
        if is_reference(environment, str(declared.get("Type", "")), default := declared.get("Default"))
    ]
