"""Read a synthesized cloud assembly: the stacks of each environment, with
their templates. Environments are the nested assemblies (one per Stage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeinfra.errors import TradeinfraError
from tradeinfra.files import read_json_object

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"


class AssemblyError(TradeinfraError):
    """The cloud assembly is missing or unreadable."""


@dataclass(frozen=True)
class SynthesizedStack:
    environment: str  # the Stage (environment) name
    construct_id: str  # identical in every environment, e.g. "compute"
    stack_name: str  # e.g. prod-trading-compute
    account: str
    region: str
    termination_protection: bool
    template_file: Path
    template: dict[str, Any] = field(repr=False)
    depends_on: frozenset[str] = frozenset()  # names of the stacks deployed before this one

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template.get("Resources", {}).items()
            if resource.get("Type") == resource_type
        }

    def only(self, resource_type: str) -> dict[str, Any]:
        """The single resource of `resource_type` in this stack."""
        found = list(self.resources(resource_type).values())
        if len(found) != 1:
            raise AssertionError(f"{self.stack_name}: expected one {resource_type}, found {len(found)}")
        return found[0]


def read_assembly(out_dir: Path) -> dict[str, dict[str, SynthesizedStack]]:
    """environment -> construct id -> stack, for every stack under `out_dir`."""
    manifest = _read_json(out_dir / "manifest.json")
    environments: dict[str, dict[str, SynthesizedStack]] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != NESTED_ASSEMBLY:
            continue
        nested_dir = out_dir / artifact["properties"]["directoryName"]
        nested = _read_json(nested_dir / "manifest.json")
        artifacts = nested.get("artifacts", {})
        names = {
            artifact_id: stack.get("properties", {}).get("stackName", artifact_id)
            for artifact_id, stack in artifacts.items()
            if stack.get("type") == STACK_ARTIFACT
        }
        for artifact_id, stack in artifacts.items():
            if stack.get("type") != STACK_ARTIFACT:
                continue
            depends_on = frozenset(names[d] for d in stack.get("dependencies", []) if d in names)
            parsed = _stack(nested_dir, artifact_id, stack, depends_on)
            environments.setdefault(parsed.environment, {})[parsed.construct_id] = parsed
    if not environments:
        raise AssemblyError(f"{out_dir}: no environment stacks found: run 'tradeinfra synth'")
    return environments


def read_delivery_stacks(out_dir: Path) -> dict[str, SynthesizedStack]:
    """Stack name -> stack, for the stacks outside every environment: the
    delivery pipeline and the support stacks CDK adds for it."""
    manifest = _read_json(out_dir / "manifest.json")
    return {
        parsed.stack_name: parsed
        for artifact_id, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == STACK_ARTIFACT
        for parsed in [_stack(out_dir, artifact_id, artifact)]
    }


def _stack(
    directory: Path, artifact_id: str, stack: dict[str, Any], depends_on: frozenset[str] = frozenset()
) -> SynthesizedStack:
    properties = stack["properties"]
    display = stack.get("displayName", artifact_id)  # e.g. "prod/compute (prod-trading-compute)"
    environment, _, construct_id = display.split(" ")[0].rpartition("/")  # no environment: top-level stack
    account, region = stack["environment"].removeprefix("aws://").split("/")
    template_file = directory / properties["templateFile"]
    return SynthesizedStack(
        environment=environment,
        construct_id=construct_id,
        stack_name=properties.get("stackName", artifact_id),
        account=account,
        region=region,
        termination_protection=bool(properties.get("terminationProtection", False)),
        template_file=template_file,
        template=_read_json(template_file),
        depends_on=depends_on,
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return read_json_object(path, "cloud assembly file", "run 'tradeinfra synth' first")
    except TradeinfraError as exc:
        raise AssemblyError(str(exc)) from None
