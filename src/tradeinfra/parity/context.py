"""Everything a rule reads, computed once per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.parity.explain import STACK_SETTINGS, Explainer
from tradeinfra.parity.sources import EnvironmentSnapshot
from tradeinfra.synthesized.terraform import TerraformSide

MISSING = "<absent>"


@dataclass(frozen=True)
class Difference:
    """One property (or stack setting, or output) whose value is not the same everywhere."""

    stack: str
    resource: str
    path: str
    values: dict[str, Any]  # environment -> canonical value (MISSING when absent)


@dataclass
class ParityContext:
    platform: PlatformConfig
    snapshots: dict[str, EnvironmentSnapshot]
    terraform: TerraformSide | None
    explainer: Explainer = field(init=False)

    def __post_init__(self) -> None:
        self.explainer = Explainer(self.platform)

    @property
    def environments(self) -> list[str]:
        return list(self.snapshots)

    @cached_property
    def components(self) -> list[str]:
        seen: dict[str, None] = {}
        for snapshot in self.snapshots.values():
            seen.update(dict.fromkeys(snapshot.stacks))
        return list(seen)

    def resource_paths(self, component: str) -> list[str]:
        seen: dict[str, None] = {}
        for snapshot in self.snapshots.values():
            stack = snapshot.stacks.get(component)
            if stack:
                seen.update(dict.fromkeys(stack.resources))
        return list(seen)

    @cached_property
    def flattened(self) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
        """environment -> (stack, resource) -> property path -> canonical value; stack settings included."""
        result: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for env, snapshot in self.snapshots.items():
            flat: dict[tuple[str, str], dict[str, Any]] = {}
            for component, stack in snapshot.stacks.items():
                flat[(component, STACK_SETTINGS)] = stack.settings
                for path, resource in stack.resources.items():
                    flat[(component, path)] = resource.properties
            result[env] = flat
        return result

    @cached_property
    def differences(self) -> list[Difference]:
        """Property, stack-setting and output differences of resources present everywhere."""
        found: list[Difference] = []
        envs = self.environments
        for component in self.components:
            stacks = [self.snapshots[e].stacks.get(component) for e in envs]
            if any(stack is None for stack in stacks):
                continue  # the presence rule reports it
            for path in [STACK_SETTINGS, *self.resource_paths(component)]:
                flats = [self.flattened[e].get((component, path)) for e in envs]
                if all(flat is not None for flat in flats):
                    found += _compare(component, path, envs, [f for f in flats if f is not None])
            present = [s for s in stacks if s is not None]
            for name in sorted({o for s in present for o in s.outputs}):
                if all(name in s.outputs for s in present):
                    found += _compare(component, f"(output) {name}", envs, [s.outputs[name] for s in present])
        return found


def _compare(stack: str, resource: str, envs: list[str], flats: list[dict[str, Any]]) -> list[Difference]:
    first = flats[0]
    if all(flat == first for flat in flats[1:]):
        return []
    keys: dict[str, None] = {}
    for flat in flats:
        keys.update(dict.fromkeys(flat))
    differences = []
    for key in keys:
        values = {env: flat.get(key, MISSING) for env, flat in zip(envs, flats, strict=True)}
        reference = values[envs[0]]
        if any(value != reference for value in values.values()):
            differences.append(Difference(stack, resource, key, values))
    return differences
