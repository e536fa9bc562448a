"""Read-only views of a loaded configuration: resolved values with their
source, and the cross-environment matrix. Data only; the CLI renders them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import IDENTITY_FIELDS
from tradeinfra.config.settings_tree import flatten
from tradeinfra.config.yaml_source import KeyPath, Location


@dataclass(frozen=True)
class ResolvedValue:
    path: str
    value: Any
    source: Location


@dataclass(frozen=True)
class MatrixRow:
    path: str
    values: dict[str, Any]  # environment name -> value
    varies: bool
    declared: bool  # a declared variation, or environment identity


def _ordered_dump(platform: PlatformConfig, env: str) -> dict[str, Any]:
    dumped = platform.environment(env).model_dump(mode="json")
    identity = {key: dumped.pop(key) for key in IDENTITY_FIELDS}
    return {**identity, **dumped}


def resolved_values(platform: PlatformConfig, env: str) -> list[ResolvedValue]:
    """Every resolved value of `env` with the file and line it came from."""
    provenance = platform.provenance[env]
    rows = []
    for path, value in flatten(_ordered_dump(platform, env)):
        rows.append(ResolvedValue(".".join(path), value, _source(path, provenance)))
    return rows


def _source(path: KeyPath, provenance: dict[KeyPath, Location]) -> Location:
    for length in range(len(path), 0, -1):
        if path[:length] in provenance:
            return provenance[path[:length]]
    raise KeyError(path)  # every loaded value has a source; this would be a loader bug


def environment_matrix(platform: PlatformConfig) -> list[MatrixRow]:
    """Every setting by environment, in model order."""
    columns = {env: dict(flatten(_ordered_dump(platform, env))) for env in platform.names}
    paths: list[KeyPath] = []
    for flat in columns.values():
        paths.extend(path for path in flat if path not in paths)
    rows = []
    for path in paths:
        values = {env: columns[env].get(path) for env in platform.names}
        dotted = ".".join(path)
        distinct = {repr(v) for v in values.values()}
        declared = path[0] in IDENTITY_FIELDS or platform.is_declared_variation(dotted)
        rows.append(MatrixRow(dotted, values, len(distinct) > 1, declared))
    return rows
